/** The parallel job count: one default and one bound for every entry point (flags, task files, the API). */
import os from 'node:os';

export const JOBS_MIN = 1;
export const JOBS_MAX = 64;

/** The cores this process may use, at least 2 (a copy pair and a DDL session overlap well even on one). */
export function defaultJobs(): number {
  return Math.max(2, os.availableParallelism());
}

/** Why `n` is not a job count, or undefined when it is one. */
export function jobsProblem(n: number): string | undefined {
  return Number.isInteger(n) && n >= JOBS_MIN && n <= JOBS_MAX ? undefined : `must be an integer from ${JOBS_MIN} to ${JOBS_MAX}`;
}
