// Per-test-file databases on the suite's server: marked, built from the schema (plus migrations).
import pg from 'pg';
import { inject } from 'vitest';
import { HarnessDatabases, UrlPostgresProvider, schemaFiles, type HarnessDatabase, type SqlFile } from '../../harness/db/index.ts';

let shared: Promise<HarnessDatabases> | undefined;

/** The harness's database manager on the suite's server (one per test file). */
export function harnessDatabases(): Promise<HarnessDatabases> {
  shared ??= new UrlPostgresProvider(inject('pgAdminUrl')).start().then((s) => HarnessDatabases.open(s));
  return shared;
}

/** A fresh database holding the schema and `migrations`, and a connected client to it. */
export async function freshDatabase(migrations: readonly SqlFile[] = []): Promise<{ db: HarnessDatabase; client: pg.Client; close(): Promise<void> }> {
  const dbs = await harnessDatabases();
  const db = await dbs.createTemplate('test', [...schemaFiles(), ...migrations]);
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
