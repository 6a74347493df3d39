// Per-test-file databases on the suite's server: marked, built from the schema (plus migrations).
import pg from 'pg';
import { inject } from 'vitest';
import { readFileSync } from 'node:fs';
import { HarnessDatabases, UrlPostgresProvider, type HarnessDatabase, type SqlFile } from '../../harness/db/index.ts';

/** The engine tests' schema (test/fixtures/sql/race-schema.sql). */
export const TEST_SCHEMA: SqlFile = { name: 'race-schema.sql', sql: readFileSync(new URL('../fixtures/sql/race-schema.sql', import.meta.url), 'utf8') };

let shared: Promise<HarnessDatabases> | undefined;

/** The harness's database manager on the suite's server (one per test file). */
export function harnessDatabases(): Promise<HarnessDatabases> {
  shared ??= new UrlPostgresProvider(inject('pgAdminUrl')).start().then((s) => HarnessDatabases.open(s));
  return shared;
}

/** A fresh database holding `files` (default: the engine tests' schema), and a connected client to it. */
export async function freshDatabase(files: readonly SqlFile[] = [TEST_SCHEMA]): Promise<{ db: HarnessDatabase; client: pg.Client; close(): Promise<void> }> {
  const dbs = await harnessDatabases();
  const db = await dbs.createTemplate('test', files);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return {
    db,
    client,
    async close() {
      await client.end();
      await dbs.drop(db);
    },
  };
}
