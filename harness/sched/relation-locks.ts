// The relation locks a backend holds, as the run-time cross-check reads them from pg_locks.

/** The user relations (tables, sequences) locked, one row per lock mode; the caller adds which backend. */
export const RELATION_LOCKS_SQL = `
SELECT n.nspname || '.' || c.relname AS qualified, c.relkind::text AS kind, l.mode
FROM pg_locks l JOIN pg_class c ON c.oid = l.relation AND l.locktype = 'relation' AND l.granted AND c.relkind IN ('r', 'p', 'S')
JOIN pg_namespace n ON n.oid = c.relnamespace
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;
