/**
 * Which process runs a task. A pid alone is not enough: the OS hands a dead run's pid to the next
 * process, and a task would then look running forever (or, worse, a stop would be sent to a
 * stranger). A process is this pid plus its start time since boot and the machine's identity
 * (boot id and host name), read from /proc on Linux; elsewhere the pid alone, as before.
 */
import fs from 'node:fs';
import os from 'node:os';

/**
 * Which machine this is, as far as pids go: the boot id with the host name (containers on one
 * host share the kernel's boot id, not their pids), or `PGFERRY_MACHINE_ID` where neither tells
 * machines apart. Processes on one machine must agree on it.
 */
export function machineId(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.PGFERRY_MACHINE_ID) return env.PGFERRY_MACHINE_ID.replace(/:/g, '_');
  const boot = bootId();
  return boot ? `${boot}/${os.hostname().replace(/:/g, '_')}` : null;
}

/** The start stamp of process `pid` (`<machine id>:<start ticks>`), or null when it cannot be read. */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19]; // field 22, starttime
    const machine = machineId();
    return ticks && machine ? `${machine}:${ticks}` : null;
  } catch {
    return null;
  }
}

/** This machine's boot id (Linux), or null. */
function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Whether a process stamped `start` ran on another machine (or before this one's last boot): its
 * machine id is not this one's. Its pid then says nothing here; a shared store judges it by its
 * heartbeat instead (task-facts.ts).
 */
export function startedElsewhere(start: string | null): boolean {
  const at = start?.slice(0, start.lastIndexOf(':'));
  const here = machineId();
  return Boolean(at && here && at !== here);
}

/** Whether process `pid` is alive and is the one that started at `start` (when that is known). */
export function processAlive(pid: number | null, start: string | null = null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!start) return true;
  const now = processStart(pid);
  return now === null || now === start;
}
