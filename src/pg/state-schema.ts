/** The schema on the target where pgferry keeps its bookkeeping (unit marks, stream positions); dropped when a task is released. */
export const STATE_SCHEMA = 'pgferry_state';
