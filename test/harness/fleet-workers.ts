/**
 * Fleet-mode test helpers: `pgferry worker` processes that each stand for a machine of their own
 * (their own process group, killed whole, and PGFERRY_MACHINE_ID, so runs are judged by their
 * heartbeat, as across machines), and a wait for tasks to complete.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TaskRecord, TaskStore } from '../../src/task/task-store.js';
import { BIN } from './cli.js';

export interface FleetWorkerProcess { name: string; proc: ChildProcess; out: string[] }

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a worker (`dir`: where its logs go; `env`: more variables; `args`: more flags) and waits for it to report. */
export async function startWorker(storeUri: string, name: string, dir: string, keyFile: string, env: Record<string, string> = {}, args: string[] = []): Promise<FleetWorkerProcess> {
  const all = { ...process.env, PGFERRY_STORE: storeUri, PGFERRY_KEY_FILE: keyFile, PGFERRY_LOG_DIR: path.join(dir, `logs-${name}`), PGFERRY_MACHINE_ID: `machine-${name}`, ...env };
  const proc = spawn(process.execPath, [BIN, 'worker', '--name', name, '--concurrency', '2', ...args], { env: all, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const w: FleetWorkerProcess = { name, proc, out: [] };
  proc.stdout!.on('data', (d: Buffer) => w.out.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => w.out.push(d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = () => (w.out.join('').includes('takes up to') ? resolve() : undefined);
    proc.stdout!.on('data', check);
    proc.once('exit', (c) => reject(new Error(`worker ${name} exited ${c}: ${w.out.join('')}`)));
  });
  return w;
}

/** Stops the workers still running (SIGTERM) and waits for them. */
export async function stopWorkers(workers: FleetWorkerProcess[]): Promise<void> {
  const running = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  for (const w of running) w.proc.kill('SIGTERM');
  await Promise.all(running.map((w) => new Promise((r) => w.proc.once('exit', r))));
}

/** Waits until every task is completed (failing at once on a failed one), up to `ms`. */
export async function allCompleted(store: TaskStore, ids: string[], ms: number): Promise<TaskRecord[]> {
  const t0 = Date.now();
  for (;;) {
    const tasks = await Promise.all(ids.map((id) => store.get(id)));
    const failed = tasks.find((t) => t.state === 'failed');
    if (failed) assert.fail(`task ${failed.name} failed: ${failed.error}`);
    if (tasks.every((t) => t.state === 'completed')) return tasks;
    if (Date.now() - t0 > ms) assert.fail(`not all completed after ${ms / 1000} s: ${tasks.map((t) => `${t.name} ${t.state}/${t.phase}`).join(', ')}`);
    await sleep(500);
  }
}
