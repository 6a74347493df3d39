// The run-time cross-check catches each class of unsound footprint alone: with the static
// guarantee switched off (internal `unsound` options), PostgreSQL's own account (relation locks
// held by the actor's transaction as it ends, the isolation level it really ran at, the session
// state at the start of a run) shows more than the footprints claimed, and the run names the
// statements and what they touched. With the guarantees on, the same runs report nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExhaustiveStrategy, Scheduler, type ActorSpec, type EngineOptions, type FootprintMiss } from '../../harness/sched/index.ts';
import { freshDatabase } from '../support/test-database.ts';
import { programActor } from '../../harness/gate/index.ts';
import { join } from 'node:path';
import { CLIENTS_DIR, PSQL, named, psqlMissing } from '../support/client-programs.ts';
import { allRuns } from './sched-fixtures.ts';

const SCHEMA = [
  'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)',
  'CREATE TABLE other (id int PRIMARY KEY)',
  `CREATE FUNCTION next_no() RETURNS int VOLATILE LANGUAGE plpgsql AS $$
     DECLARE v int; BEGIN UPDATE counter SET n = n + 1 WHERE id = 1 RETURNING n INTO v; RETURN v; END $$`,
  'CREATE TABLE ticket (id serial PRIMARY KEY, no int NOT NULL DEFAULT next_no())',
  'CREATE TABLE cap (id int PRIMARY KEY, max int NOT NULL)',
  "CREATE FUNCTION cap_max() RETURNS int STABLE LANGUAGE sql AS 'SELECT max FROM cap WHERE id = 1'",
  'CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL CHECK (qty <= cap_max()))',
  'CREATE DOMAIN qty_capped AS int CHECK (VALUE <= cap_max())',
  'CREATE TABLE dom_item (id int PRIMARY KEY, qty qty_capped)',
];

const RESET = 'DELETE FROM ticket; DELETE FROM item; DELETE FROM dom_item; DELETE FROM counter; DELETE FROM other; DELETE FROM cap; ' + 'INSERT INTO counter VALUES (1, 0); INSERT INTO other VALUES (1); INSERT INTO cap VALUES (1, 10)';

function script(name: string, statements: readonly string[]): ActorSpec {
  return {
    name,
    run: async ({ sql }) => {
      for (const s of statements) await sql.query(s).catch(() => undefined);
      return name;
    },
  };
}

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  db = await freshDatabase();
  for (const s of SCHEMA) await db.client.query(s);
});
afterAll(async () => db?.close());

/** Every miss of every run of a reduced exhaustive search (`url` default: the test's database). */
async function misses(actors: readonly ActorSpec[], options: Partial<EngineOptions> = {}, url = db.db.url): Promise<FootprintMiss[]> {
  const scheduler = await Scheduler.connect({ databaseUrl: url, ...options });
  try {
    const runs = await allRuns(scheduler, actors, new ExhaustiveStrategy({ reduce: true }), async () => {
      await scheduler.observer.query(RESET);
    });
    expect(runs.every((r) => r.outcome === 'completed')).toBe(true);
    return runs.flatMap((r) => r.footprintMisses ?? []);
  } finally {
    await scheduler.close();
  }
}

describe('what the catalog attaches, with the static analysis of it switched off', () => {
  const cases: [string, string, string][] = [
    ['a DEFAULT calling a PL/pgSQL function that writes', "INSERT INTO ticket DEFAULT VALUES", 'wrote or locked public.counter'],
    ['a CHECK calling a STABLE SQL function', 'INSERT INTO item VALUES (1, 5)', 'read public.cap'],
    ["a DOMAIN's CHECK", 'INSERT INTO dom_item VALUES (1, 5)', 'read public.cap'],
  ];
  it.each(cases)('%s: the lock on the table it reaches is seen and named', async (_what, insert, touched) => {
    const actors = [script('writer', ['BEGIN', insert, 'COMMIT']), script('reader', ['SELECT n FROM counter WHERE id = 1'])];
    const found = await misses(actors, { unsound: { attachedFootprints: false } });
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]?.actor).toBe(0);
    // Named by its transaction's statements (the check runs once, as the transaction ends).
    expect(found[0]?.statement).toBe(`BEGIN; ${insert}; COMMIT`);
    expect(found[0]?.touched).toContain(touched);
    // With the attached expressions analysed, PostgreSQL shows nothing beyond the footprints.
    expect(await misses(actors)).toEqual([]);
  });
});

describe('a statement outside a transaction block, with the static analysis of what the catalog attaches switched off', () => {
  it.each([
    ['a DEFAULT calling a PL/pgSQL function that writes', 'INSERT INTO ticket DEFAULT VALUES', 'wrote or locked public.counter'],
    ["a DOMAIN's CHECK, with a bound parameter", 'INSERT INTO dom_item VALUES (1, $1)', 'read public.cap'],
  ])('%s: its commit waits for the check, which sees and names the lock', async (_what, insert, touched) => {
    const writer: ActorSpec = { name: 'writer', run: async ({ sql }) => (await sql.query(insert, insert.includes('$1') ? [5] : undefined)).rowCount };
    const actors = [writer, script('reader', ['SELECT n FROM counter WHERE id = 1'])];
    const found = await misses(actors, { unsound: { attachedFootprints: false } });
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ kind: 'lock', actor: 0, statement: insert });
    expect(found[0]?.touched).toContain(touched);
    expect(await misses(actors)).toEqual([]);
  });

  it('commits as it would alone: its row is there for the next statement, its error is the same, its session idle after', async () => {
    const scheduler = await Scheduler.connect({ databaseUrl: db.db.url });
    try {
      await scheduler.observer.query(RESET);
      let seen: unknown;
      const actor: ActorSpec = {
        name: 'a',
        run: async ({ sql }) => {
          await sql.query('INSERT INTO other VALUES (2)');
          const dup = await sql.query('INSERT INTO other VALUES (2)').then(() => 'inserted', (e: { code?: string }) => e.code);
          const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM other');
          seen = { dup, n: rows[0]?.n };
        },
      };
      const strategy = new ExhaustiveStrategy({ reduce: true });
      strategy.beginRun();
      const run = await scheduler.run([actor], strategy);
      expect(run.outcome).toBe('completed');
      expect(run.footprintMisses ?? []).toEqual([]);
      expect(seen).toEqual({ dup: '23505', n: 2 });
      // Committed, not left in an open transaction: another session sees the row.
      expect((await scheduler.observer.query('SELECT count(*)::int AS n FROM other')).rows[0]).toEqual({ n: 2 });
    } finally {
      await scheduler.close();
    }
  });
});

describe('a transaction an actor leaves open, with the static analysis of what the catalog attaches switched off', () => {
  it('is checked after the last step, before the run rolls it back', async () => {
    const actors = [script('writer', ['BEGIN', 'INSERT INTO ticket DEFAULT VALUES']), script('reader', ['SELECT n FROM counter WHERE id = 1'])];
    const found = await misses(actors, { unsound: { attachedFootprints: false } });
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ kind: 'lock', actor: 0, statement: 'BEGIN; INSERT INTO ticket DEFAULT VALUES' });
    expect(found[0]?.touched).toContain('wrote or locked public.counter');
    expect(await misses(actors)).toEqual([]);
  });
});

describe('a program through its gate, with the static analysis of what the catalog attaches switched off', () => {
  it.skipIf(psqlMissing())(named("the lock its transaction took on the table a DEFAULT's function writes is seen and named", psqlMissing()), async () => {
    const program = programActor({ name: 'psql-writer', command: [PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'BEGIN', '-c', 'INSERT INTO ticket DEFAULT VALUES', '-c', 'COMMIT'] });
    const actors = [program, script('reader', ['SELECT n FROM counter WHERE id = 1'])];
    const found = await misses(actors, { unsound: { attachedFootprints: false } });
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]?.statement).toBe('BEGIN; INSERT INTO ticket DEFAULT VALUES; COMMIT');
    expect(found[0]?.touched).toContain('wrote or locked public.counter');
    expect(await misses(actors)).toEqual([]);
  });
});

describe('a statement outside a transaction block whose commit fails', () => {
  it("fails as it would alone: a deferred foreign key's violation comes at the commit, after the read of its locks", async () => {
    await db.client.query('CREATE TABLE IF NOT EXISTS parent_d (id int PRIMARY KEY)');
    await db.client.query('CREATE TABLE IF NOT EXISTS child_d (id int PRIMARY KEY, parent int REFERENCES parent_d DEFERRABLE INITIALLY DEFERRED)');
    const scheduler = await Scheduler.connect({ databaseUrl: db.db.url });
    try {
      let seen: unknown;
      const actor: ActorSpec = {
        name: 'a',
        run: async ({ sql }) => {
          seen = await sql.query('INSERT INTO child_d VALUES (1, 42)').then(() => 'inserted', (e: { code?: string }) => e.code);
        },
      };
      const strategy = new ExhaustiveStrategy({ reduce: true });
      strategy.beginRun();
      const run = await scheduler.run([actor], strategy);
      expect(run.outcome).toBe('completed');
      expect(seen).toBe('23503');
      expect((await scheduler.observer.query('SELECT count(*)::int AS n FROM child_d')).rows[0]).toEqual({ n: 0 });
    } finally {
      await scheduler.close();
    }
  });
});

describe('a program statement outside a transaction block, with the static analysis of what the catalog attaches switched off', () => {
  it("is answered, its locks read, and only then committed: the lock on the table a DEFAULT's function writes is seen", async () => {
    const insert = 'INSERT INTO ticket (id) VALUES ($1)';
    const program = programActor({ name: 'node-writer', command: [process.execPath, join(CLIENTS_DIR, 'statement-with-values.mjs'), insert, '[7]'] });
    const actors = [program, script('reader', ['SELECT n FROM counter WHERE id = 1'])];
    const found = await misses(actors, { unsound: { attachedFootprints: false } });
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ kind: 'lock', statement: insert });
    expect(found[0]?.touched).toContain('wrote or locked public.counter');
    expect(await misses(actors)).toEqual([]);
  });
});

describe("the server's isolation level, with the footprints assuming READ COMMITTED", () => {
  it('a plain BEGIN that runs at REPEATABLE READ (connection options) is seen at its first snapshot', async () => {
    const url = new URL(db.db.url);
    url.searchParams.set('options', '-c default_transaction_isolation=repeatable\\ read');
    const actors = [script('reader', ['BEGIN', 'SELECT id FROM other', 'SELECT n FROM counter WHERE id = 1', 'COMMIT']), script('writer', ['UPDATE counter SET n = 1 WHERE id = 1'])];
    const found = await misses(actors, { unsound: { serverIsolation: false } }, url.toString());
    expect(found[0]).toMatchObject({ actor: 0, touched: 'ran at repeatable read; the footprints assumed read committed' });
    expect(found[0]?.statement).toContain('SELECT id FROM other');
    expect(await misses(actors, {}, url.toString())).toEqual([]);
  });
});

describe('a session carried from one run into the next, with the reset switched off', () => {
  it('a SET default_transaction_isolation left by run 1 is seen as run 2 begins', async () => {
    const actors = [script('setter', ['SELECT id FROM other', "SET default_transaction_isolation = 'repeatable read'"]), script('other', ['UPDATE other SET id = 1 WHERE id = 1'])];
    const found = await misses(actors, { unsound: { sessionReset: false } });
    expect(found[0]).toMatchObject({ actor: 0, statement: '(the session as the run began)' });
    expect(found[0]?.touched).toContain('default_transaction_isolation=repeatable read');
    expect(await misses(actors)).toEqual([]);
  });
});
