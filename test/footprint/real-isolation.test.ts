// Through the public API: a plain BEGIN runs at whatever isolation the server gives the session
// (a role's setting, a connection's options, a SET made by code the footprints cannot read), and
// the footprints take it from the server. Under REPEATABLE READ the first read fixes the snapshot;
// the reduced search must still find the order where the writer goes before it.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider } from '../../harness/db/index.ts';
import { runMatrix } from '../../harness/run/index.ts';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { sqlActor, type SqlActorResult } from '../../harness/sched/index.ts';

const ROLE = `prh_rr_${process.pid}`;
const admin = inject('pgAdminUrl');

/** The admin URL with another user, or with connection options. */
function urlWith(edit: (u: URL) => void): string {
  const u = new URL(admin);
  edit(u);
  return u.toString();
}

beforeAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
  // A role of the test's own: the shared role's settings stay as they are for every other test.
  await c.query(`CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD 'prh'`);
  await c.query(`ALTER ROLE ${ROLE} SET default_transaction_isolation = 'repeatable read'`);
  await c.end();
});
afterAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  const dbs = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = $1)`, [ROLE]);
  for (const { datname } of dbs.rows) await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`).catch(() => undefined);
  await c.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
  await c.end();
});

/** The reader's `SELECT n` saw the writer's update. */
function sawUpdate(result: unknown): boolean {
  return ((result as SqlActorResult | undefined)?.steps ?? []).some((s) => s.status === 'ok' && s.rows.some((r) => Number(r['n']) === 1));
}

function snapshotRace(name: string, prefix: readonly string[] = []): Scenario {
  return defineScenario({
    name,
    schema: 'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); CREATE TABLE other (id int PRIMARY KEY)',
    setup: async ({ sql }) => {
      await sql('INSERT INTO counter VALUES (1, 0)');
      await sql('INSERT INTO other VALUES (1)');
    },
    actors: [
      // The first SELECT reads only `other`; at REPEATABLE READ it also fixes what the second sees.
      sqlActor('reader', [...prefix, 'BEGIN', 'SELECT id FROM other', 'SELECT n FROM counter WHERE id = 1', 'COMMIT']),
      sqlActor('writer', ['UPDATE counter SET n = 1 WHERE id = 1']),
    ],
    check: ({ results }) => (sawUpdate(results['reader']) ? 'the reader saw the update' : undefined),
  });
}

async function measured(url: string, scenario: Scenario, reduce: boolean): Promise<string | undefined> {
  const server = await new UrlPostgresProvider(url).start();
  try {
    const result = await runMatrix({ scenarios: [scenario], strategy: 'exhaustive', strategyOptions: { budget: 100, seed: 1, depth: 2, reduce }, workers: 1, server });
    const cell = result.cells[0];
    expect(cell?.error, cell?.error).toBeUndefined();
    expect(cell?.coverage.complete).toBe(true);
    return cell?.measured;
  } finally {
    await server.stop();
  }
}

describe('the isolation level a plain BEGIN really gets', () => {
  it.each([true, false])("a role's default_transaction_isolation (reduce = %s): the update before the snapshot is found", async (reduce) => {
    const url = urlWith((u) => {
      u.username = ROLE;
      u.password = 'prh';
    });
    expect(await measured(url, snapshotRace('role-repeatable-read'), reduce)).toBe('violates');
  });

  it('connection options (as PGOPTIONS would give): the same', async () => {
    const url = urlWith((u) => u.searchParams.set('options', '-c default_transaction_isolation=repeatable\\ read'));
    expect(await measured(url, snapshotRace('options-repeatable-read'), true)).toBe('violates');
  });

  it('a SET made through set_config (no SET statement to read): the same', async () => {
    const scenario = snapshotRace('set-config-repeatable-read', ["SELECT set_config('default_transaction_isolation', 'repeatable read', false)"]);
    expect(await measured(admin, scenario, true)).toBe('violates');
  });

  it('at the default READ COMMITTED the reader sees the update whenever it comes first too (the control)', async () => {
    expect(await measured(admin, snapshotRace('read-committed'), true)).toBe('violates');
  });
});
