/**
 * `pgferry task ...`: migration tasks kept in the local store — create, list, show, test,
 * precheck, start, status, stop, resume, set, set-password, release, spec-schema.
 */
import type { Command } from 'commander';
import { registerTaskCreateCommand, registerTaskDuplicateCommand, registerTaskSpecSchemaCommand } from './task-create-command.js';
import { registerTaskListCommands, registerTaskStatusCommand } from './task-view-commands.js';
import { registerTaskCheckCommands } from './task-check-commands.js';
import { registerTaskRunCommands } from './task-run-commands.js';
import { registerTaskControlCommands } from './task-control-commands.js';

/** Adds `pgferry task` and its subcommands; the order here is the order `task --help` lists them in. */
export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('migration tasks kept in a local store: create, duplicate, precheck, start, watch (status --watch), stop, resume, release');
  registerTaskCreateCommand(task, program);
  registerTaskDuplicateCommand(task, program);
  registerTaskListCommands(task, program);
  registerTaskCheckCommands(task, program);
  registerTaskRunCommands(task, program);
  registerTaskStatusCommand(task, program);
  registerTaskControlCommands(task, program);
  registerTaskSpecSchemaCommand(task);
}
