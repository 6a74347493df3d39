// The mock exchange's latency fault sleeps on the scheduler's virtual clock: the calling actor
// parks, waking it is a step of its own, and the delay costs virtual time, not wall time; over
// both exchange transports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockExchange, connectMockExchange, exchangeOfService, exchangeService, type ExchangeTransport, type MockExchangeConnection } from '../../exchange/index.ts';
import type { ExchangeClient } from '../../flow/index.ts';
import { ExhaustiveStrategy, Scheduler, type ActorSpec } from '../../../harness/sched/index.ts';
import { botDatabase } from '../support/bot-database.ts';
import { allRuns } from '../../../test/sched/sched-fixtures.ts';

describe.each(['http', 'direct'] as ExchangeTransport[])('exchange latency under the scheduler, over %s', (transport) => {
  let db: Awaited<ReturnType<typeof botDatabase>>;
  let served: MockExchangeConnection;
  let scheduler: Scheduler;
  let mock: MockExchange;

  beforeAll(async () => {
    db = await botDatabase();
    mock = new MockExchange({ prices: { APTUSDT: 10 }, clock: { now: () => scheduler.ambientClock.now(), sleep: (ms) => scheduler.ambientClock.sleep(ms) } });
    served = connectMockExchange(mock, transport);
    scheduler = await Scheduler.connect({ databaseUrl: db.db.url, services: (name) => exchangeService(served.client(exchangeOfService(name) ?? name)) });
  });
  afterAll(async () => {
    await scheduler?.close();
    served?.close();
    await db?.close();
  });

  const buyer: ActorSpec = {
    name: 'buyer',
    run: async ({ service, clock }) => {
      const order = await service<ExchangeClient>('exchange:binance').placeMarketOrder({ symbol: 'APTUSDT', side: 'buy', quantity: 1 });
      return { status: order.status, at: clock.now() };
    },
  };
  const reader: ActorSpec = { name: 'reader', run: async ({ sql }) => (await sql.query('SELECT 1')).rowCount };

  it('parks the caller until the engine wakes it, 60 s later in virtual time', async () => {
    const runs = await allRuns(scheduler, [buyer, reader], new ExhaustiveStrategy({ reduce: false }), async () => {
      mock.reset();
      mock.injectFault({ exchange: 'binance', operation: 'placeMarketOrder', fault: { kind: 'latency', ms: 60_000 } });
    });
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) {
      expect(run.outcome).toBe('completed');
      expect(run.virtualTime).toBe(60_000);
      const wake = run.trace.find((s) => s.kind === 'wake');
      expect(wake?.label).toBe('wake (latency)');
      expect(wake?.at).toBe(60_000);
      expect(run.actors[0]).toEqual({ status: 'ok', value: { status: 'filled', at: 60_000 } });
    }
    // The reader's step can come before or after the wake: the delay is a window others run in.
    const order = new Set(runs.map((r) => r.trace.map((s) => `${s.actor}${s.kind}`).join(',')));
    expect(order.size).toBe(runs.length);
  });

  it('parks whichever actor made the request: two buyers, each delayed, each woken on its own', async () => {
    const second: ActorSpec = { ...buyer, name: 'second buyer' };
    const runs = await allRuns(scheduler, [buyer, second], new ExhaustiveStrategy({ reduce: false }), async () => {
      mock.reset();
      mock.injectFault({ exchange: 'binance', operation: 'placeMarketOrder', times: 2, fault: { kind: 'latency', ms: 60_000 } });
    });
    expect(runs.length).toBeGreaterThan(1);
    // Both waiting at once (both woken at 60 s), and one after the other (the second at 120 s).
    expect(new Set(runs.map((r) => r.virtualTime))).toEqual(new Set([60_000, 120_000]));
    for (const run of runs) {
      expect(run.outcome).toBe('completed');
      // Each actor's trace: its request, then its own wake, 60 s after its request; it resumes then.
      for (const actor of [0, 1]) {
        const [request, wake] = run.trace.filter((s) => s.actor === actor);
        expect([request?.kind, wake?.kind]).toEqual(['service', 'wake']);
        expect(wake?.at).toBe((request?.at ?? Number.NaN) + 60_000);
        expect(run.actors[actor]).toEqual({ status: 'ok', value: { status: 'filled', at: wake?.at } });
      }
    }
  });
});
