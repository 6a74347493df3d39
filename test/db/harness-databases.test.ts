// HarnessDatabases on the suite's real server: it creates only marked prh_ databases, clones and
// resets them, and refuses (E_DB_NOT_OURS) every database it did not create; plus provider errors.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DB_MARKER,
  DB_PREFIX,
  HarnessDatabases,
  TestcontainersPostgresProvider,
  UrlPostgresProvider,
  chooseProvider,
  type HarnessDatabase,
} from '../../harness/db/index.ts';
import { HarnessError } from '../../harness/errors/index.ts';
import { TEST_SCHEMA } from '../support/test-database.ts';

const schemaFiles = () => [TEST_SCHEMA];

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Rejection of `promise` as a HarnessError; fails the test if it resolves or throws anything else. */
async function harnessErrorOf(promise: Promise<unknown>): Promise<HarnessError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HarnessError);
  return error as HarnessError;
}

describe('HarnessDatabases', () => {
  let admin: pg.Client;
  let dbs: HarnessDatabases;
  let urlFor: (db: string) => string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    const server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
    urlFor = (db) => server.urlFor(db);
    dbs = await HarnessDatabases.open(server);
  });
  afterAll(async () => {
    await dbs?.close();
    await admin?.end();
  });

  const commentOf = async (name: string): Promise<string | null | undefined> => {
    const r = await admin.query(`SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`, [name]);
    return r.rows[0]?.c;
  };
  const tablesOf = (db: HarnessDatabase) =>
    withClient(db.url, async (c) => {
      const r = await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'monitoring' ORDER BY table_name`);
      return r.rows.map((row: { table_name: string }) => row.table_name);
    });

  it('createTemplate and clone make databases named prh_* and marked with the COMMENT', async () => {
    const template = await dbs.createTemplate('Layer Set/1', schemaFiles());
    const clone = await dbs.clone(template, 'worker-a');

    expect(template.name.startsWith(`${DB_PREFIX}tpl_layer_set_1_`)).toBe(true);
    expect(clone.name.startsWith(`${DB_PREFIX}worker_a_`)).toBe(true);
    expect(clone.name).not.toBe(template.name);
    // The marker's first line, then the owner (see leftover-databases.test.ts).
    expect((await commentOf(template.name))?.split('\n')[0]).toBe(DB_MARKER);
    expect((await commentOf(clone.name))?.split('\n')[0]).toBe(DB_MARKER);
    await expect(dbs.assertOurs(clone.name)).resolves.toBeUndefined();
    await expect(dbs.adopt(clone.name)).resolves.toEqual(clone);
  });

  it('a clone of a template holds its schema: both tables, the partial unique index and the history trigger', async () => {
    const template = await dbs.createTemplate('schema', schemaFiles());
    const clone = await dbs.clone(template);

    expect(await tablesOf(clone)).toEqual(['position_history', 'positions']);
    await withClient(clone.url, async (c) => {
      const idx = await c.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'monitoring' AND indexname = 'idx_unique_active_position'`);
      expect(idx.rows[0]?.indexdef).toMatch(/UNIQUE INDEX .* \(symbol, exchange\) WHERE \(status = 'active'::text\)/);
      await c.query(`INSERT INTO monitoring.positions (symbol, exchange, side, quantity, status) VALUES ('BTCUSDT', 'binance', 'long', 1, 'active')`);
      const history = await c.query('SELECT new_status FROM monitoring.position_history');
      expect(history.rows).toEqual([{ new_status: 'active' }]);
    });
    // The clone is a copy: what was written there is not in the template.
    await withClient(template.url, async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM monitoring.positions')).rows[0]).toEqual({ n: 0 });
    });
  });

  it('drop removes a database it created; close() drops every database the instance still owns', async () => {
    const mine = await HarnessDatabases.open(await new UrlPostgresProvider(inject('pgAdminUrl')).start());
    const template = await mine.createTemplate('own', schemaFiles());
    const a = await mine.clone(template, 'own_a');
    const b = await mine.clone(template, 'own_b');
    const exists = async (name: string) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;

    await mine.drop(a);
    expect(await exists(a.name)).toBe(false);
    expect(await exists(b.name)).toBe(true);
    await mine.close();
    expect(await exists(b.name)).toBe(false);
    expect(await exists(template.name)).toBe(false);
  });

  describe('databases the harness did not create', () => {
    // Suffixed with the pid so a shared DATABASE_URL server's own databases are never touched.
    const foreign = [`someone_else_${process.pid}`, `${DB_PREFIX}unmarked_${process.pid}`, `${DB_PREFIX}other_comment_${process.pid}`];
    const [someoneElse, unmarked, otherComment] = foreign as [string, string, string];

    beforeAll(async () => {
      for (const name of foreign) {
        await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
        await withClient(urlFor(name), async (c) => {
          await c.query('CREATE TABLE precious (id int PRIMARY KEY, note text)');
          await c.query(`INSERT INTO precious VALUES (1, 'do not touch')`);
        });
      }
      await admin.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(otherComment)} IS 'production data'`);
    });
    afterAll(async () => {
      for (const name of foreign) {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      }
    });

    const stillThere = (name: string) =>
      withClient(urlFor(name), async (c) => (await c.query('SELECT id, note FROM precious')).rows);

    it.each([
      ['someone_else (no prefix, no marker)', someoneElse],
      ['prh_ prefix without the marker', unmarked],
      ['prh_ prefix with another comment', otherComment],
    ])('%s: assertOurs, adopt, drop and clone throw E_DB_NOT_OURS and the data stays', async (_what, name) => {
      const handle: HarnessDatabase = { name, url: urlFor(name) };

      const attempts = [() => dbs.assertOurs(name), () => dbs.adopt(name), () => dbs.drop(handle), () => dbs.clone(handle)];
      for (const attempt of attempts) {
        const error = await harnessErrorOf(attempt());
        expect(error.code).toBe('E_DB_NOT_OURS');
        expect(error.message).toContain(`'${name}'`);
      }

      expect(await stillThere(name)).toEqual([{ id: 1, note: 'do not touch' }]);
    });

    it('a database that does not exist is not ours either', async () => {
      expect((await harnessErrorOf(dbs.assertOurs(`${DB_PREFIX}missing_${process.pid}`))).code).toBe('E_DB_NOT_OURS');
    });
  });
});

describe('providers', () => {
  it('chooseProvider rejects an unknown name with E_UNKNOWN_PROVIDER, listing the valid ones', () => {
    let error: unknown;
    try {
      chooseProvider({ db: 'nope' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HarnessError);
    expect(error).toMatchObject({ code: 'E_UNKNOWN_PROVIDER' });
    expect((error as Error).message).toContain("'nope'");
    expect((error as Error).message).toContain('embedded, url, testcontainers');
  });

  it('chooseProvider: a URL selects url, nothing selects embedded, --db url without a URL is E_BAD_ARGUMENT', () => {
    expect(chooseProvider({ databaseUrl: 'postgresql://u:p@127.0.0.1:5432/postgres' }).kind).toBe('url');
    expect(chooseProvider({}).kind).toBe('embedded');
    expect(chooseProvider({ db: 'embedded', databaseUrl: 'postgresql://u:p@127.0.0.1:5432/postgres' }).kind).toBe('embedded');
    expect(chooseProvider({ db: 'testcontainers' }).kind).toBe('testcontainers');
    expect(() => chooseProvider({ db: 'url' })).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
  });

  it('testcontainers without a container runtime rejects with E_NO_CONTAINER_RUNTIME naming embedded and DATABASE_URL', async () => {
    const error = await harnessErrorOf(new TestcontainersPostgresProvider().start());
    expect(error.code).toBe('E_NO_CONTAINER_RUNTIME');
    expect(error.message).toContain('embedded');
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain('Could not find a working container runtime strategy');
  });

  it('a URL nobody listens on rejects with E_DB_UNREACHABLE', async () => {
    const error = await harnessErrorOf(new UrlPostgresProvider('postgresql://postgres:secret@127.0.0.1:1/postgres').start());
    expect(error.code).toBe('E_DB_UNREACHABLE');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).toContain('DATABASE_URL');
  });

  it('a URL that is not postgresql:// rejects with E_DB_UNREACHABLE and an example', async () => {
    const error = await harnessErrorOf(new UrlPostgresProvider('http://127.0.0.1:5432/postgres').start());
    expect(error.code).toBe('E_DB_UNREACHABLE');
    expect(error.message).toContain('postgresql://');
  });
});
