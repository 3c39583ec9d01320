/**
 * Loads catalog queries kept as .sql files (they run unchanged in psql). A file
 * `name.beforeNN.sql` is the variant for servers older than NN; `name.sql` serves the rest.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

// Both src/catalog (tsx) and dist/catalog (compiled) sit two levels below the package root.
const QUERY_DIR = fileURLToPath(new URL('../../src/catalog/queries/', import.meta.url));
const cache = new Map<string, string>();

/** The text of query `name` for a server of major version `major`. */
export function catalogQuery(name: string, major: number): string {
  const variants = fs
    .readdirSync(QUERY_DIR)
    .map((f) => new RegExp(`^${name}\\.before(\\d+)\\.sql$`).exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((before) => major < before)
    .sort((a, b) => a - b);
  const file = variants.length > 0 ? `${name}.before${variants[0]}.sql` : `${name}.sql`;
  let text = cache.get(file);
  if (text === undefined) {
    text = fs.readFileSync(QUERY_DIR + file, 'utf8');
    cache.set(file, text);
  }
  return text;
}
