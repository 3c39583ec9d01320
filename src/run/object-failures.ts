/**
 * Per-object failures during a run. An object the target rejects is recorded with its kind,
 * name, DDL and the server's error; objects that need it are not tried and are recorded as
 * blocked by it; everything else goes on. With `strict`, the first rejection stops the run.
 */
import type { DdlStep } from '../plan/plan-model.js';
import type { PgferryError } from '../errors.js';
import { maskSecrets } from '../logger.js';

export interface ObjectFailure {
  kind: string;
  name: string;
  /** The server's error, or which failed object this one needed. */
  error: string;
  code: string;
  /** The statement the target rejected (masked when it holds secrets); absent when blocked. */
  sql?: string;
  blockedBy?: string;
}

export class ObjectFailures {
  readonly list: ObjectFailure[] = [];
  private readonly failed = new Map<string, string>();

  constructor(
    readonly strict: boolean,
    private readonly onFailure: (f: ObjectFailure) => void = () => {},
  ) {}

  /** The failed object a step needs (as `kind name`), if any. */
  blockerOf(step: { key: string; deps?: string[] }): string | undefined {
    for (const d of step.deps ?? []) {
      const f = this.failed.get(d);
      if (f !== undefined) return f;
    }
    return undefined;
  }

  /** Whether the object with this key failed or was not tried. */
  hasFailed(key: string): boolean {
    return this.failed.has(key);
  }

  /** Records a rejected step. */
  rejected(step: DdlStep, err: PgferryError): void {
    this.failed.set(step.key, `${step.kind} ${step.name}`);
    const sql = err.sql === undefined ? undefined : step.secret ? maskSecrets(err.sql) : err.sql;
    this.push({ kind: step.kind, name: step.name, error: err.message, code: err.code, sql });
  }

  /** Records an object not tried because something it needs failed. */
  blocked(step: { key: string; kind: string; name: string }, by: string): void {
    this.failed.set(step.key, `${step.kind} ${step.name}`);
    this.push({ kind: step.kind, name: step.name, error: `not created: it needs ${by}, which failed`, code: 'PGFERRY_E_DDL', blockedBy: by });
  }

  private push(f: ObjectFailure): void {
    this.list.push(f);
    this.onFailure(f);
  }
}
