// The APTUSDT duplicate (Scenario B) reproduced deterministically: Sync runs while Signal sits in its
// 3 s settlement sleep, imports the position a second time, and Signal's final UPDATE hits 23505.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AtomicPositionError,
  BASELINE_POLICY,
  OPEN_STATUSES,
  createPositionBot,
  type BotPolicy,
  type ExchangeClient,
  type OpenedPosition,
} from '../../flow/index.ts';
import { MockExchange, serveMockExchange, type ServedMockExchange } from '../../exchange/index.ts';
import { ManualClock, type PendingSleep } from './controlled-clocks.ts';
import { usePositionDatabase } from './position-database.ts';

const aptSignal = { symbol: 'APTUSDT', side: 'long', quantity: 10, stopLossPercent: 0.02 } as const;

describe('APTUSDT duplicate: Signal + Sync during the settlement sleep', () => {
  const db = usePositionDatabase();
  let served: ServedMockExchange;
  let exchange: ExchangeClient;
  let clock: ManualClock;

  beforeEach(async () => {
    served = serveMockExchange(new MockExchange({ prices: { APTUSDT: 8.5 } }));
    exchange = served.client('binance');
    clock = new ManualClock();
  });
  afterEach(() => {
    served.close();
  });

  /** Starts Signal and returns once it is asleep in its settlement wait (or fails if it ends first). */
  async function signalInSettlementSleep(policy: BotPolicy): Promise<{ signal: Promise<OpenedPosition>; sleep: PendingSleep; bot: ReturnType<typeof createPositionBot> }> {
    const bot = createPositionBot({ sql: db.sql, exchange, clock, policy });
    const signal = bot.manager.openPositionAtomic(aptSignal);
    const sleep = await Promise.race([
      clock.nextSleep(),
      signal.then(() => {
        throw new Error('Signal finished before it reached its settlement sleep');
      }),
    ]);
    expect(sleep).toMatchObject({ ms: 3000, label: 'settlement sleep' });
    return { signal, sleep, bot };
  }

  it('baseline: two open rows while Signal sleeps, then Signal fails its final UPDATE with 23505 and rolls back', async () => {
    const { signal, sleep, bot } = await signalInSettlementSleep(BASELINE_POLICY);

    // Signal has placed its entry and sits in 'entry_placed', outside the partial index.
    expect((await db.openRows('APTUSDT', 'binance')).map((r) => [r.id, r.status, r.exchangeOrderId])).toEqual([[1, 'entry_placed', 'binance-1']]);
    expect(served.mock.positions('binance')).toEqual([{ symbol: 'APTUSDT', side: 'long', quantity: 10, entryPrice: 8.5 }]);

    // Sync runs to completion: getOpenPosition sees only 'active' (Problem #6), createPosition checks
    // only 'active' (Problem #2), so it imports the Signal's own position as a second row.
    const report = await bot.synchronizer.sync(exchange);
    expect(report).toEqual({ imported: [2], closed: [], skipped: [] });
    expect((await db.openRows('APTUSDT', 'binance')).map((r) => [r.id, r.status])).toEqual([
      [1, 'entry_placed'],
      [2, 'active'],
    ]);

    sleep.release();
    const error = await signal.catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AtomicPositionError);
    expect(error).toMatchObject({ symbol: 'APTUSDT', positionId: 1 });
    expect((error as Error).message).toMatch(/failed at pending_sl/);
    expect((error as AtomicPositionError).cause).toMatchObject({ code: '23505', constraint: 'idx_unique_active_position' });
    expect((error as Error).message).toContain('duplicate key value violates unique constraint "idx_unique_active_position"');

    // Final state, as in production: Signal's row is rolled back; Sync's imported row stays 'active'
    // with no stop-loss, while Signal's rollback closed the real position and cancelled its stop. The
    // database now claims an unprotected APTUSDT position the exchange no longer holds.
    const rows = await db.rows('APTUSDT', 'binance');
    expect(rows.map((r) => [r.id, r.status, r.hasStopLoss, r.closed])).toEqual([
      [1, 'rolled_back', false, true],
      [2, 'active', false, false],
    ]);
    expect(rows[0]?.exitReason).toMatch(/^rollback: 23505 duplicate key value violates unique constraint "idx_unique_active_position"/);
    expect((await db.history(1)).map((h) => h.to)).toEqual(['pending_entry', 'entry_placed', 'pending_sl', 'rolled_back']);
    expect(served.mock.positions('binance')).toEqual([]);
    expect(served.mock.openStopOrders('binance')).toEqual([]);
    expect(served.mock.orders('binance').map((o) => [o.type, o.side, o.status, o.reduceOnly])).toEqual([
      ['market', 'buy', 'filled', false],
      ['stop_market', 'sell', 'cancelled', true],
      ['market', 'sell', 'filled', true],
    ]);

    // Only the next Sync pass notices the orphan and closes it.
    expect(await bot.synchronizer.sync(exchange)).toEqual({ imported: [], closed: [2], skipped: [] });
    expect(await db.openRows('APTUSDT', 'binance')).toEqual([]);
  });

  it('createCheckStatuses and openLookupStatuses = OPEN_STATUSES: Sync sees the row, one open row, Signal succeeds', async () => {
    const policy: BotPolicy = { ...BASELINE_POLICY, createCheckStatuses: OPEN_STATUSES, openLookupStatuses: OPEN_STATUSES };
    const { signal, sleep, bot } = await signalInSettlementSleep(policy);
    expect((await db.openRows('APTUSDT', 'binance')).map((r) => [r.id, r.status])).toEqual([[1, 'entry_placed']]);

    const report = await bot.synchronizer.sync(exchange);
    expect(report).toEqual({ imported: [], closed: [], skipped: [] });
    expect((await db.openRows('APTUSDT', 'binance')).map((r) => [r.id, r.status])).toEqual([[1, 'entry_placed']]);

    sleep.release();
    await expect(signal).resolves.toEqual({ positionId: 1, entryOrderId: 'binance-1', stopLossOrderId: 'binance-2' });

    expect(await db.rows('APTUSDT', 'binance')).toEqual([
      expect.objectContaining({ id: 1, status: 'active', quantity: 10, hasStopLoss: true, stopLossPrice: 8.33 }),
    ]);
    expect(served.mock.positions('binance')).toEqual([{ symbol: 'APTUSDT', side: 'long', quantity: 10, entryPrice: 8.5 }]);
    expect(served.mock.openStopOrders('binance', 'APTUSDT')).toHaveLength(1);
  });

  it('createCheckStatuses = OPEN_STATUSES alone also stops the duplicate, but Sync reports the Signal row as imported', async () => {
    const policy: BotPolicy = { ...BASELINE_POLICY, createCheckStatuses: OPEN_STATUSES };
    const { signal, sleep, bot } = await signalInSettlementSleep(policy);

    // getOpenPosition still misses 'entry_placed', so Sync calls createPosition, which now returns row 1.
    expect(await bot.synchronizer.sync(exchange)).toEqual({ imported: [1], closed: [], skipped: [] });
    expect(await db.rows('APTUSDT', 'binance')).toHaveLength(1);

    sleep.release();
    await expect(signal).resolves.toMatchObject({ positionId: 1 });
    expect((await db.openRows('APTUSDT', 'binance')).map((r) => [r.id, r.status])).toEqual([[1, 'active']]);
  });
});
