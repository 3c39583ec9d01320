/**
 * A writer for incremental migration tests: a source schema with every kind of table logical
 * decoding must carry (a key, TOASTed values, REPLICA IDENTITY FULL with duplicate rows,
 * identity and serial columns, a partitioned table, a table that is truncated) and a loop of
 * changes over it that runs until stopped, with one large transaction on request.
 */
import pg from 'pg';
import type { Major } from './servers.js';

/** `bulkRows` rows in the table the copy spends its time on. */
export const changeSchema = (bulkRows = 300_000) => `
  CREATE TABLE items (id int PRIMARY KEY, big text, n int);
  ALTER TABLE items ALTER big SET STORAGE EXTERNAL;
  CREATE TABLE bulk (id bigint PRIMARY KEY, pad text);
  CREATE TABLE keyless (a int, b text);
  ALTER TABLE keyless REPLICA IDENTITY FULL;
  CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
  CREATE TABLE ser (id serial PRIMARY KEY, v text);
  CREATE TABLE parted (k int NOT NULL, v text) PARTITION BY RANGE (k);
  CREATE TABLE parted_low PARTITION OF parted (PRIMARY KEY (k)) FOR VALUES FROM (0) TO (1000000);
  CREATE TABLE parted_high PARTITION OF parted (PRIMARY KEY (k)) FOR VALUES FROM (1000000) TO (100000000);
  CREATE TABLE trunc_me (id serial PRIMARY KEY, v text);
  INSERT INTO items SELECT i, repeat(md5(i::text), 200), i FROM generate_series(1, 2000) i;
  INSERT INTO bulk SELECT i, md5(i::text) FROM generate_series(1, ${bulkRows}) i;
  INSERT INTO keyless VALUES (1, 'dup'), (1, 'dup'), (2, 'two');
  INSERT INTO ident (v) VALUES ('a'), ('b');
  INSERT INTO ser (v) VALUES ('a'), ('b');
  INSERT INTO parted VALUES (5, 'low'), (1500000, 'high');
  INSERT INTO trunc_me (v) VALUES ('x');
  SELECT lo_from_bytea(0, convert_to('first ' || i, 'UTF8')) FROM generate_series(1, 5) i;`;

/** One step of the writer: a few statements picked by `i`, every kind of change in turn. */
export function workStep(i: number, major: Major): string {
  const id = 10_000 + i;
  switch (i % 9) {
    case 0: return `INSERT INTO items VALUES (${id}, repeat('toast${i}', 500), ${i})`;
    case 1: return `UPDATE items SET n = n + 1 WHERE id = ${(i % 2000) + 1}`; // TOASTed value left alone
    case 2: return `UPDATE items SET big = repeat('new${i}', 700) WHERE id = ${((i * 7) % 2000) + 1}`;
    case 3: return `UPDATE items SET id = ${id + 1_000_000} WHERE id = ${id - 3}`; // key change (the row of case 0, three steps earlier)
    case 4: return `DELETE FROM items WHERE id = ${((i * 13) % 2000) + 1}; SELECT lo_unlink(min(oid)) FROM pg_largeobject_metadata; SELECT lo_put(max(oid), 0, '\\x41') FROM pg_largeobject_metadata`;
    case 5: return `INSERT INTO keyless VALUES (1, 'dup'); DELETE FROM keyless WHERE ctid = (SELECT min(ctid) FROM keyless WHERE a = 1); UPDATE keyless SET b = 'c${i}' WHERE ctid = (SELECT max(ctid) FROM keyless WHERE a = 2)`;
    // large objects are not decoded: created, changed and unlinked here, copied again at cutover
    case 6: return `INSERT INTO ident (v) VALUES ('i${i}'); INSERT INTO ser (v) VALUES ('s${i}'); SELECT lo_from_bytea(0, convert_to('lo${i}', 'UTF8'))`;
    case 7: return `INSERT INTO parted VALUES (${i}, 'l${i}'), (${2_000_000 + i}, 'h${i}'); UPDATE parted SET v = 'u${i}' WHERE k = ${i - 9 > 0 ? i - 9 : 5}`;
    default:
      // a source 10 does not decode TRUNCATE (pgoutput sends it from 11)
      return i % 90 === 8 && major !== '10' ? "TRUNCATE trunc_me RESTART IDENTITY; INSERT INTO trunc_me (v) VALUES ('after')" : `INSERT INTO trunc_me (v) VALUES ('t${i}')`;
  }
}

/**
 * Writes until told to stop; `big()` asks for one transaction of `bigRows` rows (ids above
 * 1,000,000 in `bulk`); `stop()` resolves with the steps made.
 */
export function startWriter(uri: string, major: Major, bigRows = 100_000) {
  let stop = false;
  let bigWanted = false;
  const done = (async () => {
    const c = new pg.Client({ connectionString: uri });
    await c.connect();
    let i = 0;
    let big = false;
    try {
      while (!stop) {
        await c.query(workStep(i++, major));
        if (!big && bigWanted) {
          big = true;
          await c.query('INSERT INTO bulk SELECT i, md5(i::text) FROM generate_series(1000001, $1::int8) i', [1_000_000 + bigRows]);
        }
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await c.end();
    }
    return i;
  })();
  return { stop: () => { stop = true; return done; }, big: () => (bigWanted = true) };
}


async function onDatabase<T>(uri: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

/** pgferry's slots and publications still on `uri`'s database (none after a cutover or a release). */
export function leftStreamObjects(uri: string): Promise<string[]> {
  return onDatabase(uri, async (c) =>
    (await c.query<{ n: string }>("SELECT slot_name AS n FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'pgferry%' UNION ALL SELECT pubname FROM pg_publication WHERE pubname LIKE 'pgferry%'")).rows.map((r) => r.n));
}

/** After an incremental test, whatever its outcome: ends the walsenders still reading pgferry's slots on `uri`'s database, then drops the slots. */
export async function dropLeftSlots(uri: string): Promise<void> {
  await onDatabase(uri, async (c) => {
    await c.query("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'pgferry%' AND active");
    // a walsender that just lost its client takes a moment to let go of its slot
    await new Promise((r) => setTimeout(r, 300));
    await c.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND slot_name LIKE 'pgferry%' AND NOT active");
  }).catch(() => undefined);
}
