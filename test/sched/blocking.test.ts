// Lock waits as PostgreSQL reports them: an actor blocked on another's row lock is detected and the
// schedule goes on; a lock-order cycle ends as a 'deadlock' run and leaves the sessions usable.
import { beforeEach, describe, expect, it } from 'vitest';
import { ExhaustiveStrategy, ReplayStrategy, Schedule, type ScheduleRun, type Strategy } from '../../harness/sched/index.ts';
import { allRuns, sqlActor, useScheduler } from './sched-fixtures.ts';

describe('blocked steps and deadlocks on a real PostgreSQL', () => {
  const scheduler = useScheduler((client) => client.query('CREATE TABLE sched_t (id int PRIMARY KEY, v int NOT NULL)').then(() => undefined));

  beforeEach(async () => {
    await resetTable();
  });

  async function resetTable(): Promise<void> {
    await scheduler.observer.query('DELETE FROM sched_t; INSERT INTO sched_t VALUES (1, 0), (2, 0)');
  }

  /** The rows as the observer sees them after a run. */
  async function values(): Promise<number[]> {
    const r = await scheduler.observer.query<{ v: number }>('SELECT v FROM sched_t ORDER BY id');
    return r.rows.map((x) => x.v);
  }

  const bump = (name: string, v: number) => sqlActor(name, ['BEGIN', `UPDATE sched_t SET v = v + ${v} WHERE id = 1`, 'COMMIT']);

  it('one row lock, two actors: every run completes, and B waits on A where A holds the lock', async () => {
    const actors = [bump('A', 1), bump('B', 10)];
    const strategy = new ExhaustiveStrategy({ reduce: false });
    const runs = await allRuns(scheduler, actors, strategy, resetTable);
    expect(strategy.stats().complete).toBe(true);
    for (const run of runs) {
      expect(run.outcome).toBe('completed');
      expect(run.actors).toEqual([
        { status: 'ok', value: 3 },
        { status: 'ok', value: 3 },
      ]);
    }
    const blocked = runs.filter((r) => r.blockedSteps > 0);
    expect(blocked.length).toBeGreaterThan(0);
    for (const run of blocked) {
      const waits = run.trace.filter((t) => t.waitedOn.length > 0);
      expect(waits).toHaveLength(run.blockedSteps);
      for (const w of waits) {
        // The waiter's UPDATE waited on the other actor, and finished once that one committed.
        expect(w.detail).toMatch(/^UPDATE/);
        expect(w.waitedOn).toEqual([1 - w.actor]);
        expect(w.result).toBe('rows=1');
        const commit = run.trace.find((t) => t.actor === 1 - w.actor && t.detail === 'COMMIT');
        expect(commit && commit.step > w.step).toBe(true);
      }
    }
    // B blocked on A in the interleavings where A updates first and B's UPDATE comes before A's COMMIT.
    const bWaitedOnA = blocked.find((r) => r.trace.some((t) => t.actor === 1 && t.waitedOn.includes(0)));
    expect(bWaitedOnA).toBeDefined();
    // Of the 20 orders of two free 3-step actors, the lock rules out the 6 where both UPDATEs come
    // before either COMMIT and the waiter commits first (3 placements of the waiter's BEGIN, ×2).
    expect(runs).toHaveLength(14);
  });

  it('the blocked schedule replays to the same trace and the same final row', async () => {
    const actors = [bump('A', 1), bump('B', 10)];
    // A: BEGIN, UPDATE; B: BEGIN, UPDATE (waits on A); A: COMMIT; B: COMMIT (its UPDATE returned meanwhile).
    const schedule = Schedule.parse('0x2-1x2-0-1');
    const runs: ScheduleRun[] = [];
    for (let i = 0; i < 2; i++) {
      await resetTable();
      runs.push(...(await allRuns(scheduler, actors, new ReplayStrategy(schedule))));
      expect(await values()).toEqual([11, 0]);
    }
    const [first, second] = runs as [ScheduleRun, ScheduleRun];
    expect(first.outcome).toBe('completed');
    expect(first.blockedSteps).toBe(1);
    expect(first.trace[3]).toMatchObject({ actor: 1, detail: 'UPDATE sched_t SET v = v + 10 WHERE id = 1', waitedOn: [0], result: 'rows=1' });
    expect(second.trace).toEqual(first.trace);
  });

  it('a session-level advisory lock held outside any transaction blocks too, and PostgreSQL says so', async () => {
    // No transaction is open when the second lock waits: the engine polls later then, never not at all.
    const actors = [sqlActor('A', ['SELECT pg_advisory_lock(7)', 'SELECT pg_advisory_unlock(7)']), sqlActor('B', ['SELECT pg_advisory_lock(7)', 'SELECT pg_advisory_unlock(7)'])];
    const strategy = new ExhaustiveStrategy({ reduce: false });
    const runs = await allRuns(scheduler, actors, strategy);
    expect(strategy.stats().complete).toBe(true);
    expect(runs.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // A lock, B lock (waits on A), A unlock, B unlock; and the same with the roles swapped.
    const waits = runs.flatMap((r) => r.trace.filter((t) => t.waitedOn.length > 0).map((t) => [r.schedule.toString(), t.actor, t.waitedOn]));
    expect(waits).toEqual([
      ['0-1-0-1', 1, [0]],
      ['1-0-1-0', 0, [1]],
    ]);
  });

  it('a lock-order cycle ends as deadlock (40P01 on one actor), and later runs on the same sessions complete', async () => {
    const ab = sqlActor('A', ['BEGIN', 'UPDATE sched_t SET v = v + 1 WHERE id = 1', 'UPDATE sched_t SET v = v + 1 WHERE id = 2', 'COMMIT']);
    const ba = sqlActor('B', ['BEGIN', 'UPDATE sched_t SET v = v + 10 WHERE id = 2', 'UPDATE sched_t SET v = v + 10 WHERE id = 1', 'COMMIT']);
    const strategy: Strategy = new ExhaustiveStrategy({ reduce: false });
    const finals: number[][] = [];
    const runs: ScheduleRun[] = [];
    while (strategy.beginRun()) {
      await resetTable();
      const run = await scheduler.run([ab, ba], strategy);
      strategy.endRun(run.schedule.choices.length);
      runs.push(run);
      finals.push(await values());
    }
    expect(strategy.stats().complete).toBe(true);
    const outcomes = runs.map((r) => r.outcome);
    expect(outcomes.every((o) => o === 'completed' || o === 'deadlock')).toBe(true);
    // 30 schedules: in 12 both hold their first row when they ask for their second (the cycle);
    // in the other 18 one takes both rows before the other asks for its first.
    expect(outcomes.filter((o) => o === 'deadlock')).toHaveLength(12);
    expect(outcomes).toHaveLength(30);
    const firstDeadlock = outcomes.indexOf('deadlock');
    expect(firstDeadlock).toBeGreaterThanOrEqual(0);
    // Sessions left mid-transaction by the victim are rolled back: runs after a deadlock complete.
    expect(outcomes.slice(firstDeadlock + 1)).toContain('completed');

    runs.forEach((run, i) => {
      if (run.outcome === 'deadlock') {
        const victims = run.actors.filter((a) => a.status === 'error');
        expect(victims).toHaveLength(1);
        expect(victims[0]).toMatchObject({ status: 'error', sqlState: '40P01' });
        // The survivor committed both of its updates; the victim's were rolled back.
        expect(run.actors.filter((a) => a.status === 'ok')).toHaveLength(1);
        const survivor = run.actors.findIndex((a) => a.status === 'ok');
        expect(finals[i]).toEqual(survivor === 0 ? [1, 1] : [10, 10]);
        expect(run.blockedSteps).toBeGreaterThan(0);
        expect(run.trace.some((t) => t.result === 'ERR 40P01')).toBe(true);
      } else {
        expect(run.actors.every((a) => a.status === 'ok')).toBe(true);
        expect(finals[i]).toEqual([11, 11]);
      }
    });
  });
});
