/**
 * The task subcommands that check before a run: `task test` (connectivity) and `task precheck`.
 */
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { jsonLine } from './output.js';
import { printConnectivity } from './connectivity-output.js';
import { printPrecheck } from './precheck-output.js';
import { action, storeOption, svc, type Common } from './task-action.js';

/** Registers `task test` and `task precheck`; each exits non-zero when its check did not pass. */
export function registerTaskCheckCommands(task: Command, program: Command): void {
  storeOption(task.command('test <id>'))
    .description("Test Connectivity for a task's source and target")
    .option('--json', 'JSON')
    .action(
      action<Common>(program, async (store, o, id) => {
        const report = await svc.testTask(store, id);
        if (o.json) jsonLine({ event: 'connectivity', ...report });
        else printConnectivity(report, process.stdout);
        return report.passed ? ExitCode.ok : ExitCode.connection;
      }),
    );

  storeOption(task.command('precheck <id>'))
    .description('run the precheck for the task as it is now; task start needs it passed')
    .option('--json', 'JSON')
    .action(
      action<Common>(program, async (store, o, id) => {
        const report = await svc.precheckTask(store, id);
        if (o.json) jsonLine({ event: 'precheck', ...report });
        else printPrecheck(report, process.stdout);
        return report.passed ? ExitCode.ok : ExitCode.precheckFailed;
      }),
    );
}
