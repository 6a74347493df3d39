// Identical sessions at the start of every run: whatever a run leaves in an actor's session
// (settings, SET ROLE, search_path, prepared statements, temporary tables, cursors WITH HOLD,
// LISTEN, session advisory locks) is gone before the next, so the session state seen by run 1 and
// run N is the same, PREPARE does not fail with 42P05 in later runs, a schedule replayed after
// other runs gives the same trace, and a SET default_transaction_isolation does not carry over.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { ExhaustiveStrategy, ReplayStrategy, sqlActor, type ActorSpec, type ScheduleRun, type SqlActorResult } from '../../harness/sched/index.ts';
import { allRuns, useScheduler } from './sched-fixtures.ts';

const ROLE = `prh_reset_${process.pid}`;

// Cursors by name, prepared statements but the harness's: a statement sent outside a block runs in
// the extended protocol with a read of its locks (the harness's prepared prh_own_locks_N) before
// its commit, and pg_cursors lists its unnamed portal while it runs.
const SESSION_STATE = `SELECT current_user AS "user", session_user AS "session", current_setting('search_path') AS search_path,
  current_setting('default_transaction_isolation') AS isolation, current_setting('work_mem') AS work_mem,
  (SELECT count(*)::int FROM pg_prepared_statements WHERE name NOT LIKE 'prh\_own\_locks%') AS prepared, (SELECT count(*)::int FROM pg_cursors WHERE name <> '') AS cursors,
  (SELECT count(*)::int FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS temp_relations,
  (SELECT count(*)::int FROM pg_listening_channels()) AS listening,
  (SELECT count(*)::int FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory') AS advisory_locks,
  (SELECT json_agg(name ORDER BY name) FROM pg_settings WHERE source = 'session')::text AS session_settings`;

/** Reads its session's state first, then leaves everything it can behind. */
const dirtier: ActorSpec = {
  name: 'dirtier',
  run: async ({ sql }) => {
    const before = (await sql.query(SESSION_STATE)).rows[0];
    for (const text of [
      "SET work_mem = '7MB'",
      "SET default_transaction_isolation = 'serializable'",
      'SET search_path = pg_temp, public',
      'PREPARE leftover AS SELECT 1',
      'CREATE TEMP TABLE leftover_temp (x int)',
      'BEGIN; DECLARE leftover_cursor CURSOR WITH HOLD FOR SELECT 1; COMMIT',
      'LISTEN leftover_channel',
      'SELECT pg_advisory_lock(4242)',
      `SET ROLE ${ROLE}`,
    ]) {
      await sql.query(text);
    }
    const after = (await sql.query(SESSION_STATE)).rows[0];
    return { before, after };
  },
};

describe('every run starts from the same session state', () => {
  const scheduler = useScheduler(async (db) => {
    await db.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await db.query(`CREATE ROLE ${ROLE}`);
    await db.query('CREATE TABLE kv (k int PRIMARY KEY, v int NOT NULL)');
  });
  afterAll(async () => {
    await scheduler.observer.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
  });

  it('the session state at the start of run 1 and of run 3 is the same, although every run dirtied it', async () => {
    const runs: ScheduleRun[] = [];
    for (let i = 0; i < 3; i++) {
      const strategy = new ExhaustiveStrategy({ budget: 1 });
      strategy.beginRun();
      runs.push(await scheduler.run([dirtier], strategy));
    }
    const values = runs.map((r) => (r.actors[0]?.status === 'ok' ? (r.actors[0].value as { before: unknown; after: Record<string, unknown> }) : null));
    expect(values.every((v) => v !== null), JSON.stringify(runs.map((r) => r.actors[0]))).toBe(true);
    // The run really dirtied its session...
    expect(values[0]?.after).toMatchObject({ user: ROLE, work_mem: '7MB', isolation: 'serializable', prepared: 1, cursors: 1, temp_relations: 1, listening: 1, advisory_locks: 1 });
    // ... and the next runs did not see it.
    expect(values[2]?.before).toEqual(values[0]?.before);
    expect(values[1]?.before).toEqual(values[0]?.before);
  });

  it('a schedule replayed after other runs gives the same trace as when it was first run', async () => {
    const actors = [
      { name: 'a', run: async ({ sql }) => [(await sql.query('PREPARE p AS SELECT v FROM kv WHERE k = 1')).rowCount, (await sql.query('EXECUTE p')).rows, (await sql.query('UPDATE kv SET v = v + 1 WHERE k = 1')).rowCount] },
      { name: 'b', run: async ({ sql }) => [(await sql.query("SET default_transaction_isolation = 'repeatable read'")).rowCount, (await sql.query('UPDATE kv SET v = v * 2 WHERE k = 1')).rowCount] },
    ] satisfies ActorSpec[];
    const reset = async () => {
      await scheduler.observer.query('DELETE FROM kv; INSERT INTO kv VALUES (1, 1)');
    };
    const runs = await allRuns(scheduler, actors, new ExhaustiveStrategy({ reduce: false }), reset);
    expect(runs.length).toBeGreaterThan(2);
    const first = runs[0] as ScheduleRun;
    await reset();
    const replayed = await scheduler.run(actors, new ReplayStrategy(first.schedule));
    const comparable = (r: ScheduleRun) => r.trace.map(({ actor, label, result, waitedOn }) => ({ actor, label, result, waitedOn: [...waitedOn] }));
    expect(comparable(replayed)).toEqual(comparable(first));
    expect(replayed.actors).toEqual(first.actors);
    expect(runs.every((r) => r.actors.every((a) => a.status === 'ok')), JSON.stringify(runs.map((r) => r.actors))).toBe(true);
  });
});

describe('through the public API', () => {
  let server: StartedPostgres;
  beforeAll(async () => {
    server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
  });
  afterAll(async () => {
    await server.stop();
  });

  async function cell(scenario: Scenario, reduce: boolean): Promise<CellResult> {
    const result = await runMatrix({ scenarios: [scenario], strategy: 'exhaustive', strategyOptions: { budget: 100, seed: 1, depth: 2, reduce }, workers: 1, server });
    const c = result.cells[0] as CellResult;
    expect(c.error, c.error).toBeUndefined();
    expect(c.coverage.complete).toBe(true);
    return c;
  }

  const prepared = defineScenario({
    name: 'prepare-every-run',
    schema: 'CREATE TABLE kv (k int PRIMARY KEY, v int NOT NULL)',
    setup: ({ sql }) => sql('INSERT INTO kv VALUES (1, 0)'),
    actors: [sqlActor('preparer', ['PREPARE bump AS UPDATE kv SET v = v + 1 WHERE k = 1', 'EXECUTE bump']), sqlActor('doubler', ['UPDATE kv SET v = v * 2 WHERE k = 1'])],
  });

  it('an actor that runs PREPARE holds in every run (no 42P05 from an earlier run)', async () => {
    const c = await cell(prepared, true);
    expect(c.measured, JSON.stringify(c.counterexample?.violations)).toBe('holds');
    expect(c.schedules).toBeGreaterThan(1);
  });

  // UNLISTEN takes effect when its transaction ends: a session's state read in the same query as
  // the reset still lists the channel, and the search would be voided for a change no run sees.
  it('an actor that LISTENs leaves no channel to the next run, and the search is proven', async () => {
    const listener = defineScenario({
      name: 'listen-every-run',
      schema: 'CREATE TABLE kv (k int PRIMARY KEY, v int NOT NULL)',
      setup: ({ sql }) => sql('INSERT INTO kv VALUES (1, 0)'),
      actors: [sqlActor('listener', ['LISTEN news', 'UPDATE kv SET v = v + 1 WHERE k = 1']), sqlActor('doubler', ['UPDATE kv SET v = v * 2 WHERE k = 1'])],
    });
    const c = await cell(listener, true);
    expect(c.verdict, c.verdictReason).toBe('proven');
  });

  /** Under READ COMMITTED the reader sees a write committed before its SELECT; a carried-over REPEATABLE READ would not. */
  const carried = defineScenario({
    name: 'isolation-carry-over',
    schema: 'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); CREATE TABLE other (id int PRIMARY KEY)',
    setup: async ({ sql }) => {
      await sql('INSERT INTO counter VALUES (1, 0)');
      await sql('INSERT INTO other VALUES (1)');
    },
    actors: [
      sqlActor('reader', ['BEGIN', 'SELECT id FROM other', 'SELECT n FROM counter WHERE id = 1', 'COMMIT', "SET default_transaction_isolation = 'repeatable read'"]),
      sqlActor('writer', ['UPDATE counter SET n = 1 WHERE id = 1']),
    ],
    check: ({ trace, results }) => {
      const write = trace.findIndex((t) => t.actor === 1);
      const read = trace.findIndex((t) => t.actor === 0 && t.label.startsWith('SELECT n'));
      const step = (results['reader'] as SqlActorResult | undefined)?.steps[2];
      const saw = step?.status === 'ok' ? Number(step.rows[0]?.['n']) : null;
      return write < read && saw === 0 ? 'the reader missed a write committed before its read (a REPEATABLE READ carried over from an earlier run)' : undefined;
    },
  });

  it.each([true, false])('a SET default_transaction_isolation at the end of a run does not carry over (reduce = %s)', async (reduce) => {
    const c = await cell(carried, reduce);
    expect(c.measured, JSON.stringify(c.counterexample?.violations)).toBe('holds');
  });
});
