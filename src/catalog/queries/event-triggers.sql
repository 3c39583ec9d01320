-- Event triggers, with the function they run and their enabled state.
SELECT et.oid::int8 AS oid, et.evtname AS name, et.evtevent AS event, pg_get_userbyid(et.evtowner) AS owner,
       et.evtfoid::regproc::text AS function, et.evttags AS tags, et.evtenabled AS enabled,
       obj_description(et.oid, 'pg_event_trigger') AS comment
FROM pg_event_trigger et
WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_event_trigger'::regclass AND e.objid = et.oid AND e.deptype = 'e')
ORDER BY 2;
