// openPositionAtomic against a real PostgreSQL and the msw mock exchange: the happy path ends with
// one protected 'active' row matching the exchange; a rejected stop-loss rolls back both sides.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AtomicPositionError,
  BASELINE_POLICY,
  ExchangeRequestError,
  createPositionBot,
  type BotPolicy,
  type ExchangeClient,
} from '../../flow/index.ts';
import { MockExchange, serveMockExchange, type ServedMockExchange } from '../../exchange/index.ts';
import { InstantClock } from './controlled-clocks.ts';
import { usePositionDatabase } from './position-database.ts';

const btcLong = { symbol: 'BTCUSDT', side: 'long', quantity: 2, stopLossPercent: 0.02 } as const;

describe('AtomicPositionManager.openPositionAtomic', () => {
  const db = usePositionDatabase();
  let served: ServedMockExchange;
  let exchange: ExchangeClient;
  let clock: InstantClock;

  beforeEach(async () => {
    served = serveMockExchange(new MockExchange({ prices: { BTCUSDT: 100, ETHUSDT: 50 } }));
    exchange = served.client('binance');
    clock = new InstantClock();
  });
  afterEach(() => {
    served.close();
  });

  const botWith = (policy: BotPolicy = BASELINE_POLICY) => createPositionBot({ sql: db.sql, exchange, clock, policy });

  it("happy path: one 'active' row with its stop-loss, matching the exchange position and one open stop order", async () => {
    const opened = await botWith().manager.openPositionAtomic(btcLong);

    expect(opened).toEqual({ positionId: 1, entryOrderId: 'binance-1', stopLossOrderId: 'binance-2' });
    const rows = await db.rows();
    expect(rows).toEqual([
      {
        id: 1,
        symbol: 'BTCUSDT',
        exchange: 'binance',
        side: 'long',
        quantity: 2,
        entryPrice: 100,
        status: 'active',
        exchangeOrderId: 'binance-1',
        stopLossPrice: 98,
        hasStopLoss: true,
        exitReason: null,
        closed: false,
      },
    ]);
    expect((await db.history(1)).map((h) => h.to)).toEqual(['pending_entry', 'entry_placed', 'pending_sl', 'active']);

    const positions = served.mock.positions('binance');
    expect(positions).toEqual([{ symbol: 'BTCUSDT', side: 'long', quantity: 2, entryPrice: 100 }]);
    expect(positions[0]?.quantity).toBe(rows[0]?.quantity);
    expect(served.mock.openStopOrders('binance')).toEqual([
      expect.objectContaining({ orderId: 'binance-2', symbol: 'BTCUSDT', side: 'sell', quantity: 2, stopPrice: 98, reduceOnly: true }),
    ]);
    // Problem #5: the baseline waits a fixed 3 s for settlement, once.
    expect(clock.sleeps).toEqual([{ ms: 3000, label: 'settlement sleep' }]);
  });

  it('a short position gets its stop above the entry, placed as a buy', async () => {
    await botWith().manager.openPositionAtomic({ symbol: 'ETHUSDT', side: 'short', quantity: 3, stopLossPercent: 0.1 });
    expect(await db.rows()).toEqual([expect.objectContaining({ side: 'short', status: 'active', entryPrice: 50, stopLossPrice: 55, hasStopLoss: true })]);
    expect(served.mock.positions('binance')).toEqual([{ symbol: 'ETHUSDT', side: 'short', quantity: 3, entryPrice: 50 }]);
    expect(served.mock.openStopOrders('binance')).toEqual([expect.objectContaining({ side: 'buy', stopPrice: 55, quantity: 3 })]);
  });

  it("rollback path: a rejected stop-loss → AtomicPositionError, row 'rolled_back' with exit_reason, exchange flat", async () => {
    served.mock.injectFault({ operation: 'placeStopLoss', fault: { kind: 'stop-loss-rejected' } });

    const error = await botWith().manager.openPositionAtomic(btcLong).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AtomicPositionError);
    expect(error).toMatchObject({ code: 'E_ATOMIC_POSITION', symbol: 'BTCUSDT', positionId: 1 });
    const cause = (error as AtomicPositionError).cause;
    expect(cause).toBeInstanceOf(ExchangeRequestError);
    expect(cause).toMatchObject({ operation: 'placeStopLoss', status: 400, exchangeCode: 'STOP_REJECTED' });
    expect((error as Error).message).toMatch(/failed at entry_placed and was rolled back/);

    const [row] = await db.rows();
    expect(row).toMatchObject({ id: 1, status: 'rolled_back', closed: true, hasStopLoss: false, stopLossPrice: null });
    expect(row?.exitReason).toMatch(/^rollback: .*STOP_REJECTED/);
    expect((await db.history(1)).map((h) => h.to)).toEqual(['pending_entry', 'entry_placed', 'rolled_back']);

    expect(served.mock.positions('binance')).toEqual([]);
    expect(served.mock.openStopOrders('binance')).toEqual([]);
    // The entry, then the reduce-only order that closed it; the rejected stop never became an order.
    expect(served.mock.orders('binance').map((o) => [o.side, o.type, o.status, o.filledQuantity, o.reduceOnly])).toEqual([
      ['buy', 'market', 'filled', 2, false],
      ['sell', 'market', 'filled', 2, true],
    ]);
    expect(served.mock.pendingFaults()).toEqual([]);
  });

  it('rollback path: a failing entry order leaves no position and a rolled_back row', async () => {
    served.mock.injectFault({ operation: 'placeMarketOrder', fault: { kind: 'http', status: 503 } });

    const error = await botWith().manager.openPositionAtomic(btcLong).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AtomicPositionError);
    expect((error as AtomicPositionError).cause).toMatchObject({ operation: 'placeMarketOrder', status: 503 });
    expect(await db.rows()).toEqual([expect.objectContaining({ status: 'rolled_back', exchangeOrderId: null })]);
    expect(served.mock.orders('binance')).toEqual([]);
    expect(clock.sleeps).toEqual([]);
  });

  it("settlement {kind: 'poll'} asks the exchange for the entry order and never sleeps when it is filled", async () => {
    const getOrder = vi.spyOn(exchange, 'getOrder');
    const policy: BotPolicy = { ...BASELINE_POLICY, settlement: { kind: 'poll', intervalMs: 500, maxAttempts: 5 } };

    const opened = await botWith(policy).manager.openPositionAtomic(btcLong);

    expect(getOrder).toHaveBeenCalledTimes(1);
    expect(getOrder).toHaveBeenCalledWith('BTCUSDT', opened.entryOrderId);
    await expect(getOrder.mock.results[0]?.value).resolves.toMatchObject({ status: 'filled' });
    expect(clock.sleeps).toEqual([]);
    expect(await db.rows()).toEqual([expect.objectContaining({ status: 'active', hasStopLoss: true })]);
  });

  it('settlement poll: an entry order the exchange cannot report fails the flow and rolls back', async () => {
    served.mock.injectFault({ operation: 'getOrder', fault: { kind: 'http', status: 500 } });
    const policy: BotPolicy = { ...BASELINE_POLICY, settlement: { kind: 'poll', intervalMs: 500, maxAttempts: 5 } };

    await expect(botWith(policy).manager.openPositionAtomic(btcLong)).rejects.toBeInstanceOf(AtomicPositionError);

    expect(await db.rows()).toEqual([expect.objectContaining({ status: 'rolled_back' })]);
    expect(served.mock.positions('binance')).toEqual([]);
    expect(clock.sleeps).toEqual([]);
  });
});
