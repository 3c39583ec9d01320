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

/** A name as a person reads it in messages: quoted only when it would need quotes in SQL. */
export function displayIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : ident(name);
}

/** `schema.name` for messages, each part quoted only when needed (`"a.b"."c.d"`). */
export function displayName(schema: string, name: string): string {
  return `${displayIdent(schema)}.${displayIdent(name)}`;
}

// Keywords that cannot be used as bare names (enough for messages, not a parser).
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral ' +
    'leading limit localtime localtimestamp not null offset on only or order placing primary references returning ' +
    'select session_user some symmetric table then to trailing true union unique user using variadic when where window with').split(' '),
);
