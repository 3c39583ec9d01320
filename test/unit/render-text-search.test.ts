/**
 * The exact text of render-text-search.ts: parsers, templates, dictionaries and configurations
 * with their mappings, owner and comment, on hostile names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TextSearchObj } from '../../src/catalog/model.js';
import { renderTextSearch } from '../../src/ddl/render-text-search.js';
import { ctx, DOT, LONG, ownerCtx, QUOTE, SPACE } from './catalog-fixture.js';

describe('renderTextSearch', () => {
  const ts = (tsKind: TextSearchObj['tsKind'], parts: Record<string, unknown>, extra: Partial<TextSearchObj> = {}): TextSearchObj => ({
    key: 'pg_ts_config:6', oid: 6, schema: SPACE, name: QUOTE, owner: 'postgres', comment: null, acl: null, tsKind, parts, ...extra,
  });

  it('a parser and a template (with and without their optional functions)', () => {
    assert.deepEqual(renderTextSearch(ts('parser', { start: 'prsd_start', gettoken: 'prsd_nexttoken', end: 'prsd_end', lextypes: 'prsd_lextype', headline: 'prsd_headline' }), ctx), [
      'CREATE TEXT SEARCH PARSER "Foo Bar"."we""ird" (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype, HEADLINE = prsd_headline)',
    ]);
    assert.deepEqual(renderTextSearch(ts('template', { init: null, lexize: 'dsimple_lexize' }, { name: LONG, owner: '' }), ctx), [
      `CREATE TEXT SEARCH TEMPLATE "Foo Bar"."${LONG}" (LEXIZE = dsimple_lexize)`,
    ]);
    assert.deepEqual(renderTextSearch(ts('template', { init: 'dsimple_init', lexize: 'dsimple_lexize' }), ctx), [
      'CREATE TEXT SEARCH TEMPLATE "Foo Bar"."we""ird" (INIT = dsimple_init, LEXIZE = dsimple_lexize)',
    ]);
  });

  it('a dictionary with its options, owner and comment', () => {
    assert.deepEqual(renderTextSearch(ts('dictionary', { template: 'pg_catalog.simple', options: `stopwords = 'english'` }, { owner: 'Alice B', comment: 'd' }), ownerCtx), [
      `CREATE TEXT SEARCH DICTIONARY "Foo Bar"."we""ird" (TEMPLATE = pg_catalog.simple, stopwords = 'english')`,
      'ALTER TEXT SEARCH DICTIONARY "Foo Bar"."we""ird" OWNER TO "Alice B"',
      `COMMENT ON TEXT SEARCH DICTIONARY "Foo Bar"."we""ird" IS 'd'`,
    ]);
  });

  it('a configuration and one ADD MAPPING per token type', () => {
    const parts = { parser: 'pg_catalog."default"', mappings: [{ token: 'asciiword', dictionaries: ['"Foo Bar"."we""ird"', 'simple'] }, { token: 'word', dictionaries: ['simple'] }] };
    assert.deepEqual(renderTextSearch(ts('configuration', parts, { schema: DOT }), ctx), [
      'CREATE TEXT SEARCH CONFIGURATION "a.b"."we""ird" (PARSER = pg_catalog."default")',
      'ALTER TEXT SEARCH CONFIGURATION "a.b"."we""ird" ADD MAPPING FOR "asciiword" WITH "Foo Bar"."we""ird", simple',
      'ALTER TEXT SEARCH CONFIGURATION "a.b"."we""ird" ADD MAPPING FOR "word" WITH simple',
    ]);
  });
});
