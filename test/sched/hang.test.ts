// An exchange call that never answers ends the run as 'hang' (the engine's wall-clock safety net),
// and the scheduler, its sessions and the exchange serve the next run normally.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockExchange, serveMockExchange, type ServedMockExchange } from '../../bot/exchange/index.ts';
import { ExhaustiveStrategy, Scheduler, type ActorSpec } from '../../harness/sched/index.ts';
import { freshDatabase } from '../support/test-database.ts';
import { allRuns } from './sched-fixtures.ts';

describe('a hanging exchange call', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let served: ServedMockExchange;
  let scheduler: Scheduler;
  let mock: MockExchange;

  beforeAll(async () => {
    db = await freshDatabase();
    mock = new MockExchange({ prices: { APTUSDT: 10 }, clock: { now: () => scheduler.ambientClock.now(), sleep: (ms) => scheduler.ambientClock.sleep(ms) } });
    served = serveMockExchange(mock);
    scheduler = await Scheduler.connect({ databaseUrl: db.db.url, exchangeClient: (name) => served.client(name), hangTimeoutMs: 300 });
  });
  afterAll(async () => {
    await scheduler?.close();
    served?.close();
    await db?.close();
  });

  /** Opens a transaction, lists the exchange's positions inside it, then records the count. */
  const lister: ActorSpec = {
    name: 'lister',
    run: async ({ sql, exchange }) => {
      await sql.query('BEGIN');
      await sql.query('SELECT pg_advisory_xact_lock(42)');
      const positions = await exchange('binance').listPositions();
      await sql.query('COMMIT');
      return positions.length;
    },
  };
  /** Takes the same advisory lock: it only gets it if the hung actor's transaction is gone. */
  const locker: ActorSpec = {
    name: 'locker',
    run: async ({ sql }) => {
      await sql.query('BEGIN');
      await sql.query('SELECT pg_advisory_xact_lock(42)');
      await sql.query('COMMIT');
      return 'locked';
    },
  };

  it('ends the run as hang, then the next run on the same scheduler completes', async () => {
    mock.reset();
    mock.injectFault({ operation: 'listPositions', fault: { kind: 'hang' } });
    const [hung] = await allRuns(scheduler, [lister], new ExhaustiveStrategy({ budget: 1 }));
    expect(hung?.outcome).toBe('hang');
    expect(hung?.actors).toEqual([{ status: 'unfinished', state: 'running' }]);
    const last = hung?.trace.at(-1);
    expect(last).toMatchObject({ kind: 'exchange', label: 'listPositions', result: 'pending' });
    expect(hung?.trace.map((t) => t.kind)).toEqual(['sql', 'sql', 'exchange']);

    // The fault was used up; the hung actor's open transaction (and its advisory lock) is gone.
    mock.reset();
    const strategy = new ExhaustiveStrategy({ reduce: false });
    const runs = await allRuns(scheduler, [lister, locker], strategy);
    expect(strategy.stats().complete).toBe(true);
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) {
      expect(run.outcome).toBe('completed');
      expect(run.actors).toEqual([
        { status: 'ok', value: 0 },
        { status: 'ok', value: 'locked' },
      ]);
      expect(run.trace.find((t) => t.kind === 'exchange')?.result).toBe('positions=0');
    }
    // Where one held the advisory lock, the other waited on it and the schedule went on.
    expect(runs.some((r) => r.blockedSteps > 0)).toBe(true);
  });

  it('a hang in one actor stops the run even while another could go on', async () => {
    mock.reset();
    mock.injectFault({ operation: 'listPositions', fault: { kind: 'hang' } });
    const runs = await allRuns(scheduler, [lister, locker], new ExhaustiveStrategy({ budget: 1, reduce: false }));
    expect(runs.map((r) => r.outcome)).toEqual(['hang']);
    // Exhaustive picks the first actor first: the lister holds the lock and hangs; the locker never ran its steps.
    expect(runs[0]?.actors[0]).toEqual({ status: 'unfinished', state: 'running' });
    expect(runs[0]?.trace.map((t) => t.actor)).toEqual([0, 0, 0]);

    mock.reset();
    const [after] = await allRuns(scheduler, [locker, lister], new ExhaustiveStrategy({ budget: 1 }));
    expect(after?.outcome).toBe('completed');
    expect(after?.actors).toEqual([
      { status: 'ok', value: 'locked' },
      { status: 'ok', value: 0 },
    ]);
  });
});
