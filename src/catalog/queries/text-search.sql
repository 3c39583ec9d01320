-- Text search parsers, templates, dictionaries and configurations, one row each, with what their
-- CREATE statement needs in 'parts' (function names print qualified outside pg_catalog).
SELECT 'parser' AS ts_kind, p.oid::int8 AS oid, n.nspname AS schema, p.prsname AS name, NULL::text AS owner,
       obj_description(p.oid, 'pg_ts_parser') AS comment,
       json_build_object('start', p.prsstart::text, 'gettoken', p.prstoken::text, 'end', p.prsend::text,
                         'lextypes', p.prslextype::text, 'headline', nullif(p.prsheadline::oid, 0)::regproc::text) AS parts
FROM pg_ts_parser p JOIN pg_namespace n ON n.oid = p.prsnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_parser'::regclass AND e.objid = p.oid AND e.deptype = 'e')
UNION ALL
SELECT 'template', t.oid::int8, n.nspname, t.tmplname, NULL, obj_description(t.oid, 'pg_ts_template'),
       json_build_object('init', nullif(t.tmplinit::oid, 0)::regproc::text, 'lexize', t.tmpllexize::text)
FROM pg_ts_template t JOIN pg_namespace n ON n.oid = t.tmplnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_template'::regclass AND e.objid = t.oid AND e.deptype = 'e')
UNION ALL
SELECT 'dictionary', d.oid::int8, n.nspname, d.dictname, pg_get_userbyid(d.dictowner), obj_description(d.oid, 'pg_ts_dict'),
       json_build_object('template', format('%I.%I', tn.nspname, t.tmplname), 'options', d.dictinitoption)
FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
JOIN pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_dict'::regclass AND e.objid = d.oid AND e.deptype = 'e')
UNION ALL
SELECT 'configuration', c.oid::int8, n.nspname, c.cfgname, pg_get_userbyid(c.cfgowner), obj_description(c.oid, 'pg_ts_config'),
       json_build_object('parser', format('%I.%I', pn.nspname, p.prsname),
         'mappings', coalesce((SELECT json_agg(json_build_object('token', tt.alias, 'dictionaries', m.dicts) ORDER BY m.maptokentype)
                               FROM (SELECT mm.maptokentype, array_agg(format('%I.%I', dn.nspname, dd.dictname) ORDER BY mm.mapseqno) AS dicts
                                     FROM pg_ts_config_map mm JOIN pg_ts_dict dd ON dd.oid = mm.mapdict JOIN pg_namespace dn ON dn.oid = dd.dictnamespace
                                     WHERE mm.mapcfg = c.oid GROUP BY mm.maptokentype) m
                               JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype), '[]'))
FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
JOIN pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_namespace pn ON pn.oid = p.prsnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgferry_state') AND n.nspname !~ '^pg_(toast|temp)' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_config'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 3, 4;
