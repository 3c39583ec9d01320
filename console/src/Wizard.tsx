/**
 * Create a task in the vendor's order: (1) source and destination with Test Connectivity,
 * (2) migration types (schema, full data, or incremental: the full copy, then the source's changes
 * applied until a cutover) and objects (Available tree, Selected list, rename = name mapping),
 * (3) precheck (Next only once it passes), (4) throughput and start.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { ObjectPicker, destinationClashes, entries, type Picked } from './ObjectPicker';
import { ApiFailure, api, formatBytes, jobsError as jobsProblem, rateError as rateProblem, type ConnFields, type ConnSpecInput, type ConnectivityReport, type ObjectTree, type PlanPreview, type PrecheckReport, type SideResult, type SslMode, type TaskSpecInput, type TaskView } from './api';

type Side = SideResult['side'];
const EMPTY: ConnFields = { host: '127.0.0.1', port: 5432, database: '', user: 'postgres', password: '', sslmode: 'prefer' };
// every sslmode the server takes, in this order: a mode added or dropped there fails the type check here
const SSL_MODES: Record<SslMode, true> = { disable: true, allow: true, prefer: true, require: true, 'verify-ca': true, 'verify-full': true };
const SSL = Object.keys(SSL_MODES) as SslMode[];

function connSpec(c: ConnFields): ConnSpecInput {
  return { host: c.host, port: c.port, database: c.database, user: c.user, sslmode: c.sslmode, ...(c.password ? { password: c.password } : {}) };
}

function describe(err: unknown): string {
  return err instanceof ApiFailure ? `${err.error.code}: ${err.error.message}${err.error.fix ? ` — ${err.error.fix}` : ''}` : String(err);
}

function ConnectionForm({ side, value, onChange, result, testing, onTest }: {
  side: Side; value: ConnFields; onChange: (c: ConnFields) => void; result: SideResult | null; testing: boolean; onTest: () => void;
}) {
  const id = (f: string) => `${side}-${f}`;
  const set = <K extends keyof ConnFields>(k: K, v: ConnFields[K]) => onChange({ ...value, [k]: v });
  return (
    // Enter in any field tests the connection
    <form onSubmit={(e) => { e.preventDefault(); if (!testing && value.host && value.database) onTest(); }}>
    <fieldset className="card conn">
      <legend>{side === 'source' ? 'Source database' : 'Destination database'}</legend>
      <div className="grid2">
        <label htmlFor={id('host')}>Host</label>
        <input id={id('host')} value={value.host} onChange={(e) => set('host', e.target.value)} />
        <label htmlFor={id('port')}>Port</label>
        <input id={id('port')} type="number" min={1} max={65535} value={value.port} onChange={(e) => set('port', Number(e.target.value))} />
        <label htmlFor={id('database')}>Database</label>
        <input id={id('database')} value={value.database} onChange={(e) => set('database', e.target.value)} />
        <label htmlFor={id('user')}>Account</label>
        <input id={id('user')} value={value.user} onChange={(e) => set('user', e.target.value)} autoComplete="off" />
        <label htmlFor={id('password')}>Password</label>
        <input id={id('password')} type="password" value={value.password} onChange={(e) => set('password', e.target.value)} autoComplete="new-password" />
        <label htmlFor={id('sslmode')}>TLS mode</label>
        <select id={id('sslmode')} value={value.sslmode} onChange={(e) => set('sslmode', e.target.value as SslMode)}>
          {SSL.map((m) => (
            <option key={m} value={m}>{m}</option>
          ))}
        </select>
      </div>
      <div className="row">
        <button type="submit" disabled={testing || !value.host || !value.database} data-testid={`test-${side}`}>
          {testing ? 'Testing…' : 'Test Connectivity'}
        </button>
        {result && (
          <span className={result.passed ? 'ok' : 'error'} role="status" data-testid={`result-${side}`}>
            {result.passed ? `Passed — PostgreSQL ${result.serverVersion}, TLS ${result.tls ? 'on' : 'off'}` : `Failed at ${result.failedStep}: ${result.message}`}
          </span>
        )}
      </div>
      {result && !result.passed && result.fix && <p className="hint">Fix: {result.fix}</p>}
    </fieldset>
    </form>
  );
}

function Steps({ step }: { step: number }) {
  const names = ['Source and destination', 'Types and objects', 'Precheck', 'Confirm and start'];
  return (
    <ol className="steps">
      {names.map((n, i) => (
        <li key={n} className={i + 1 === step ? 'current' : i + 1 < step ? 'done' : ''} aria-current={i + 1 === step ? 'step' : undefined}>
          {i + 1}. {n}
        </li>
      ))}
    </ol>
  );
}

/** The picker's state for a task's selection, when the picker can show it: exact names, no patterns. */
function pickedFrom(spec: TaskView['spec']): { picked: Picked[]; schemaRenames: Record<string, string> } | null {
  const o = spec.objects ?? {};
  const m = spec.mapping ?? {};
  const exact = (x: string) => !/[*?[\]]/.test(x);
  const other = Object.entries(o).filter(([k, v]) => !['includeTables', 'excludeColumns', 'partitionsAsTables'].includes(k) && (Array.isArray(v) ? v.length : v));
  const names = o.includeTables ?? [];
  // renames of tables or columns live on picked rows: with the whole database they cannot be shown
  const renamesOnWhole = !names.length && Boolean(m.tables?.length || m.columns?.length || o.excludeColumns?.length);
  if (renamesOnWhole || other.length || !names.every(exact) || names.some((n) => n.split('.').length !== 2) || !(o.excludeColumns ?? []).every(exact)) return null;
  const picked = names.map((n): Picked => {
    const [schema, table] = n.split('.');
    return {
      schema, table,
      rename: m.tables?.find((t) => t.schema === schema && t.from === table)?.to ?? '',
      excluded: (o.excludeColumns ?? []).filter((c) => c.startsWith(`${n}.`)).map((c) => c.slice(n.length + 1)),
      columnRenames: Object.fromEntries((m.columns ?? []).filter((c) => c.schema === schema && c.table === table).map((c) => [c.from, c.to])),
    };
  });
  return { picked, schemaRenames: Object.fromEntries((m.schemas ?? []).map((x) => [x.from, x.to])) };
}

/** `from`: a task whose settings fill the wizard in (its passwords stay on the server: typed again). */
export function Wizard({ from }: { from?: string } = {}) {
  const [step, setStep] = useState(1);
  const [name, setName] = useState('');
  const [conn, setConn] = useState<Record<Side, ConnFields>>({ source: { ...EMPTY }, target: { ...EMPTY } });
  const [tests, setTests] = useState<Record<Side, SideResult | null>>({ source: null, target: null });
  const [testing, setTesting] = useState<Record<Side, boolean>>({ source: false, target: false });
  const [error, setError] = useState<string | null>(null);
  const [migration, setMigration] = useState<'schema' | 'full' | 'incremental'>('full');
  const [identityFull, setIdentityFull] = useState(false);
  const [publication, setPublication] = useState('');
  const [lanes, setLanes] = useState(1);
  const [wholeDb, setWholeDb] = useState(true);
  const [tree, setTree] = useState<ObjectTree | null>(null);
  const [treeError, setTreeError] = useState<string | null>(null);
  // what exists on the target already, by schema.name: a rename onto one is flagged as it is typed
  const [onTarget, setOnTarget] = useState<ReadonlySet<string>>(new Set());
  const [picked, setPicked] = useState<Picked[]>([]);
  const [schemaRenames, setSchemaRenames] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<PlanPreview | null>(null);
  const [task, setTask] = useState<TaskView | null>(null);
  const [taskSpecKey, setTaskSpecKey] = useState('');
  const [precheck, setPrecheck] = useState<PrecheckReport | null>(null);
  // warnings are acknowledged before Next, again after each run of the precheck
  const [warningsRead, setWarningsRead] = useState(false);
  const warnings = precheck?.items.filter((i) => i.status === 'warn').length ?? 0;
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  // text as typed (checked below); empty until the task exists, then the server's default (its cores)
  const [jobs, setJobs] = useState('');
  const [partitionsAsTables, setPartitionsAsTables] = useState(false);
  const [maxRate, setMaxRate] = useState('');

  // a copy of another task, edited: everything but the passwords, which never leave the server
  const [fromName, setFromName] = useState<string | null>(null);
  const [fromNote, setFromNote] = useState<string | null>(null);
  useEffect(() => {
    if (!from) return;
    api<TaskView>('GET', `/api/tasks/${encodeURIComponent(from)}`).then((t) => {
      const side = (c: TaskView['spec']['source']): ConnFields => ({ host: c.host, port: c.port, database: c.database, user: c.user, password: '', sslmode: c.sslmode as SslMode });
      setFromName(t.name);
      setName(`${t.name} (copy)`);
      setConn({ source: side(t.spec.source), target: side(t.spec.target) });
      setMigration(t.spec.incremental ? 'incremental' : t.spec.migration);
      setIdentityFull(Boolean(t.spec.options?.setReplicaIdentityFull));
      setPublication(t.spec.options?.publication ?? '');
      setLanes(t.spec.options?.streamLanes ?? 1);
      setMaxRate(t.maxRateMBps === null ? '' : String(t.maxRateMBps));
      setJobs(String(t.jobs));
      const sel = pickedFrom(t.spec);
      if (!sel) setFromNote(`${t.name} chose its objects or renames in a way the picker cannot show (patterns, or renames with the whole database); choose them again here (or copy the task as it is with Duplicate on its page).`);
      else if (sel.picked.length) {
        setWholeDb(false);
        setPicked(sel.picked);
        setSchemaRenames(sel.schemaRenames);
        setPartitionsAsTables(Boolean(t.spec.objects?.partitionsAsTables));
      } else setSchemaRenames(sel.schemaRenames);
    }, (e) => setError(describe(e)));
  }, [from]);

  const test = async (side: Side) => {
    setTesting((t) => ({ ...t, [side]: true }));
    try {
      const r = await api<ConnectivityReport>('POST', '/api/connections/test', { [side]: connSpec(conn[side]) });
      setTests((t) => ({ ...t, [side]: r.sides[0] }));
    } catch (e) {
      setTests((t) => ({ ...t, [side]: { side, endpoint: '', passed: false, milliseconds: 0, failedStep: 'request', message: describe(e) } }));
    } finally {
      setTesting((t) => ({ ...t, [side]: false }));
    }
  };

  const spec = useMemo((): TaskSpecInput => {
    const objects: NonNullable<TaskSpecInput['objects']> = {};
    const mapping: Required<NonNullable<TaskSpecInput['mapping']>> = { schemas: [], tables: [], columns: [] };
    if (!wholeDb && picked.length) {
      objects.includeTables = picked.map((p) => `${p.schema}.${p.table}`);
      const excluded = picked.flatMap((p) => p.excluded.map((c) => `${p.schema}.${p.table}.${c}`));
      if (excluded.length) objects.excludeColumns = excluded;
      if (partitionsAsTables) objects.partitionsAsTables = true;
    }
    for (const [from, to] of Object.entries(schemaRenames)) if (to && to !== from) mapping.schemas.push({ from, to });
    for (const p of picked) {
      if (p.rename && p.rename !== p.table) mapping.tables.push({ schema: p.schema, from: p.table, to: p.rename });
      for (const [from, to] of Object.entries(p.columnRenames)) if (to && to !== from) mapping.columns.push({ schema: p.schema, table: p.table, from, to });
    }
    // incremental is a full migration that keeps streaming after its copy, with its two options
    const incremental = migration === 'incremental';
    const options = incremental
      ? { ...(identityFull ? { setReplicaIdentityFull: true } : {}), ...(publication.trim() ? { publication: publication.trim() } : {}), ...(lanes > 1 ? { streamLanes: lanes } : {}) }
      : {};
    return {
      ...(name ? { name } : {}), source: connSpec(conn.source), target: connSpec(conn.target), migration: migration === 'incremental' ? 'full' : migration,
      ...(incremental ? { incremental: true } : {}), objects, mapping, ...(Object.keys(options).length ? { options } : {}),
    };
  }, [name, conn, migration, identityFull, publication, lanes, wholeDb, picked, schemaRenames, partitionsAsTables]);
  const specKey = JSON.stringify(spec);

  // step 2: the source's objects, and what the choice does to dependents
  useEffect(() => {
    if (step !== 2 || tree) return;
    api<ObjectTree>('POST', '/api/catalog/objects', { source: connSpec(conn.source) }).then(setTree, (e) => setTreeError(describe(e)));
    // the target's names only sharpen a warning the precheck gives anyway: a failure here stays quiet
    api<ObjectTree>('POST', '/api/catalog/objects', { target: connSpec(conn.target) })
      .then((t) => setOnTarget(new Set(t.schemas.flatMap((s) => s.tables.map((x) => `${s.name}.${x.name}`)))), () => {});
  }, [step, tree, conn.source, conn.target]);
  useEffect(() => {
    if (step !== 2) return;
    const t = setTimeout(() => {
      api<PlanPreview>('POST', '/api/plan/preview', spec).then(setPreview, (e) => setPreview({ skipped: [], notes: [describe(e)] }));
    }, 400);
    return () => clearTimeout(t);
  }, [step, specKey]);

  const runPrecheck = async () => {
    setBusy(true);
    setError(null);
    setPrecheck(null);
    setWarningsRead(false);
    try {
      let t = task;
      if (!t || taskSpecKey !== specKey) {
        if (t) await api('DELETE', `/api/tasks/${t.id}`).catch(() => {});
        t = await api<TaskView>('POST', '/api/tasks', spec);
        setTask(t);
        setTaskSpecKey(specKey);
      }
      setPrecheck(await api<PrecheckReport>('POST', `/api/tasks/${t.id}/precheck`));
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (step === 3 && (!precheck || taskSpecKey !== specKey)) void runPrecheck();
  }, [step]);
  const precheckItem = (i: PrecheckReport['items'][number]) => (
    <li key={i.id} className={`item ${i.status}`} data-item={i.id}>
      <button className="item-head" aria-expanded={Boolean(open[`pc-${i.id}`])} onClick={() => setOpen((o) => ({ ...o, [`pc-${i.id}`]: !o[`pc-${i.id}`] }))}>
        <span className={`icon ${i.status}`} aria-label={i.status}>{i.status === 'pass' ? '✔' : i.status === 'warn' ? '!' : '✖'}</span> {i.title}
      </button>
      <span className="detail">{i.detail}</span>
      {(open[`pc-${i.id}`] || i.status !== 'pass') && (
        <div className="more">
          {i.objects && <ul className="objects">{(open[`all-${i.id}`] ? i.objects : i.objects.slice(0, 20)).map((o) => <li key={o}>{o}</li>)}</ul>}
          {(i.objects?.length ?? 0) > 20 && (
            <button className="link" aria-expanded={Boolean(open[`all-${i.id}`])} onClick={() => setOpen((x) => ({ ...x, [`all-${i.id}`]: !x[`all-${i.id}`] }))}>
              {open[`all-${i.id}`] ? 'Show the first 20' : `Show all ${i.objects!.length.toLocaleString()} (${(i.objects!.length - 20).toLocaleString()} more)`}
            </button>
          )}
          {i.fix && <p className="hint">Fix: {i.fix}</p>}
        </div>
      )}
    </li>
  );

  useEffect(() => {
    if (task && jobs === '') setJobs(String(task.jobs));
  }, [task?.id]);
  const jobsError = jobsProblem(jobs);
  const rateError = rateProblem(maxRate);

  const start = async () => {
    if (!task) return;
    setBusy(true);
    setError(null);
    try {
      await api('PATCH', `/api/tasks/${task.id}/throughput`, { jobs: Number(jobs), maxRateMBps: maxRate.trim() ? Number(maxRate) : null });
      await api('POST', `/api/tasks/${task.id}/start`);
      window.location.hash = `#/tasks/${task.id}`;
    } catch (e) {
      setError(describe(e));
      setBusy(false);
    }
  };

  const all = useMemo(() => (tree ? entries(tree) : []), [tree]);
  // what the confirm step says will move (estimates from the source's statistics)
  const summary = useMemo(() => {
    const chosen = wholeDb ? all : all.filter((e) => picked.some((p) => p.schema === e.schema && p.table === e.table.name));
    const tables = chosen.filter((e) => e.table.kind === 'table');
    return {
      tables: tables.length,
      rows: Math.round(tables.reduce((n, e) => n + (e.table.partitions?.length ? 0 : e.table.rows), 0)),
      bytes: tables.reduce((n, e) => n + (e.table.partitions?.length ? 0 : e.table.bytes), 0),
      views: chosen.length - tables.length,
      renames: picked.filter((p) => p.rename && p.rename !== p.table).length + Object.entries(schemaRenames).filter(([from, to]) => to && to !== from).length,
    };
  }, [wholeDb, all, picked, schemaRenames]);
  const entryOf = (schema: string, table: string) => all.find((e) => e.schema === schema && e.table.name === table);
  // a partition picked without a table above it is refused, or created as a plain table
  const lone = picked.filter((p) => {
    const e = entryOf(p.schema, p.table);
    return e && e.tree.length && !e.tree.some((t) => picked.some((x) => `${x.schema}.${x.table}` === t));
  });
  useEffect(() => {
    if (!lone.length) setPartitionsAsTables(false);
  }, [lone.length]);
  // two selected relations that would have one name on the destination, or one already there, flagged as the renames are typed
  const clashes = useMemo(() => destinationClashes(picked, schemaRenames, onTarget), [picked, schemaRenames, onTarget]);

  const canNext1 = tests.source?.passed && tests.target?.passed;
  // after Next or Back the focus goes to the step that opened, not to the page's body
  const moved = useRef(false);
  useEffect(() => {
    if (!moved.current) {
      moved.current = true;
      return;
    }
    document.querySelector<HTMLElement>('main section[data-step]')?.focus();
  }, [step]);
  return (
    <main className="page">
      <h1>Create a migration task</h1>
      <Steps step={step} />
      {error && <p className="error" role="alert">{error}</p>}

      {step === 1 && (
        <section aria-label="source and destination" data-step tabIndex={-1}>
          {fromName && <p className="card small" data-testid="from-task">A copy of {fromName}, to change before it is created. Passwords never leave the server: type them again (empty for none).</p>}
          <label className="inline" htmlFor="task-name">Task name</label>{' '}
          <input id="task-name" placeholder="generated when empty" value={name} onChange={(e) => setName(e.target.value)} />
          <div className="two">
            {(['source', 'target'] as Side[]).map((side) => (
              <ConnectionForm key={side} side={side} value={conn[side]} testing={testing[side]} result={tests[side]}
                onChange={(c) => { setConn((x) => ({ ...x, [side]: c })); setTests((t) => ({ ...t, [side]: null })); }}
                onTest={() => void test(side)} />
            ))}
          </div>
          <div className="actions">
            <button className="primary" disabled={!canNext1} onClick={() => setStep(2)}>Next: types and objects</button>
            {!canNext1 && <span className="hint">Both sides must pass Test Connectivity.</span>}
          </div>
        </section>
      )}

      {step === 2 && (
        <section aria-label="types and objects" data-step tabIndex={-1}>
          {fromNote && <p className="card warn small">{fromNote}</p>}
          <fieldset className="card">
            <legend>Migration types</legend>
            <label className="inline"><input type="radio" name="type" checked={migration === 'schema'} onChange={() => setMigration('schema')} /> Schema migration</label>
            <label className="inline"><input type="radio" name="type" checked={migration === 'full'} onChange={() => setMigration('full')} /> Full data migration</label>
            <label className="inline"><input type="radio" name="type" checked={migration === 'incremental'} onChange={() => setMigration('incremental')} /> Incremental data migration</label>
            <p className="hint small">
              {migration === 'schema' ? 'Creates the schema on the destination; copies no rows.'
                : migration === 'full' ? 'Creates the schema and copies every row once; the task ends when the copy is done.'
                  : 'Copies every row, then keeps applying the source\'s changes (logical replication) until you cut over. The source needs wal_level = logical; tables need a primary key or a replica identity.'}
            </p>
            {migration === 'incremental' && (
              <div className="incremental-options" role="group" aria-label="incremental options">
                <label className="inline">
                  <input type="checkbox" checked={identityFull} onChange={(e) => setIdentityFull(e.target.checked)} />
                  Set REPLICA IDENTITY FULL on selected tables that have neither a primary key nor a replica identity index
                </label>
                <p className="hint small">Changes those tables on the source, so that their updates and deletes can be applied; the precheck lists them.</p>
                <label htmlFor="publication">Use an existing publication</label>{' '}
                <input id="publication" placeholder="pgferry creates its own when empty" value={publication} onChange={(e) => setPublication(e.target.value)} maxLength={63} />
                <p className="hint small">A publication the tables' owner created, covering every selected table; it stays after the cutover.</p>
                <label htmlFor="stream-lanes">Lanes</label>{' '}
                <input id="stream-lanes" type="number" min={1} max={8} value={lanes} onChange={(e) => setLanes(Math.min(8, Math.max(1, Math.round(Number(e.target.value)) || 1)))} />
                <p className="hint small">
                  Slots read at once, each with its share of the tables (tables a foreign key links share one): faster where the source has cores to spare
                  and the writes spread over several tables. Each takes a replication slot and a WAL sender; one lane with your own publication or a source before 12.
                </p>
              </div>
            )}
          </fieldset>
          <ObjectPicker tree={tree} treeError={treeError} wholeDb={wholeDb} setWholeDb={setWholeDb} picked={picked} setPicked={setPicked}
            schemaRenames={schemaRenames} setSchemaRenames={setSchemaRenames} clashes={clashes} lone={lone}
            partitionsAsTables={partitionsAsTables} setPartitionsAsTables={setPartitionsAsTables} entryOf={entryOf} />
          {preview && (preview.skipped.length > 0 || preview.notes.length > 0) && (
            // kept in sight at the window's foot on a wide screen while the picker above it scrolls
            <div className="card warn dependents" role="status" aria-label="dependent objects" tabIndex={0}>
              <h3>What this choice does to other objects</h3>
              <ul>
                {preview.skipped.map((s) => <li key={`${s.kind} ${s.name}`}>{s.kind} {s.name}: skipped — {s.reason}</li>)}
                {preview.notes.map((n) => <li key={n}>{n}</li>)}
              </ul>
            </div>
          )}
          <div className="actions">
            <button onClick={() => setStep(1)}>Back</button>
            <button className="primary" disabled={(!wholeDb && picked.length === 0) || clashes.size > 0} onClick={() => setStep(3)}>Next: precheck</button>
          </div>
        </section>
      )}

      {step === 3 && (
        <section aria-label="precheck" data-step tabIndex={-1}>
          <div className="row spread">
            <h2>Precheck</h2>
            <button onClick={() => void runPrecheck()} disabled={busy}>{busy ? 'Checking…' : 'Run again'}</button>
          </div>
          {busy && !precheck && <p className="muted">Checking source and destination…</p>}
          {precheck && (
            <>
              <p className={precheck.passed ? 'ok' : 'error'} role="status">
                {precheck.passed ? 'Precheck passed' : 'Precheck failed'}: {precheck.items.filter((i) => i.status === 'fail').length} failed, {precheck.items.filter((i) => i.status === 'warn').length} warnings
              </p>
              {/* what needs attention first: failures, then warnings; the passes folded below them */}
              {(['fail', 'warn'] as const).map((status) => {
                const items = precheck.items.filter((i) => i.status === status);
                return items.length > 0 && <ul key={status} className="precheck" aria-label={status === 'fail' ? 'failed checks' : 'warnings'}>{items.map(precheckItem)}</ul>;
              })}
              {precheck.items.some((i) => i.status === 'pass') && (
                <details className="passes">
                  <summary>{precheck.items.filter((i) => i.status === 'pass').length} checks passed</summary>
                  <ul className="precheck">{precheck.items.filter((i) => i.status === 'pass').map(precheckItem)}</ul>
                </details>
              )}
              {precheck.passed && warnings > 0 && (
                <label className="block ack">
                  <input type="checkbox" checked={warningsRead} onChange={(e) => setWarningsRead(e.target.checked)} />
                  I have read the {warnings === 1 ? 'warning' : `${warnings} warnings`} above and go on anyway
                </label>
              )}
            </>
          )}
          <div className="actions">
            <button onClick={() => setStep(2)}>Back</button>
            <button className="primary" disabled={!precheck?.passed || busy || (warnings > 0 && !warningsRead)} onClick={() => setStep(4)}>Next: confirm</button>
          </div>
        </section>
      )}

      {step === 4 && task && (
        <section aria-label="confirm" data-step tabIndex={-1}>
          <div className="card">
            <h2>{task.name}</h2>
            <p>{conn.source.host}:{conn.source.port}/{conn.source.database} → {conn.target.host}:{conn.target.port}/{conn.target.database}, {migration === 'schema' ? 'schema only' : migration === 'full' ? 'schema and data' : 'schema and data, then incremental'}</p>
            {migration === 'incremental' && (
              <p className="card warn small" data-testid="incremental-summary">
                After the copy, the task does not end: it keeps the target in step with the source, applying its changes, until you cut over
                on the task page. Until then a replication slot on the source keeps the WAL not yet applied
                {publication.trim() ? `; publication ${publication.trim()} is used` : '; pgferry creates its own publication'}
                {identityFull ? '; tables without a key get REPLICA IDENTITY FULL' : ''}
                {lanes > 1 ? `; the changes come through ${lanes} slots at once` : ''}.
              </p>
            )}
            <ul className="summary" aria-label="what will move" data-testid="confirm-summary">
              <li>{!tree ? 'the source\'s tables could not be listed' : `${summary.tables.toLocaleString()} ${summary.tables === 1 ? 'table' : 'tables'}${migration === 'schema' ? '' : `${summary.rows ? `, about ${summary.rows.toLocaleString()} rows` : ' (rows not estimated: the source has no statistics for them yet)'}, ${formatBytes(summary.bytes)} on the source`}${summary.views ? `; ${summary.views.toLocaleString()} views and other relations` : ''}`}</li>
              <li>{summary.renames ? `${summary.renames} renamed (tables and schemas)` : 'no renames'}</li>
              <li>{preview?.skipped.length ? `${preview.skipped.length} object(s) skipped (listed on the previous steps)` : 'nothing skipped'}</li>
              <li>{warnings ? `${warnings} precheck warning(s), acknowledged` : 'no precheck warnings'}</li>
            </ul>
            <div className="grid2">
              <label htmlFor="jobs">Jobs</label>
              <span>
                <input id="jobs" type="number" min={1} max={64} value={jobs} onChange={(e) => setJobs(e.target.value)} aria-invalid={Boolean(jobsError)} aria-describedby="jobs-note" />
                <span id="jobs-note" className={jobsError ? 'error small' : 'hint small'}> {jobsError ?? `the server's default is ${task.jobs}`}</span>
              </span>
              <label htmlFor="max-rate">Max rate (MB/s)</label>
              <span>
                <input id="max-rate" type="number" min={0} step="any" placeholder="unlimited" value={maxRate} onChange={(e) => setMaxRate(e.target.value)} aria-invalid={Boolean(rateError)} aria-describedby="max-rate-note" />
                {rateError && <span id="max-rate-note" className="error small"> {rateError}</span>}
              </span>
            </div>
            <p className="hint">The migration writes into the destination database. Both can be changed while it runs.</p>
          </div>
          <div className="actions">
            <button onClick={() => setStep(3)}>Back</button>
            <button className="primary" onClick={() => void start()} disabled={busy || Boolean(jobsError || rateError)}>Start migration</button>
          </div>
        </section>
      )}
    </main>
  );
}
