/**
 * The one place identifiers become SQL text. Every `"` is doubled and names are never split on
 * dots, so a table really named `a.b` or `we"ird` stays reachable.
 */

/** Quotes one identifier: `Foo Bar` → `"Foo Bar"`. */
export function ident(name: string): string {
  if (name.length === 0) throw new Error('empty identifier');
  if (name.includes('\u0000')) throw new Error('identifier contains NUL');
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a schema-qualified name: (`a.b`, `x`) → `"a.b"."x"`. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/**
 * Quotes a string literal for DDL that cannot take bind parameters (COMMENT, enum labels,
 * SET values). Standard-conforming strings are assumed on: only `'` is doubled.
 */
export function literal(value: string): string {
  if (value.includes('\u0000')) throw new Error('string literal contains NUL');
  return `'${value.replace(/'/g, "''")}'`;
}
