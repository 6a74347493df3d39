// End to end through FetchExchangeClient, msw and MockExchange: the happy paths and the
// exchange's own rejections, as the bot will see them.

import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FetchExchangeClient } from '../../flow/adapters/fetch-exchange-client.ts';
import type { Clock } from '../../../harness/ports/index.ts';
import { ExchangeRequestError } from '../../flow/exchange-client.ts';
import { MockExchange, serveMockExchange, type ServedMockExchange } from '../../exchange/index.ts';

describe('FetchExchangeClient against the mock exchange', () => {
  let mock: MockExchange;
  let served: ServedMockExchange;

  beforeEach(() => {
    mock = new MockExchange({ prices: { BTCUSDT: 100, ETHUSDT: 5 } });
    served = serveMockExchange(mock);
  });
  afterEach(() => served.close());

  it('fills a market order at the price and opens a position', async () => {
    const client = served.client('binance');
    const order = await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 2 });
    expect(order).toEqual({
      orderId: 'binance-1',
      symbol: 'BTCUSDT',
      side: 'buy',
      type: 'market',
      quantity: 2,
      status: 'filled',
      avgPrice: 100,
      filledQuantity: 2,
      stopPrice: null,
      reduceOnly: false,
    });
    expect(await client.listPositions()).toEqual([
      { symbol: 'BTCUSDT', side: 'long', quantity: 2, entryPrice: 100 },
    ]);
    expect(mock.positions('binance')).toEqual(await client.listPositions());
    expect(await client.getOrder('BTCUSDT', 'binance-1')).toEqual(order);
  });

  it('averages the entry price and nets opposite orders', async () => {
    const client = served.client('binance');
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 1 });
    mock.setPrice('BTCUSDT', 200);
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 1 });
    expect(mock.positions('binance')).toEqual([{ symbol: 'BTCUSDT', side: 'long', quantity: 2, entryPrice: 150 }]);
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'sell', quantity: 3 });
    expect(mock.positions('binance')).toEqual([{ symbol: 'BTCUSDT', side: 'short', quantity: 1, entryPrice: 200 }]);
  });

  it('closes a position with a reduce-only order, which never flips or opens one', async () => {
    const client = served.client('bybit');
    await client.placeMarketOrder({ symbol: 'ETHUSDT', side: 'sell', quantity: 0.3 });
    const close = await client.placeMarketOrder({ symbol: 'ETHUSDT', side: 'buy', quantity: 1, reduceOnly: true });
    expect(close).toMatchObject({ status: 'filled', filledQuantity: 0.3, quantity: 1, reduceOnly: true });
    expect(await client.listPositions()).toEqual([]);

    const error = await client
      .placeMarketOrder({ symbol: 'ETHUSDT', side: 'buy', quantity: 1, reduceOnly: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeRequestError);
    expect(error).toMatchObject({ operation: 'placeMarketOrder', status: 400, exchangeCode: 'REDUCE_ONLY_REJECTED' });
    expect(mock.orders('bybit')).toHaveLength(2);
  });

  it('keeps float lots exact enough to close to zero', async () => {
    const client = served.client('binance');
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 0.1 });
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 0.2 });
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'sell', quantity: 0.3 });
    expect(mock.positions('binance')).toEqual([]);
  });

  it('lists a stop-loss as an open stop order until cancelled', async () => {
    const client = served.client('binance');
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 1 });
    const stop = await client.placeStopLoss({ symbol: 'BTCUSDT', side: 'sell', quantity: 1, stopPrice: 90 });
    expect(stop).toMatchObject({ orderId: 'binance-2', type: 'stop_market', status: 'new', stopPrice: 90, reduceOnly: true });
    expect(mock.openStopOrders('binance')).toEqual([stop]);
    expect(mock.openStopOrders('binance', 'ETHUSDT')).toEqual([]);

    const cancelled = await client.cancelOrder('BTCUSDT', stop.orderId);
    expect(cancelled.status).toBe('cancelled');
    expect(mock.openStopOrders('binance')).toEqual([]);
    await expect(client.cancelOrder('BTCUSDT', stop.orderId)).rejects.toMatchObject({
      status: 400,
      exchangeCode: 'ORDER_NOT_CANCELLABLE',
    });
  });

  it('fires stops only through triggerStop, and a stop with nothing to reduce expires', async () => {
    const client = served.client('binance');
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 1 });
    await client.placeStopLoss({ symbol: 'BTCUSDT', side: 'sell', quantity: 1, stopPrice: 90 });
    await client.placeStopLoss({ symbol: 'BTCUSDT', side: 'sell', quantity: 1, stopPrice: 80 });
    expect(mock.positions('binance')).toHaveLength(1);

    const fired = mock.triggerStop('binance', 'BTCUSDT');
    expect(fired.map((o) => [o.status, o.avgPrice])).toEqual([
      ['filled', 90],
      ['cancelled', null],
    ]);
    expect(mock.positions('binance')).toEqual([]);
    expect(mock.openStopOrders('binance')).toEqual([]);
  });

  it('closePosition market-closes the whole position, or answers null', async () => {
    const client = served.client('binance');
    expect(await client.closePosition('BTCUSDT')).toBeNull();
    await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'sell', quantity: 3 });
    const order = await client.closePosition('BTCUSDT');
    expect(order).toMatchObject({ side: 'buy', quantity: 3, filledQuantity: 3, reduceOnly: true, status: 'filled' });
    expect(await client.listPositions()).toEqual([]);
  });

  it('keeps exchange accounts of one mock apart', async () => {
    await served.client('binance').placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 1 });
    expect(await served.client('bybit').listPositions()).toEqual([]);
    await expect(served.client('bybit').getOrder('BTCUSDT', 'binance-1')).rejects.toMatchObject({
      status: 404,
      exchangeCode: 'ORDER_NOT_FOUND',
    });
  });

  it('answers 404 for an unknown order, exchange or route', async () => {
    const client = served.client('binance');
    await expect(client.getOrder('BTCUSDT', 'binance-99')).rejects.toMatchObject({
      operation: 'getOrder',
      status: 404,
      exchangeCode: 'ORDER_NOT_FOUND',
    });
    const unknown = new FetchExchangeClient({ baseUrl: served.baseUrl, exchange: 'kraken' });
    await expect(unknown.listPositions()).rejects.toMatchObject({ status: 404, exchangeCode: 'UNKNOWN_EXCHANGE' });
    expect(() => served.client('kraken')).toThrow(/binance, bybit/);
    const response = await fetch(`${served.baseUrl}/binance/v2/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers 400 BAD_REQUEST for malformed bodies, without state change', async () => {
    const post = (body: string) =>
      fetch(`${served.baseUrl}/binance/v1/order`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    for (const body of [
      'not json',
      '[]',
      JSON.stringify({ type: 'limit', symbol: 'BTCUSDT', side: 'buy', quantity: 1 }),
      JSON.stringify({ type: 'market', symbol: '', side: 'buy', quantity: 1 }),
      JSON.stringify({ type: 'market', symbol: 'BTCUSDT', side: 'long', quantity: 1 }),
      JSON.stringify({ type: 'market', symbol: 'BTCUSDT', side: 'buy', quantity: -1 }),
      JSON.stringify({ type: 'market', symbol: 'BTCUSDT', side: 'buy', quantity: 1, reduceOnly: 'yes' }),
      JSON.stringify({ type: 'stop_market', symbol: 'BTCUSDT', side: 'sell', quantity: 1 }),
    ]) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'BAD_REQUEST' });
    }
    const close = await fetch(`${served.baseUrl}/binance/v1/position/close`, { method: 'POST', body: '{}' });
    expect(close.status).toBe(400);
    expect(mock.snapshot().exchanges.binance?.orders).toEqual([]);
  });

  it('runs handlers in the async context of the caller', async () => {
    const actor = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const clock: Clock = {
      now: () => 0,
      sleep: async () => {
        seen.push(actor.getStore());
      },
    };
    const timed = new MockExchange({ clock });
    const timedServed = serveMockExchange(timed);
    try {
      timed.injectFault({ operation: 'listPositions', fault: { kind: 'latency', ms: 5 }, times: 2 });
      const client = timedServed.client('binance');
      await Promise.all([
        actor.run('actor-a', () => client.listPositions()),
        actor.run('actor-b', () => client.listPositions()),
      ]);
      expect(seen.sort()).toEqual(['actor-a', 'actor-b']);
    } finally {
      timedServed.close();
    }
  });
});

describe('FetchExchangeClient on its own', () => {
  it('turns a non-JSON error body into an HTTP_<status> code', async () => {
    const client = new FetchExchangeClient({
      baseUrl: 'http://gateway.invalid',
      exchange: 'binance',
      fetch: async () => new Response('<html>bad gateway</html>', { status: 502 }),
    });
    await expect(client.listPositions()).rejects.toMatchObject({ status: 502, exchangeCode: 'HTTP_502' });
  });

  it('rejects a malformed success body as BAD_RESPONSE', async () => {
    const client = new FetchExchangeClient({
      baseUrl: 'http://gateway.invalid/',
      exchange: 'binance',
      fetch: async (input) => {
        expect(String(input)).toBe('http://gateway.invalid/binance/v1/order/BTC%2FUSDT/1');
        return Response.json({ orderId: 1 });
      },
    });
    await expect(client.getOrder('BTC/USDT', '1')).rejects.toMatchObject({ status: 200, exchangeCode: 'BAD_RESPONSE' });
  });

  it('maps a thrown fetch to status 0 NETWORK', async () => {
    const client = new FetchExchangeClient({
      baseUrl: 'http://gateway.invalid',
      exchange: 'binance',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(client.closePosition('BTCUSDT')).rejects.toMatchObject({
      operation: 'closePosition',
      status: 0,
      exchangeCode: 'NETWORK',
    });
  });
});
