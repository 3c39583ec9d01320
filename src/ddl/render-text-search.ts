/** DDL for text search parsers, templates, dictionaries and configurations. */
import type { TextSearchObj } from '../catalog/model.js';
import { ident, qualified } from '../pg/quote.js';
import { commentOn, inSchema, ownerTo, type OwnershipContext } from './common.js';

const KIND = { parser: 'PARSER', template: 'TEMPLATE', dictionary: 'DICTIONARY', configuration: 'CONFIGURATION' } as const;

/** CREATE TEXT SEARCH ..., then (configurations) one ADD MAPPING per token type. */
export function renderTextSearch(t: TextSearchObj, ctx: OwnershipContext): string[] {
  const q = qualified(t.schema, t.name);
  const kind = `TEXT SEARCH ${KIND[t.tsKind]}`;
  const p = t.parts as Record<string, string | null>;
  const out: string[] = [];
  switch (t.tsKind) {
    case 'parser':
      out.push(`CREATE ${kind} ${q} (START = ${p.start}, GETTOKEN = ${p.gettoken}, END = ${p.end}, LEXTYPES = ${p.lextypes}${p.headline ? `, HEADLINE = ${p.headline}` : ''})`);
      break;
    case 'template':
      out.push(`CREATE ${kind} ${q} (${p.init ? `INIT = ${p.init}, ` : ''}LEXIZE = ${p.lexize})`);
      break;
    case 'dictionary':
      // dictinitoption is already a `name = value, ...` list as CREATE takes it
      out.push(`CREATE ${kind} ${q} (TEMPLATE = ${p.template}${p.options ? `, ${p.options}` : ''})`);
      break;
    case 'configuration': {
      out.push(`CREATE ${kind} ${q} (PARSER = ${p.parser})`);
      const mappings = t.parts.mappings as { token: string; dictionaries: string[] }[];
      for (const m of mappings) out.push(`ALTER ${kind} ${q} ADD MAPPING FOR ${ident(m.token)} WITH ${m.dictionaries.join(', ')}`);
      break;
    }
  }
  if (t.owner) out.push(...ownerTo(`${kind} ${q}`, t.owner, ctx, inSchema(t.schema), t.key));
  return [...out, ...commentOn(`${kind} ${q}`, t.comment)];
}
