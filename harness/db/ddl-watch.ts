// What tells that a run changed the schema: an event trigger in the cell's database notes every
// DDL command another session than the harness's observer commits (CREATE INDEX, ALTER TABLE,
// CREATE RULE, GRANT ... — also from inside functions), and each reset between runs reads and
// clears the notes. Tables are emptied between runs; the catalog is not, so a run after one of
// these would not start like the first. Only a superuser may create event triggers.
import type { CatalogClient } from './schema-tables.ts';

/** The harness's own schema in a cell's database: left out of the tables a run resets or reports. */
export const HARNESS_SCHEMA = 'prh_harness';

const INSTALL = `CREATE SCHEMA IF NOT EXISTS ${HARNESS_SCHEMA};
CREATE TABLE IF NOT EXISTS ${HARNESS_SCHEMA}.ddl_seen (tag text NOT NULL);
CREATE OR REPLACE FUNCTION ${HARNESS_SCHEMA}.note_ddl() RETURNS event_trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  -- The observer's own DDL (a scenario's setup) is the same in every run.
  IF current_setting('application_name') IS DISTINCT FROM 'prh-observer' THEN
    INSERT INTO ${HARNESS_SCHEMA}.ddl_seen VALUES (tg_tag);
  END IF;
END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'prh_ddl_watch') THEN
    CREATE EVENT TRIGGER prh_ddl_watch ON ddl_command_end EXECUTE FUNCTION ${HARNESS_SCHEMA}.note_ddl();
  END IF;
END $$`;

/**
 * Installs the watch in the database `client` is connected to; false when the role may not (not
 * a superuser): DDL a run commits then goes unseen (docs/internals/verdicts.md).
 */
export async function installDdlWatch(client: CatalogClient): Promise<boolean> {
  const r = await client.query<{ su: string }>("SELECT current_setting('is_superuser') AS su");
  if (r.rows[0]?.su !== 'on') return false;
  await client.query(INSTALL);
  return true;
}

/** One row, `ddl`: the commands noted since the last read (distinct, comma-separated), or null; the notes are cleared. */
export const DDL_SEEN_SQL = `WITH seen AS (DELETE FROM ${HARNESS_SCHEMA}.ddl_seen RETURNING tag) SELECT string_agg(DISTINCT tag, ', ' ORDER BY tag) AS ddl FROM seen`;
