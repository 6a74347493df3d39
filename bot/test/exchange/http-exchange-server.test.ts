// The mock exchange over real local HTTP (what process actors call): the same routes, errors and
// faults as the msw transport, reached by a real socket.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExchangeRequestError } from '../../flow/index.ts';
import { MockExchange, startHttpExchangeServer, type HttpExchangeServer } from '../../exchange/index.ts';

describe('startHttpExchangeServer', () => {
  let server: HttpExchangeServer;
  beforeEach(async () => {
    server = await startHttpExchangeServer(new MockExchange({ prices: { BTCUSDT: 100 } }));
  });
  afterEach(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 and answers the routes with the mock state', async () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = server.client('binance');
    const order = await client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 2 });
    expect(order).toMatchObject({ orderId: 'binance-1', status: 'filled', avgPrice: 100, filledQuantity: 2 });
    expect(await client.getOrder('BTCUSDT', 'binance-1')).toEqual(order);
    const stop = await client.placeStopLoss({ symbol: 'BTCUSDT', side: 'sell', quantity: 2, stopPrice: 98 });
    expect(await client.cancelOrder('BTCUSDT', stop.orderId)).toMatchObject({ status: 'cancelled' });
    expect(await client.listPositions()).toEqual(server.mock.positions('binance'));
    expect(await client.closePosition('BTCUSDT')).toMatchObject({ reduceOnly: true, filledQuantity: 2 });
    expect(await client.closePosition('BTCUSDT')).toBeNull();
  });

  it("answers the exchange's errors as { code, message } with their status", async () => {
    const error = await server
      .client('bybit')
      .placeMarketOrder({ symbol: 'BTCUSDT', side: 'sell', quantity: 1, reduceOnly: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeRequestError);
    expect(error).toMatchObject({ status: 400, exchangeCode: 'REDUCE_ONLY_REJECTED' });
    const unknown = await fetch(`${server.baseUrl}/kraken/v1/positions`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'UNKNOWN_EXCHANGE' });
    const noRoute = await fetch(`${server.baseUrl}/nowhere`);
    expect([noRoute.status, ((await noRoute.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
    const malformed = await fetch(`${server.baseUrl}/binance/v1/order`, { method: 'POST', body: 'not json', headers: { 'content-type': 'application/json' } });
    expect([malformed.status, ((await malformed.json()) as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('applies faults: an HTTP error, and a lost response the client sees as a network error after the order executed', async () => {
    server.mock.injectFault({ exchange: 'binance', operation: 'listPositions', fault: { kind: 'http', status: 503 } });
    await expect(server.client('binance').listPositions()).rejects.toMatchObject({ status: 503 });
    server.mock.injectFault({ exchange: 'binance', operation: 'placeMarketOrder', fault: { kind: 'lost-response' } });
    await expect(server.client('binance').placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 1 })).rejects.toMatchObject({
      status: 0,
      exchangeCode: 'NETWORK',
    });
    expect(server.mock.positions('binance')).toEqual([{ symbol: 'BTCUSDT', side: 'long', quantity: 1, entryPrice: 100 }]);
  });

  it('ends a hanging call when its client goes away, and keeps serving', async () => {
    server.mock.injectFault({ exchange: 'binance', operation: 'listPositions', fault: { kind: 'hang' } });
    const abort = new AbortController();
    const hanging = fetch(`${server.baseUrl}/binance/v1/positions`, { signal: abort.signal }).catch((e: unknown) => e);
    // The server has the request once the fault is used up; then the client gives up.
    while (server.mock.pendingFaults().length > 0) await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    expect(await hanging).toMatchObject({ name: 'AbortError' });
    await expect(server.client('binance').listPositions()).resolves.toEqual([]);
  });

  it('stops listening on close(), which is idempotent', async () => {
    const { baseUrl } = server;
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(`${baseUrl}/binance/v1/positions`)).rejects.toThrow();
  });
});
