/**
 * Whether a task's run is alive (src/task/task-facts.ts runAlive, effectiveState): by pid and
 * start stamp for a run on this machine, by its heartbeat (the record's age) for a run another
 * machine started over a shared store, where a pid says nothing.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { machineId, processStart, startedElsewhere } from '../../src/task/process-identity.js';
import { effectiveState, REMOTE_RUN_SILENCE_SECONDS, runAlive } from '../../src/task/task-facts.js';
import type { TaskRecord } from '../../src/task/task-store.js';

const here = processStart(process.pid)!;
const boot = here.slice(0, here.lastIndexOf(':'));
const running = (pid: number, pidStart: string, heartbeatAge: number) => ({ state: 'running', phase: 'data', pid, pidStart, heartbeatAge }) as TaskRecord;

describe('runAlive', () => {
  it('a run of this machine: alive while its pid is the process that started then', () => {
    assert.equal(runAlive(running(process.pid, here, 999)), true, 'a local run needs no heartbeat');
    assert.equal(runAlive(running(process.pid, `${boot}:1`, 0)), false, 'the pid now belongs to another process');
    assert.equal(effectiveState(running(process.pid, `${boot}:1`, 0)), 'interrupted');
  });

  it("a run another machine started: judged by its heartbeat, whatever this machine's pids are", () => {
    const elsewhere = `00000000-0000-4000-8000-000000000000/other-host:${here.slice(here.lastIndexOf(':') + 1)}`;
    // pid 1 is alive here, and this test's own pid too: neither is the other machine's process
    for (const pid of [1, process.pid, 2 ** 22 + 7]) {
      assert.equal(runAlive(running(pid, elsewhere, 1.5)), true, `pid ${pid}, a fresh heartbeat`);
      assert.equal(runAlive(running(pid, elsewhere, REMOTE_RUN_SILENCE_SECONDS + 1)), false, `pid ${pid}, silent too long`);
    }
    assert.equal(effectiveState(running(12345, elsewhere, 2)), 'running');
    assert.equal(effectiveState({ ...running(12345, elsewhere, 2), phase: 'stream' }), 'streaming');
    assert.equal(effectiveState(running(12345, elsewhere, 45)), 'interrupted');
  });

  it('the machine is the boot id with the host name (containers share a boot id), or PGFERRY_MACHINE_ID', () => {
    assert.match(machineId({})!, new RegExp(`^[0-9a-f-]{36}/${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    assert.equal(machineId({ PGFERRY_MACHINE_ID: 'rack-1:box-2' }), 'rack-1_box-2', 'a colon would split the start stamp');
    assert.equal(startedElsewhere(here), false);
    assert.equal(startedElsewhere(`${boot}:1`), false, 'another start on this machine is a pid question, not a heartbeat one');
    assert.equal(startedElsewhere(`${boot.split('/')[0]}/another-container:${here.slice(here.lastIndexOf(':') + 1)}`), true, 'same kernel, another host name');
    assert.equal(startedElsewhere(null), false);
  });
});
