// SQL-only actors on a real PostgreSQL: each step's rows or error recorded, declared `blocks`,
// `fails` and `returns` compared with the run, an unexpected error kept with what came before it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';
import {
  ExhaustiveStrategy,
  ReplayStrategy,
  Schedule,
  sqlActor,
  sqlActorRecords,
  sqlStepMismatches,
  type Scheduler,
  type SqlActorResult,
} from '../../harness/sched/index.ts';
import { freshDatabase } from '../support/test-database.ts';
import { allRuns, schedulerOn, useScheduler } from './sched-fixtures.ts';

describe('SQL-only actors', () => {
  const scheduler = useScheduler((client) => client.query('CREATE TABLE sql_actor_t (id int PRIMARY KEY, v int NOT NULL)').then(() => undefined));

  beforeEach(async () => {
    await scheduler.observer.query('DELETE FROM sql_actor_t; INSERT INTO sql_actor_t VALUES (1, 0)');
  });

  const a = sqlActor('A', ['BEGIN', 'UPDATE sql_actor_t SET v = v + 1 WHERE id = 1', 'COMMIT']);
  const b = sqlActor('B', [
    'BEGIN',
    { sql: 'UPDATE sql_actor_t SET v = v + 10 WHERE id = 1', name: 'bump', blocks: true },
    { sql: 'SELECT v FROM sql_actor_t WHERE id = 1', returns: [{ v: 11 }] },
    'COMMIT',
  ]);

  it('a step of two statements runs both and records the last one\'s rows (it used to end the actor with a TypeError)', async () => {
    const multi = sqlActor('M', [{ sql: 'UPDATE sql_actor_t SET v = v + 5 WHERE id = 1; SELECT v FROM sql_actor_t WHERE id = 1', returns: [{ v: 5 }] }]);
    const runs = await allRuns(scheduler, [multi], new ExhaustiveStrategy());
    expect(runs[0]?.actors[0]).toMatchObject({ status: 'ok' });
    const [record] = sqlActorRecords(runs[0]?.actors[0] ?? { status: 'unfinished', state: 'running' });
    expect(record).toMatchObject({ status: 'ok', rows: [{ v: 5 }], rowCount: 1 });
    expect(sqlStepMismatches(multi, 0, runs[0]?.actors[0] ?? { status: 'unfinished', state: 'running' }, runs[0]?.trace ?? [])).toEqual([]);
  });

  it('a step of several statements with parameters is refused before the run, with a typed error', async () => {
    const bad = sqlActor('P', [{ sql: 'UPDATE sql_actor_t SET v = $1 WHERE id = 1; SELECT 1', params: [3] }]);
    await expect(scheduler.run([bad], new ExhaustiveStrategy())).rejects.toMatchObject({ code: 'E_BAD_SCENARIO', message: expect.stringMatching(/P', step 1: several statements with parameters/) });
  });

  it('records each step, and a replayed schedule where B waits on A meets every declaration', async () => {
    // A: BEGIN, UPDATE; B: BEGIN, bump (waits on A); A: COMMIT; B: SELECT, COMMIT.
    const [run] = await allRuns(scheduler, [a, b], new ReplayStrategy(Schedule.parse('0x2-1x2-0-1x2')));
    expect(run?.outcome).toBe('completed');
    const bumped = run?.trace.find((t) => t.label === 'bump');
    expect(bumped?.waitedOn).toEqual([0]);
    expect(run?.actors[1]).toEqual({
      status: 'ok',
      value: {
        steps: [
          { step: 0, sql: 'BEGIN', status: 'ok', rows: [], rowCount: 0, truncated: false },
          { step: 1, sql: 'UPDATE sql_actor_t SET v = v + 10 WHERE id = 1', status: 'ok', rows: [], rowCount: 1, truncated: false },
          { step: 2, sql: 'SELECT v FROM sql_actor_t WHERE id = 1', status: 'ok', rows: [{ v: 11 }], rowCount: 1, truncated: false },
          { step: 3, sql: 'COMMIT', status: 'ok', rows: [], rowCount: 0, truncated: false },
        ],
      } satisfies SqlActorResult,
    });
    if (!run) throw new Error('no run');
    expect(sqlStepMismatches(b, 1, run.actors[1] ?? { status: 'unfinished', state: '' }, run.trace)).toEqual([]);
  });

  it('over every interleaving, `blocks` and `returns` are met exactly where B waited on A', async () => {
    const runs = await allRuns(scheduler, [a, b], new ExhaustiveStrategy({ reduce: false }), async () => {
      await scheduler.observer.query('UPDATE sql_actor_t SET v = 0');
    });
    expect(runs.length).toBeGreaterThan(2);
    let met = 0;
    for (const run of runs) {
      const waited = run.trace.some((t) => t.actor === 1 && t.label === 'bump' && t.waitedOn.length > 0);
      const problems = sqlStepMismatches(b, 1, run.actors[1] ?? { status: 'unfinished', state: '' }, run.trace);
      if (waited) {
        met++;
        expect(problems).toEqual([]);
      } else {
        expect(problems).toContain('B step 2 (bump): must wait on a lock but did not');
      }
      // B reads 11 unless A's increment had not committed yet when B read (it then reads 10).
      const read = sqlActorRecords(run.actors[1] ?? { status: 'unfinished', state: '' })[2];
      const v = read?.status === 'ok' ? read.rows[0]?.['v'] : undefined;
      expect(problems.some((p) => p.includes('must return')), `B read ${String(v)}`).toBe(v !== 11);
    }
    expect(met).toBeGreaterThan(0);
  });

  it('a step that fails as declared lets the actor go on and end ok; an undeclared failure ends it with its SQLSTATE and what it did', async () => {
    const expected = sqlActor('expected', [{ sql: 'INSERT INTO sql_actor_t VALUES (1, 5)', fails: '23505' }, { sql: 'SELECT v FROM sql_actor_t', returns: [{ v: '0' }] }]);
    const unexpected = sqlActor('unexpected', ['BEGIN', 'SELECT 1 / 0 AS boom', 'SELECT 1 AS one', 'ROLLBACK']);
    const [run] = await allRuns(scheduler, [expected, unexpected], new ReplayStrategy(Schedule.parse('0x2-1x4')));
    if (!run) throw new Error('no run');
    expect(run.actors[0]?.status).toBe('ok');
    expect(sqlActorRecords(run.actors[0] ?? { status: 'unfinished', state: '' }).map((r) => (r.status === 'ok' ? 'ok' : r.sqlState))).toEqual(['23505', 'ok']);
    expect(sqlStepMismatches(expected, 0, run.actors[0] ?? { status: 'unfinished', state: '' }, run.trace)).toEqual([]);

    const ended = run.actors[1];
    expect(ended).toMatchObject({ status: 'error', sqlState: '22012' });
    // Like the isolation tester, the actor went on: the next statement met the aborted transaction.
    expect(sqlActorRecords(ended ?? { status: 'unfinished', state: '' }).map((r) => (r.status === 'ok' ? 'ok' : r.sqlState))).toEqual(['ok', '22012', '25P02', 'ok']);
    expect(run.trace.map((t) => t.result)).toEqual(['ERR 23505', 'rows=1', 'ok', 'ERR 22012', 'ERR 25P02', 'ok']);
  });

  it('reports each declaration the run did not meet', async () => {
    const wrong = sqlActor('W', [
      { sql: 'SELECT 1 AS one', fails: '40001' },
      { sql: 'SELECT 1 / 0', fails: '40' },
      { sql: 'SELECT 2 AS two', returns: [{ two: 3 }] },
      { sql: 'SELECT 2 AS two', blocks: true },
    ]);
    const [run] = await allRuns(scheduler, [wrong], new ReplayStrategy(Schedule.parse('0x4')));
    if (!run) throw new Error('no run');
    expect(sqlStepMismatches(wrong, 0, run.actors[0] ?? { status: 'unfinished', state: '' }, run.trace)).toEqual([
      'W step 1 (SELECT 1 AS one): must fail with 40001 but succeeded',
      'W step 2 (SELECT 1 / 0): must fail with 40 but failed with 22012: division by zero',
      'W step 3 (SELECT 2 AS two): must return [{"two":"3"}] but returned [{"two":"2"}]',
      'W step 4 (SELECT 2 AS two): must wait on a lock but did not',
    ]);
  });

  it('keeps at most SQL_ACTOR_ROW_CAP rows of a step and says it truncated them', async () => {
    const many = sqlActor('many', ['SELECT g FROM generate_series(1, 150) AS g']);
    const [run] = await allRuns(scheduler, [many], new ReplayStrategy(Schedule.parse('0')));
    const [rec] = sqlActorRecords(run?.actors[0] ?? { status: 'unfinished', state: '' });
    expect(rec?.status === 'ok' && [rec.rows.length, rec.rowCount, rec.truncated]).toEqual([100, 150, true]);
  });

  it('refuses an unknown SQLSTATE class or a malformed code when the actor is declared', () => {
    expect(() => sqlActor('x', [{ sql: 'SELECT 1', fails: 'ZZ001' }])).toThrow(/unknown SQLSTATE class 'ZZ'/);
    expect(() => sqlActor('x', ['SELECT 1'], { allowedErrors: ['4000'] })).toThrow(HarnessError);
    expect(() => sqlActor('x', [])).toThrow(/no steps/);
    expect(sqlActor('x', ['SELECT 1'], { allowedErrors: ['40', '40P01'] }).allowedErrors).toEqual(['40', '40P01']);
  });
});

describe('a SQL actor stopped by the end of its run', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let scheduler: Scheduler;
  beforeAll(async () => {
    db = await freshDatabase();
    scheduler = await schedulerOn(db.db.url, { hangTimeoutMs: 300 });
  });
  afterAll(async () => {
    await scheduler?.close();
    await db?.close();
  });

  it('ends unfinished with what it had read', async () => {
    // A lock held outside the run (by the observer): the actor's second step never returns.
    await scheduler.observer.query('SELECT pg_advisory_lock(7)');
    try {
      const stuck = sqlActor('stuck', ['SELECT 41 + 1 AS answer', 'SELECT pg_advisory_lock(7)', 'SELECT 1']);
      const [run] = await allRuns(scheduler, [stuck], new ExhaustiveStrategy({ budget: 1 }));
      expect(run?.outcome).toBe('hang');
      expect(run?.actors[0]).toMatchObject({ status: 'unfinished' });
      const records = sqlActorRecords(run?.actors[0] ?? { status: 'unfinished', state: '' });
      expect(records[0]).toMatchObject({ status: 'ok', rows: [{ answer: 42 }] });
      // The engine cancelled the statement left on the wire; nothing ran after it.
      expect(records.slice(1)).toMatchObject([{ status: 'error', sqlState: '57014' }]);
    } finally {
      await scheduler.observer.query('SELECT pg_advisory_unlock_all()');
    }
  });
});
