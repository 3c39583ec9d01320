/**
 * An independent data oracle (it shares no code with pgferry's verify): per table, the row count
 * and md5 of all rows' text, sorted, as in shared/corpus/README.md.
 */
import pg from 'pg';

/**
 * `floatDigits` is extra_float_digits: 3 prints floats exactly, but servers before 12 print them
 * another way, so comparisons with one use 0 (15 significant digits on every version).
 */
export async function tableDigests(uri: string, floatDigits = 3): Promise<Map<string, string>> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    await c.query(
      `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = ${Number(floatDigits)}; SET bytea_output = 'hex'; SET search_path = pg_catalog`,
    );
    const tables = await c.query<{ q: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE (c.relkind = 'r' OR (c.relkind = 'm' AND c.relispopulated)) AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_' ORDER BY 1`,
    );
    const out = new Map<string, string>();
    for (const { q } of tables.rows) {
      const r = await c.query<{ n: string; s: string }>(
        `SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY t::text COLLATE "C")) AS s FROM ONLY ${q} t`,
      );
      out.set(q, `${r.rows[0].n}:${r.rows[0].s}`);
    }
    return out;
  } finally {
    await c.end();
  }
}

/** Sequences' (last_value, is_called), read directly. */
export async function sequenceStates(uri: string): Promise<Map<string, string>> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    const seqs = await c.query<{ q: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'S' ORDER BY 1`,
    );
    const out = new Map<string, string>();
    for (const { q } of seqs.rows) {
      const r = await c.query<{ v: string; c: boolean }>(`SELECT last_value::text AS v, is_called AS c FROM ${q}`);
      out.set(q, `${r.rows[0].v}/${r.rows[0].c}`);
    }
    return out;
  } finally {
    await c.end();
  }
}
