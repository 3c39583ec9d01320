-- Publications; the publish flags differ between majors, so the row comes whole as JSON.
-- An incremental run's own publication (pgferry_ and a run id's 32 hex digits) is not the
-- user's: it is neither migrated nor listed as skipped.
SELECT p.oid::int8 AS oid, p.pubname AS name, pg_get_userbyid(p.pubowner) AS owner,
       obj_description(p.oid, 'pg_publication') AS comment, to_jsonb(p) AS raw
FROM pg_publication p
WHERE p.pubname !~ '^pgferry_[0-9a-f]{32}$'
ORDER BY 2;
