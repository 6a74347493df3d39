// Every fault kind seen through the real client: what the bot receives, and whether the
// exchange executed the request anyway.

import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FetchExchangeClient } from '../../flow/adapters/fetch-exchange-client.ts';
import type { Clock } from '../../../harness/ports/index.ts';
import { ExchangeRequestError } from '../../flow/exchange-client.ts';
import {
  FaultRuleError,
  MockExchange,
  serveMockExchange,
  type FaultRule,
  type ServedMockExchange,
} from '../../exchange/index.ts';

/** A clock that records every sleep and resumes at once: latency without waiting. */
function recordingClock(): Clock & { readonly sleeps: { ms: number; label: string | undefined }[] } {
  const sleeps: { ms: number; label: string | undefined }[] = [];
  return {
    sleeps,
    now: () => sleeps.reduce((total, s) => total + s.ms, 0),
    sleep: async (ms, label) => {
      sleeps.push({ ms, label });
    },
  };
}

const buy = { symbol: 'BTCUSDT', side: 'buy', quantity: 1 } as const;
const stopLoss = { symbol: 'BTCUSDT', side: 'sell', quantity: 1, stopPrice: 9 } as const;

async function settledState(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  const settled = promise.then(
    () => 'resolved' as const,
    () => 'rejected' as const,
  );
  for (let i = 0; i < 10; i++) await nextMacrotask();
  return Promise.race([settled, Promise.resolve('pending' as const)]);
}

describe('exchange faults', () => {
  let clock: ReturnType<typeof recordingClock>;
  let mock: MockExchange;
  let served: ServedMockExchange;

  beforeEach(() => {
    clock = recordingClock();
    mock = new MockExchange({ clock });
    served = serveMockExchange(mock);
  });
  afterEach(() => served.close());

  it('http 500 fails the call with SERVER_ERROR and changes nothing', async () => {
    mock.injectFault({ operation: 'placeMarketOrder', fault: { kind: 'http', status: 500 } });
    const client = served.client('binance');
    await expect(client.placeMarketOrder(buy)).rejects.toMatchObject({
      operation: 'placeMarketOrder',
      status: 500,
      exchangeCode: 'SERVER_ERROR',
    });
    expect(mock.orders('binance')).toEqual([]);
    // Consumed: the next call goes through.
    await expect(client.placeMarketOrder(buy)).resolves.toMatchObject({ status: 'filled' });
  });

  it('http 429 answers RATE_LIMITED; code and message can be overridden', async () => {
    mock.injectFault({ operation: 'listPositions', fault: { kind: 'http', status: 429 } });
    mock.injectFault({ operation: 'listPositions', fault: { kind: 'http', status: 503, code: 'MAINTENANCE', message: 'back soon' } });
    const client = served.client('bybit');
    await expect(client.listPositions()).rejects.toMatchObject({ status: 429, exchangeCode: 'RATE_LIMITED' });
    const error = await client.listPositions().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, exchangeCode: 'MAINTENANCE' });
    expect((error as Error).message).toContain('back soon');
  });

  it('stop-loss-rejected answers 400 STOP_REJECTED and creates no stop order', async () => {
    mock.injectFault({ operation: 'placeStopLoss', fault: { kind: 'stop-loss-rejected' } });
    const client = served.client('binance');
    await client.placeMarketOrder(buy);
    await expect(client.placeStopLoss(stopLoss)).rejects.toMatchObject({ status: 400, exchangeCode: 'STOP_REJECTED' });
    expect(mock.openStopOrders('binance')).toEqual([]);
    expect(mock.orders('binance')).toHaveLength(1);
  });

  it('latency sleeps on the mock clock, then executes', async () => {
    mock.injectFault({ operation: 'placeMarketOrder', fault: { kind: 'latency', ms: 250 } });
    const order = await served.client('binance').placeMarketOrder(buy);
    expect(order.status).toBe('filled');
    expect(clock.sleeps).toEqual([{ ms: 250, label: 'exchange binance placeMarketOrder latency 250ms' }]);
  });

  it('lost-response executes the order, then the caller gets status 0', async () => {
    mock.injectFault({ operation: 'placeMarketOrder', fault: { kind: 'lost-response' } });
    const error = await served.client('binance').placeMarketOrder(buy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeRequestError);
    expect(error).toMatchObject({ status: 0, exchangeCode: 'NETWORK' });
    expect(mock.positions('binance')).toEqual([{ symbol: 'BTCUSDT', side: 'long', quantity: 1, entryPrice: 10 }]);
    expect(mock.orders('binance')).toHaveLength(1);
  });

  it('hang never answers nor executes, until the request is aborted', async () => {
    mock.injectFault({ operation: 'placeMarketOrder', fault: { kind: 'hang' } });
    const controller = new AbortController();
    const client = new FetchExchangeClient({
      baseUrl: served.baseUrl,
      exchange: 'binance',
      fetch: (input, init) => fetch(input, { ...init, signal: controller.signal }),
    });
    const pending = client.placeMarketOrder(buy);
    expect(await settledState(pending)).toBe('pending');
    // The request reached the exchange (the rule is used up) and was not executed.
    expect(mock.pendingFaults()).toEqual([]);
    expect(mock.orders('binance')).toEqual([]);

    controller.abort();
    await expect(pending).rejects.toMatchObject({ status: 0, exchangeCode: 'ABORTED' });
    expect(mock.orders('binance')).toEqual([]);
  });

  it('hang without a signal stays pending', async () => {
    mock.injectFault({ operation: 'getOrder', fault: { kind: 'hang' } });
    const pending = served.client('binance').getOrder('BTCUSDT', 'binance-1');
    expect(await settledState(pending)).toBe('pending');
  });

  it('applies a rule `times` times, rules in order of addition, and only to matching calls', async () => {
    mock.injectFault({ operation: 'placeMarketOrder', exchange: 'bybit', fault: { kind: 'http', status: 502 } });
    mock.injectFault({ operation: 'placeMarketOrder', symbol: 'BTCUSDT', times: 2, fault: { kind: 'http', status: 500 } });
    mock.injectFault({ operation: 'placeMarketOrder', fault: { kind: 'http', status: 429 } });
    const binance = served.client('binance');
    const bybit = served.client('bybit');

    await expect(binance.placeMarketOrder({ ...buy, symbol: 'ETHUSDT' })).rejects.toMatchObject({ status: 429 });
    await expect(binance.placeMarketOrder(buy)).rejects.toMatchObject({ status: 500 });
    await expect(bybit.placeMarketOrder(buy)).rejects.toMatchObject({ status: 502 });
    await expect(bybit.placeMarketOrder(buy)).rejects.toMatchObject({ status: 500 });
    expect(mock.pendingFaults()).toEqual([]);
    await expect(binance.placeMarketOrder(buy)).resolves.toMatchObject({ status: 'filled' });
    await expect(binance.placeStopLoss(stopLoss)).resolves.toMatchObject({ status: 'new' });
  });

  it('does not spend a fault on a malformed request', async () => {
    mock.injectFault({ operation: 'closePosition', fault: { kind: 'http', status: 500 } });
    const response = await fetch(`${served.baseUrl}/binance/v1/position/close`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(400);
    expect(mock.pendingFaults()).toHaveLength(1);
  });

  it('reset() forgets positions, orders, faults and restarts order ids', async () => {
    const client = served.client('binance');
    await client.placeMarketOrder(buy);
    await client.placeStopLoss(stopLoss);
    mock.injectFault({ operation: 'listPositions', fault: { kind: 'http', status: 500 } });
    mock.reset();
    expect(mock.pendingFaults()).toEqual([]);
    expect(await client.listPositions()).toEqual([]);
    expect(mock.snapshot()).toEqual({
      prices: {},
      exchanges: { binance: { positions: [], orders: [] }, bybit: { positions: [], orders: [] } },
    });
    expect((await client.placeMarketOrder(buy)).orderId).toBe('binance-1');
  });
});

describe('bad fault rules', () => {
  const cases: [string, unknown, RegExp][] = [
    ['unknown operation', { operation: 'placeLimitOrder', fault: { kind: 'hang' } }, /placeMarketOrder, placeStopLoss/],
    ['unknown kind', { operation: 'getOrder', fault: { kind: 'explode' } }, /http, stop-loss-rejected, latency, lost-response, hang/],
    ['missing fault', { operation: 'getOrder' }, /valid kinds/],
    ['bad status', { operation: 'getOrder', fault: { kind: 'http', status: 404 } }, /500, 502, 503, 429/],
    ['stop rejection elsewhere', { operation: 'placeMarketOrder', fault: { kind: 'stop-loss-rejected' } }, /placeStopLoss only/],
    ['negative latency', { operation: 'getOrder', fault: { kind: 'latency', ms: -1 } }, /ms >= 0/],
    ['zero times', { operation: 'getOrder', times: 0, fault: { kind: 'hang' } }, /positive integer/],
    ['unknown exchange', { operation: 'getOrder', exchange: 'kraken', fault: { kind: 'hang' } }, /binance, bybit/],
    ['symbol on listPositions', { operation: 'listPositions', symbol: 'BTCUSDT', fault: { kind: 'hang' } }, /listPositions/],
  ];

  it.each(cases)('rejects %s with E_BAD_FAULT', (_name, rule, message) => {
    const mock = new MockExchange({ clock: recordingClock() });
    const error = (() => {
      try {
        mock.injectFault(rule as FaultRule);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FaultRuleError);
    expect(error).toMatchObject({ code: 'E_BAD_FAULT' });
    expect((error as Error).message).toMatch(message);
    expect(mock.pendingFaults()).toEqual([]);
  });

  it('refuses latency without a clock, saying how to give one', () => {
    const mock = new MockExchange();
    expect(() => mock.injectFault({ operation: 'getOrder', fault: { kind: 'latency', ms: 1 } })).toThrow(
      /new MockExchange\(\{ clock \}\)/,
    );
  });
});
