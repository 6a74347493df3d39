// Several mock exchanges served at once in one process, and the shared msw server's lifecycle.

import { describe, expect, it } from 'vitest';
import { MockExchange, mockExchangeServerState, serveMockExchange } from '../../exchange/index.ts';

describe('serveMockExchange', () => {
  it('serves two MockExchange instances on separate base URLs with separate state', async () => {
    const a = serveMockExchange(new MockExchange({ prices: { BTCUSDT: 100 } }));
    const b = serveMockExchange(new MockExchange({ prices: { BTCUSDT: 200 } }));
    try {
      expect(a.baseUrl).not.toBe(b.baseUrl);
      const [orderA, orderB] = await Promise.all([
        a.client('binance').placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 1 }),
        b.client('binance').placeMarketOrder({ symbol: 'BTCUSDT', side: 'sell', quantity: 2 }),
      ]);
      expect(orderA).toMatchObject({ orderId: 'binance-1', avgPrice: 100 });
      expect(orderB).toMatchObject({ orderId: 'binance-1', avgPrice: 200 });
      expect(a.mock.positions('binance')).toEqual([{ symbol: 'BTCUSDT', side: 'long', quantity: 1, entryPrice: 100 }]);
      expect(b.mock.positions('binance')).toEqual([{ symbol: 'BTCUSDT', side: 'short', quantity: 2, entryPrice: 200 }]);

      a.mock.injectFault({ operation: 'listPositions', fault: { kind: 'http', status: 500 } });
      await expect(b.client('binance').listPositions()).resolves.toHaveLength(1);
      await expect(a.client('binance').listPositions()).rejects.toMatchObject({ status: 500 });
    } finally {
      a.close();
      b.close();
    }
  });

  it('keeps serving the others when one closes, and stops msw with the last', async () => {
    const a = serveMockExchange(new MockExchange());
    const b = serveMockExchange(new MockExchange());
    expect(mockExchangeServerState()).toEqual({ listening: true, baseUrls: [a.baseUrl, b.baseUrl] });

    a.close();
    a.close();
    expect(mockExchangeServerState()).toEqual({ listening: true, baseUrls: [b.baseUrl] });
    await expect(b.client('bybit').listPositions()).resolves.toEqual([]);

    b.close();
    expect(mockExchangeServerState()).toEqual({ listening: false, baseUrls: [] });

    const c = serveMockExchange(new MockExchange());
    try {
      await expect(c.client('binance').closePosition('BTCUSDT')).resolves.toBeNull();
    } finally {
      c.close();
    }
    expect(mockExchangeServerState().listening).toBe(false);
  });
});
