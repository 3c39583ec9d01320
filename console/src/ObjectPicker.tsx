/**
 * The wizard's object picker: the source's schemas, tables and partitions as a tree (Available),
 * what was chosen with its renames and column choices (Selected), and the arrows between them.
 * Both lists are one Tab stop each, whatever their length: the arrow keys move inside them (the
 * WAI-ARIA tree pattern on the left; on the right a list whose current row alone has its controls
 * in the Tab order), so a keyboard reaches Next past 300 tables in a dozen Tab presses.
 */
import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ObjectTree, ObjectTreeTable } from './api';

export interface Picked {
  schema: string;
  table: string;
  rename: string;
  excluded: string[];
  columnRenames: Record<string, string>;
}

/** A table of the tree or a partition; `tree` names the partitioned tables above it, outermost first. */
export interface Entry {
  schema: string;
  table: ObjectTreeTable;
  tree: string[];
}

/** Every table and, under it at any depth, its partitions (which may live in other schemas). */
export function entries(tree: ObjectTree): Entry[] {
  const under = (t: ObjectTreeTable, tree: string[]): Entry[] =>
    (t.partitions ?? []).flatMap((p) => [{ schema: p.schema, table: p, tree }, ...under(p, [...tree, `${p.schema}.${p.name}`])]);
  return tree.schemas.flatMap((s) => s.tables.flatMap((t) => [{ schema: s.name, table: t, tree: [] }, ...under(t, [`${s.name}.${t.name}`])]));
}

/** The relation's name on the destination: its rename, under its schema's rename. */
export function destinationName(p: Picked, schemaRenames: Record<string, string>): string {
  return `${schemaRenames[p.schema]?.trim() || p.schema}.${p.rename.trim() || p.table}`;
}

/**
 * Why a selected relation cannot have the name it would get on the destination, keyed by
 * `schema.table`: two selected relations would share it, or a relation already there has it.
 */
export function destinationClashes(picked: Picked[], schemaRenames: Record<string, string>, onTarget: ReadonlySet<string>): Map<string, string> {
  const byTarget = new Map<string, string[]>();
  for (const p of picked) {
    const t = destinationName(p, schemaRenames);
    byTarget.set(t, [...(byTarget.get(t) ?? []), `${p.schema}.${p.table}`]);
  }
  const out = new Map<string, string>();
  for (const [t, from] of byTarget) {
    if (from.length > 1) for (const f of from) out.set(f, `${t} on the destination is also the name of ${from.filter((x) => x !== f).join(', ')}`);
    else if (onTarget.has(t)) out.set(from[0], `${t} already exists on the destination: rename it, or drop that one first`);
  }
  return out;
}

/** The tree item after a key press, found among the items shown (a closed branch's are not rendered). */
function treeTarget(e: KeyboardEvent<HTMLElement>, toggle: (key: string) => void): HTMLElement | null | undefined {
  const items = [...e.currentTarget.querySelectorAll<HTMLElement>('[role="treeitem"]')];
  const at = items.indexOf(e.target as HTMLElement);
  if (at < 0) return undefined;
  const item = items[at];
  const parent = () => item.closest('ul[role="group"]')?.closest('li')?.querySelector<HTMLElement>(':scope > [role="treeitem"]');
  switch (e.key) {
    case 'ArrowDown': return items[at + 1] ?? null;
    case 'ArrowUp': return items[at - 1] ?? null;
    case 'Home': return items[0];
    case 'End': return items[items.length - 1];
    case 'ArrowRight':
      if (item.getAttribute('aria-expanded') === 'false') { toggle(item.dataset.key!); return null; }
      return item.getAttribute('aria-expanded') === 'true' ? items[at + 1] : null;
    case 'ArrowLeft':
      if (item.getAttribute('aria-expanded') === 'true') { toggle(item.dataset.key!); return null; }
      return parent() ?? null;
    default: return undefined;
  }
}

/** Whether the search finds this relation or a partition under it. */
function found(t: ObjectTreeTable, q: string): boolean {
  return t.name.toLowerCase().includes(q) || (t.partitions ?? []).some((p) => found(p, q));
}

/** Open: by a click or →, or because the search found something under it. */
function isOpen(t: ObjectTreeTable, key: string, q: string, expanded: Record<string, boolean>): boolean {
  return Boolean(expanded[key]) || (q !== '' && (t.partitions ?? []).some((p) => found(p, q)));
}

/** A partition in the tree: its name, bound and rows, and the partitions under it, shown when searched or opened. */
function PartitionList({ parent, open, level, q, expanded, tabKey, highlight, onPick, onAdd, onToggle }: {
  parent: ObjectTreeTable; open: boolean; level: number; q: string; expanded: Record<string, boolean>; tabKey: string | null; highlight: string | null;
  onPick: (key: string) => void; onAdd: (key: string) => void; onToggle: (key: string) => void;
}) {
  const shown = (parent.partitions ?? []).filter((p) => open || (q && found(p, q)));
  if (!shown.length) return null;
  return (
    <ul role="group" className="partitions">
      {shown.map((p) => {
        const key = JSON.stringify([p.schema, p.name]);
        const parts = p.partitions?.length ?? 0;
        const pOpen = isOpen(p, key, q, expanded);
        return (
          <li key={key} role="none">
            {parts > 0 && <Twisty open={pOpen} onClick={() => onToggle(key)} />}
            <button role="treeitem" data-key={key} aria-level={level} aria-expanded={parts ? pOpen : undefined} tabIndex={tabKey === key ? 0 : -1}
              className={`node ${highlight === key ? 'hl' : ''}`} onClick={() => onPick(key)} onDoubleClick={() => onAdd(key)}>
              {p.schema}.{p.name} <span className="muted small">partition of {parent.name}, {p.bound}, {p.rows} rows</span>
            </button>
            <PartitionList parent={p} open={Boolean(expanded[key])} level={level + 1} q={q} expanded={expanded} tabKey={tabKey} highlight={highlight} onPick={onPick} onAdd={onAdd} onToggle={onToggle} />
          </li>
        );
      })}
    </ul>
  );
}

/** The mouse's way to open a branch; the keyboard's is → and ← on the item, so this is no Tab stop. */
function Twisty({ open, onClick }: { open: boolean; onClick: () => void }) {
  return <button className="twisty" tabIndex={-1} aria-hidden="true" onClick={onClick}>{open ? '▾' : '▸'}</button>;
}

export function ObjectPicker({ tree, treeError, wholeDb, setWholeDb, picked, setPicked, schemaRenames, setSchemaRenames, clashes, lone, partitionsAsTables, setPartitionsAsTables, entryOf }: {
  tree: ObjectTree | null; treeError: string | null; wholeDb: boolean; setWholeDb: (v: boolean) => void;
  picked: Picked[]; setPicked: (f: (p: Picked[]) => Picked[]) => void;
  schemaRenames: Record<string, string>; setSchemaRenames: (f: (r: Record<string, string>) => Record<string, string>) => void;
  clashes: Map<string, string>; lone: Picked[]; partitionsAsTables: boolean; setPartitionsAsTables: (v: boolean) => void;
  entryOf: (schema: string, table: string) => Entry | undefined;
}) {
  const [search, setSearch] = useState('');
  const [pickedSearch, setPickedSearch] = useState('');
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});
  const [highlight, setHighlight] = useState<string | null>(null);
  const [pickedFocus, setPickedFocus] = useState<string | null>(null);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  // the tree item that takes the Tab stop: the last one focused, or the first one shown
  const [treeKey, setTreeKey] = useState<string | null>(null);
  const treeRef = useRef<HTMLUListElement>(null);
  const toggle = (key: string) => setExpanded((x) => ({ ...x, [key]: !x[key] }));

  const q = search.trim().toLowerCase();
  const pickedKeys = new Set(picked.map((p) => JSON.stringify([p.schema, p.table])));
  const isPicked = (schema: string, table: string) => pickedKeys.has(JSON.stringify([schema, table]));
  const pickedIn = (schema: string) => picked.filter((p) => p.schema === schema).length;
  const ps = pickedSearch.trim().toLowerCase();
  const shownPicked = ps ? picked.filter((p) => `${p.schema}.${p.table}`.toLowerCase().includes(ps) || p.rename.toLowerCase().includes(ps)) : picked;
  // the Selected row whose controls are in the Tab order
  const current = shownPicked.find((p) => `${p.schema}.${p.table}` === pickedFocus) ?? shownPicked[0];
  const currentKey = current ? `${current.schema}.${current.table}` : null;

  // a search or a closed branch can hide the item that had the Tab stop: the first one shown takes it
  useLayoutEffect(() => {
    const t = treeRef.current;
    if (!t || t.querySelector('[role="treeitem"][tabindex="0"]')) return;
    const first = t.querySelector<HTMLElement>('[role="treeitem"]');
    if (first) setTreeKey(first.dataset.key!);
  });

  const add = (node: string | null = highlight) => {
    if (!node || !tree) return;
    const [schema, table] = JSON.parse(node) as [string, string | null];
    const s = tree.schemas.find((x) => x.name === schema);
    // a schema adds its tables; their partitions come with them
    const tables = table ? [entryOf(schema, table)?.table].filter((t): t is ObjectTreeTable => t !== undefined) : (s?.tables ?? []).filter((t) => t.kind !== 'sequence');
    setWholeDb(false);
    setPicked((p) => [...p, ...tables.filter((t) => !p.some((x) => x.schema === schema && x.table === t.name)).map((t) => ({ schema, table: t.name, rename: '', excluded: [], columnRenames: {} }))]);
  };
  const remove = (key: string | null = pickedFocus) => {
    if (!key) return;
    const at = shownPicked.findIndex((x) => `${x.schema}.${x.table}` === key);
    setPicked((p) => p.filter((x) => `${x.schema}.${x.table}` !== key));
    // the focus stays in the list, on the row that took the removed one's place
    const next = shownPicked[at + 1] ?? shownPicked[at - 1];
    setPickedFocus(next ? `${next.schema}.${next.table}` : null);
  };
  const update = (key: string, f: (p: Picked) => Picked) => setPicked((list) => list.map((p) => (`${p.schema}.${p.table}` === key ? f(p) : p)));

  // ↑ ↓ Home End move, → opens or goes in, ← closes or goes up; selection follows the focus; Enter adds
  const onTreeKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const key = (e.target as HTMLElement).dataset.key;
    if (!key) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      add(key);
      return;
    }
    const next = treeTarget(e, toggle);
    if (next === undefined) return;
    e.preventDefault();
    if (!next) return;
    next.focus();
    setTreeKey(next.dataset.key!);
    setHighlight(next.dataset.key!);
  };
  // ↑ ↓ Home End move between selected relations; Delete removes the current one
  const onPickedKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const el = e.target as HTMLElement;
    const key = el.dataset.pick;
    if (!key) return;
    const list = e.currentTarget;
    const rows = [...list.querySelectorAll<HTMLElement>('button[data-pick]')];
    const at = rows.indexOf(el);
    const to = { ArrowDown: rows[at + 1], ArrowUp: rows[at - 1], Home: rows[0], End: rows[rows.length - 1] }[e.key];
    if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      remove(key);
      requestAnimationFrame(() => list.querySelector<HTMLElement>('button[data-pick][tabindex="0"]')?.focus());
    } else if (to) {
      e.preventDefault();
      to.focus();
      setPickedFocus(to.dataset.pick!);
    }
  };

  return (
    <fieldset className="card">
      <legend>Objects</legend>
      <label className="inline"><input type="radio" name="scope" checked={wholeDb} onChange={() => setWholeDb(true)} /> Whole database</label>
      <label className="inline"><input type="radio" name="scope" checked={!wholeDb} onChange={() => setWholeDb(false)} /> Choose schemas, tables and columns</label>
      <div className="picker">
        <div className="pane">
          <h3>Available</h3>
          <input type="search" placeholder="Search tables" aria-label="search tables" value={search} onChange={(e) => setSearch(e.target.value)} />
          <p className="hint small" id="tree-keys">↑ ↓ move, → ← open and close, Enter adds to Selected</p>
          {treeError && <p className="error">{treeError}</p>}
          {!tree && !treeError && <p className="muted">Loading objects…</p>}
          <ul className="tree" role="tree" aria-label="available objects" aria-describedby="tree-keys" ref={treeRef} onKeyDown={onTreeKey}>
            {tree?.schemas.map((s) => {
              const tables = s.tables.filter((t) => !q || found(t, q) || s.name.toLowerCase().includes(q));
              if (q && !tables.length) return null;
              const key = JSON.stringify([s.name, null]);
              const sOpen = Boolean(expanded[key] || q);
              const n = pickedIn(s.name);
              return (
                <li key={s.name} role="none">
                  <Twisty open={sOpen} onClick={() => toggle(key)} />
                  <button role="treeitem" data-key={key} aria-level={1} aria-expanded={sOpen} aria-selected={n > 0 && n === s.tables.filter((t) => t.kind !== 'sequence').length}
                    tabIndex={treeKey === key ? 0 : -1} className={`node ${highlight === key ? 'hl' : ''}`} onClick={() => { setHighlight(key); setTreeKey(key); }} onDoubleClick={() => add(key)}>
                    {s.name}<span className="muted small"> {s.tables.length.toLocaleString()} {s.tables.length === 1 ? 'relation' : 'relations'}{n ? `, ${n.toLocaleString()} selected` : ''}</span>
                  </button>
                  {sOpen && (
                    <ul role="group">
                      {tables.map((t) => {
                        const tk = JSON.stringify([s.name, t.name]);
                        const parts = t.partitions?.length ?? 0;
                        const tOpen = isOpen(t, tk, q, expanded);
                        return (
                          <li key={t.name} role="none">
                            {parts > 0 && <Twisty open={tOpen} onClick={() => toggle(tk)} />}
                            <button role="treeitem" data-key={tk} aria-level={2} aria-expanded={parts ? tOpen : undefined} aria-selected={isPicked(s.name, t.name)}
                              tabIndex={treeKey === tk ? 0 : -1} className={`node ${highlight === tk ? 'hl' : ''}`} onClick={() => { setHighlight(tk); setTreeKey(tk); }} onDoubleClick={() => add(tk)}>
                              {isPicked(s.name, t.name) && <span className="picked-mark" aria-hidden="true">✓ </span>}{t.name} <span className="muted small">{parts ? `partitioned table, ${parts} partitions, ` : `${t.kind}${t.kind === 'table' ? ', ' : ''}`}{t.kind === 'table' ? `${t.rows} rows${t.hasKey ? '' : ', no key'}` : ''}</span>
                            </button>
                            {parts > 0 && <PartitionList parent={t} open={Boolean(expanded[tk])} level={3} q={q} expanded={expanded} tabKey={treeKey} highlight={highlight} onPick={(k) => { setHighlight(k); setTreeKey(k); }} onAdd={add} onToggle={toggle} />}
                          </li>
                        );
                      })}
                    </ul>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
        <div className="arrows">
          <button onClick={() => add()} disabled={!highlight} aria-label="add to selected">→</button>
          <button onClick={() => remove()} disabled={!pickedFocus} aria-label="remove from selected">←</button>
        </div>
        <div className="pane">
          <h3>Selected {wholeDb ? '(whole database)' : `(${picked.length})`}</h3>
          {!wholeDb && picked.length === 0 && <p className="muted">Pick a schema or table on the left and press →.</p>}
          {picked.length > 0 && <input type="search" placeholder="Search selected" aria-label="search selected" value={pickedSearch} onChange={(e) => setPickedSearch(e.target.value)} />}
          {picked.length > 1 && <p className="hint small">↑ ↓ move between the selected, Delete removes one</p>}
          <ul className="selected" aria-label="selected relations" onKeyDown={onPickedKey}>
            {[...new Set(shownPicked.map((p) => p.schema))].map((schema) => {
              const tab = current?.schema === schema ? 0 : -1;
              return (
                <li key={schema}>
                  <div className="row">
                    <strong>{schema}</strong>
                    <button className="link" tabIndex={tab} onClick={() => { setPicked((list) => list.filter((x) => x.schema !== schema)); setPickedFocus(null); }}>remove schema {schema}</button>
                    <input className="rename" tabIndex={tab} aria-label={`rename schema ${schema}`} placeholder="rename schema" value={schemaRenames[schema] ?? ''} onChange={(e) => setSchemaRenames((r) => ({ ...r, [schema]: e.target.value }))} />
                  </div>
                  <ul>
                    {shownPicked.filter((p) => p.schema === schema).map((p) => (
                      <PickedRow key={`${p.schema}.${p.table}`} p={p} current={currentKey === `${p.schema}.${p.table}`} focused={pickedFocus === `${p.schema}.${p.table}`}
                        entry={entryOf(p.schema, p.table)} clash={clashes.get(`${p.schema}.${p.table}`)} lone={lone.includes(p)} partitionsAsTables={partitionsAsTables}
                        open={Boolean(open[`${p.schema}.${p.table}`])} onOpen={() => setOpen((o) => ({ ...o, [`${p.schema}.${p.table}`]: !o[`${p.schema}.${p.table}`] }))}
                        onFocus={() => setPickedFocus(`${p.schema}.${p.table}`)} update={(f) => update(`${p.schema}.${p.table}`, f)} />
                    ))}
                  </ul>
                </li>
              );
            })}
          </ul>
          {lone.length > 0 && (
            <label className="inline">
              <input type="checkbox" checked={partitionsAsTables} onChange={(e) => setPartitionsAsTables(e.target.checked)} />
              Create partitions selected without their table as plain tables
            </label>
          )}
        </div>
      </div>
    </fieldset>
  );
}

/** One selected relation: its rename, its columns (chosen and renamed) and what the choice means for it. */
function PickedRow({ p, current, focused, entry, clash, lone, partitionsAsTables, open, onOpen, onFocus, update }: {
  p: Picked; current: boolean; focused: boolean; entry: Entry | undefined; clash: string | undefined; lone: boolean; partitionsAsTables: boolean;
  open: boolean; onOpen: () => void; onFocus: () => void; update: (f: (p: Picked) => Picked) => void;
}) {
  const key = `${p.schema}.${p.table}`;
  const kind = entry?.table.kind ?? 'table';
  const tab = current ? 0 : -1;
  return (
    <li className={focused ? 'hl' : ''}>
      <div className="row">
        <button className="node" data-pick={key} tabIndex={tab} onClick={onFocus} onFocus={onFocus} aria-pressed={focused}>{p.table}</button>
        <input className="rename" tabIndex={tab} aria-label={`rename ${kind} ${key}`} placeholder={`rename ${kind}`} value={p.rename} onChange={(e) => update((x) => ({ ...x, rename: e.target.value }))} />
        <button className="link" tabIndex={tab} onClick={onOpen} aria-expanded={open} aria-label={`columns of ${key}`}>columns</button>
      </div>
      {clash && <p className="error small" role="alert" data-testid={`clash-${key}`}>{clash}</p>}
      {entry?.table.partitions?.length ? <p className="muted small">with its {entry.table.partitions.length} partitions, every level</p> : null}
      {entry?.tree.length ? (
        <p className={`small ${lone && !partitionsAsTables ? 'error' : 'muted'}`} data-testid={`partition-note-${key}`}>
          {lone
            ? `partition of ${entry.tree[0]}, selected alone: ${partitionsAsTables ? 'created as a plain table with its own rows' : 'refused unless created as a plain table (below), or select the partitioned table instead'}`
            : `partition of ${entry.tree[0]}: comes with it`}
        </p>
      ) : null}
      {open && (
        <ul className="columns">
          {(entry?.table.columns ?? []).map((c) => (
            <li key={c.name} className="row">
              <label className="inline">
                <input type="checkbox" checked={!p.excluded.includes(c.name)} onChange={(e) => update((x) => ({ ...x, excluded: e.target.checked ? x.excluded.filter((n) => n !== c.name) : [...x.excluded, c.name] }))} />
                {c.name} <span className="muted small">{c.type}</span>
              </label>
              <input className="rename" aria-label={`rename column ${key}.${c.name}`} placeholder="rename" value={p.columnRenames[c.name] ?? ''} onChange={(e) => update((x) => ({ ...x, columnRenames: { ...x.columnRenames, [c.name]: e.target.value } }))} />
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
