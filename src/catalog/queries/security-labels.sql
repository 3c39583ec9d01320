-- Security labels (reported, not migrated: they need the same label provider on the target).
SELECT s.classoid::regclass::text AS catalog, s.objoid::int8 AS oid, s.objsubid AS sub_id, s.provider,
       pg_describe_object(s.classoid, s.objoid, s.objsubid) AS object
FROM pg_seclabel s
ORDER BY 5;
