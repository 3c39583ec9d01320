-- Subscriptions of this database (reported, not migrated).
SELECT s.subname AS name
FROM pg_subscription s
WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY 1;
