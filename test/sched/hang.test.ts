// A service call that never answers ends the run as 'hang' (the engine's wall-clock safety net),
// and the scheduler, its sessions and the service serve the next run normally.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceDefinition } from '../../harness/ports/index.ts';
import { ExhaustiveStrategy, Scheduler, type ActorSpec } from '../../harness/sched/index.ts';
import { freshDatabase } from '../support/test-database.ts';
import { allRuns } from './sched-fixtures.ts';

/** An outside inventory service whose next `list` can be told to never answer. */
class Inventory {
  hangNext = false;
  list(): Promise<readonly string[]> {
    if (!this.hangNext) return Promise.resolve([]);
    this.hangNext = false;
    return new Promise(() => undefined);
  }
}

describe('a hanging service call', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let scheduler: Scheduler;
  const inventory = new Inventory();
  const service: ServiceDefinition<Inventory> = { client: inventory, access: () => ({ reads: ['items'] }), result: (_op, v) => `items=${(v as readonly string[]).length}` };

  beforeAll(async () => {
    db = await freshDatabase();
    scheduler = await Scheduler.connect({ databaseUrl: db.db.url, services: (name) => (name === 'inventory' ? service : undefined), hangTimeoutMs: 300 });
  });
  afterAll(async () => {
    await scheduler?.close();
    await db?.close();
  });

  /** Opens a transaction, lists the inventory inside it, then records the count. */
  const lister: ActorSpec = {
    name: 'lister',
    run: async ({ sql, service: svc }) => {
      await sql.query('BEGIN');
      await sql.query('SELECT pg_advisory_xact_lock(42)');
      const items = await svc<Inventory>('inventory').list();
      await sql.query('COMMIT');
      return items.length;
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
    inventory.hangNext = true;
    const [hung] = await allRuns(scheduler, [lister], new ExhaustiveStrategy({ budget: 1 }));
    expect(hung?.outcome).toBe('hang');
    expect(hung?.actors).toEqual([{ status: 'unfinished', state: 'running' }]);
    const last = hung?.trace.at(-1);
    expect(last).toMatchObject({ kind: 'service', label: 'list', result: 'pending' });
    expect(hung?.trace.map((t) => t.kind)).toEqual(['sql', 'sql', 'service']);

    // The hung actor's open transaction (and its advisory lock) is gone.
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
      expect(run.trace.find((t) => t.kind === 'service')?.result).toBe('items=0');
    }
    // Where one held the advisory lock, the other waited on it and the schedule went on.
    expect(runs.some((r) => r.blockedSteps > 0)).toBe(true);
  });

  it('a hang in one actor stops the run even while another could go on', async () => {
    inventory.hangNext = true;
    const runs = await allRuns(scheduler, [lister, locker], new ExhaustiveStrategy({ budget: 1, reduce: false }));
    expect(runs.map((r) => r.outcome)).toEqual(['hang']);
    // Exhaustive picks the first actor first: the lister holds the lock and hangs; the locker never ran its steps.
    expect(runs[0]?.actors[0]).toEqual({ status: 'unfinished', state: 'running' });
    expect(runs[0]?.trace.map((t) => t.actor)).toEqual([0, 0, 0]);

    const [after] = await allRuns(scheduler, [locker, lister], new ExhaustiveStrategy({ budget: 1 }));
    expect(after?.outcome).toBe('completed');
    expect(after?.actors).toEqual([
      { status: 'ok', value: 'locked' },
      { status: 'ok', value: 0 },
    ]);
  });

  it('an unknown service is an error naming it, and the run goes on to its end', async () => {
    const asker: ActorSpec = { name: 'asker', run: ({ service: svc }) => svc<Inventory>('payments').list() };
    const [run] = await allRuns(scheduler, [asker], new ExhaustiveStrategy({ budget: 1 }));
    expect(run?.actors[0]).toMatchObject({ status: 'error', message: expect.stringContaining("service 'payments'") });
  });
});
