// A database counts as unchanged only when every catalog holds the rows it held and none was
// written since: what a spec's teardown undoes is unchanged, what it leaves (a table, a comment on
// a system object, a grant undone by hand, a session holding a lock) is not.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogBaseline } from '../../harness/db/index.ts';
import { freshDatabase } from '../support/test-database.ts';

let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
const others: pg.Client[] = [];
afterEach(async () => {
  for (const c of others.splice(0)) await c.end().catch(() => undefined);
  await db?.close();
  db = undefined;
});

async function baseline() {
  db = await freshDatabase([]);
  return { client: db.client, base: await CatalogBaseline.take(db.client) };
}

const changed = async (base: CatalogBaseline, client: pg.Client) => (await base.changes(client)).map((c) => c.catalog);

describe('CatalogBaseline', () => {
  it('finds nothing changed when what was made is dropped again, temporary tables included', async () => {
    const { client, base } = await baseline();
    expect(await base.changes(client)).toEqual([]);
    await client.query(`CREATE SCHEMA shop; CREATE TABLE shop.t (id serial PRIMARY KEY, p int REFERENCES shop.t); CREATE INDEX ON shop.t (p);
      CREATE FUNCTION shop.f() RETURNS int LANGUAGE sql AS 'SELECT 1'; CREATE TEMP TABLE scratch (a int)`);
    expect(await changed(base, client)).toEqual(expect.arrayContaining(['pg_class', 'pg_namespace', 'pg_proc', 'pg_constraint']));
    await client.query('DROP SCHEMA shop CASCADE');
    await client.query('DISCARD ALL');
    expect(await base.changes(client)).toEqual([]);
  });

  it('finds a table left behind', async () => {
    const { client, base } = await baseline();
    await client.query('CREATE TABLE leftover (a int)');
    const c = await base.changes(client);
    expect(c.find((x) => x.catalog === 'pg_class')).toMatchObject({ written: expect.any(Number) });
    expect(c.find((x) => x.catalog === 'pg_class')?.rowsNow).toBeGreaterThan(c.find((x) => x.catalog === 'pg_class')?.rowsThen ?? Infinity);
  });

  it('finds a system object changed and changed back: same rows, but written since', async () => {
    const { client, base } = await baseline();
    await client.query('GRANT CREATE ON SCHEMA public TO PUBLIC; REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    expect(await changed(base, client)).toEqual(['pg_namespace']);
  });

  it("finds a setting of the sessions' role made for every database: sessions connected later would get it, kept ones would not", async () => {
    db = await freshDatabase([]);
    // A role of the test's own, so that no other test's sessions get the setting meanwhile; not a
    // superuser, as a role given by --database-url may not be (it cannot read every catalog).
    const role = `prh_baseline_${process.pid}`;
    await db.client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'baseline'`);
    const url = new URL(db.db.url);
    url.username = role;
    url.password = 'baseline';
    const own = new pg.Client({ connectionString: url.toString() });
    try {
      await own.connect();
      const base = await CatalogBaseline.take(own);
      await own.query(`ALTER ROLE CURRENT_USER SET work_mem = '1MB'`);
      expect(await changed(base, own)).toEqual(['pg_db_role_setting']);
      await own.query('ALTER ROLE CURRENT_USER RESET work_mem');
      expect(await base.changes(own)).toEqual([]);
    } finally {
      await own.end().catch(() => undefined);
      await db.client.query(`DROP ROLE ${role}`);
    }
  });

  it('finds a comment on a system object removed, and a setting of the database', async () => {
    const { client, base } = await baseline();
    await client.query('COMMENT ON SCHEMA public IS NULL');
    await client.query(`ALTER DATABASE ${pg.escapeIdentifier(db!.db.name)} SET work_mem = '8MB'`);
    expect(await changed(base, client)).toEqual(expect.arrayContaining(['pg_description', 'pg_db_role_setting']));
  });

  it('finds another session still in a transaction, or holding a session-level lock on the database', async () => {
    const { client, base } = await baseline();
    const other = new pg.Client({ connectionString: db!.db.url });
    others.push(other);
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT 1');
    expect(await changed(base, client)).toEqual(['pg_stat_activity']);
    await other.query('COMMIT');
    await other.query('SELECT pg_advisory_lock(42)');
    expect(await changed(base, client)).toEqual(['pg_locks']);
    await other.query('SELECT pg_advisory_unlock_all()');
    expect(await base.changes(client)).toEqual([]);
  });
});
