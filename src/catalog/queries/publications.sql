-- Publications; the publish flags differ between majors, so the row comes whole as JSON.
SELECT p.oid::int8 AS oid, p.pubname AS name, pg_get_userbyid(p.pubowner) AS owner,
       obj_description(p.oid, 'pg_publication') AS comment, to_jsonb(p) AS raw
FROM pg_publication p
ORDER BY 2;
