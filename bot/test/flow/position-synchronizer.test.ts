// PositionSynchronizer.sync against a real PostgreSQL and the msw mock exchange: it imports
// positions without a row, closes rows whose position is gone, and leaves matching rows alone.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BASELINE_POLICY, PositionRepository, PositionSynchronizer, type ExchangeClient } from '../../flow/index.ts';
import { MockExchange, serveMockExchange, type ServedMockExchange } from '../../exchange/index.ts';
import { usePositionDatabase } from './position-database.ts';

describe('PositionSynchronizer.sync (baseline policy)', () => {
  const db = usePositionDatabase();
  let served: ServedMockExchange;
  let binance: ExchangeClient;
  let repo: PositionRepository;
  let sync: PositionSynchronizer;

  beforeAll(async () => {
    repo = new PositionRepository(db.sql, BASELINE_POLICY);
    sync = new PositionSynchronizer(repo);
  });
  beforeEach(async () => {
    served = serveMockExchange(new MockExchange({ prices: { APTUSDT: 8.5, BTCUSDT: 100 } }));
    binance = served.client('binance');
  });
  afterEach(() => {
    served.close();
  });

  it("imports an exchange position that has no row as an 'active' row", async () => {
    served.mock.placeMarketOrder('binance', { symbol: 'APTUSDT', side: 'sell', quantity: 12 });

    const report = await sync.sync(binance);

    expect(report).toEqual({ imported: [1], closed: [], skipped: [] });
    expect(await db.rows()).toEqual([
      {
        id: 1,
        symbol: 'APTUSDT',
        exchange: 'binance',
        side: 'short',
        quantity: 12,
        entryPrice: 8.5,
        status: 'active',
        exchangeOrderId: null,
        stopLossPrice: null,
        hasStopLoss: false,
        exitReason: null,
        closed: false,
      },
    ]);
  });

  it("closes an 'active' row whose position is gone from the exchange", async () => {
    const id = await repo.createPosition({ symbol: 'BTCUSDT', exchange: 'binance', side: 'long', quantity: 1, entryPrice: 100, status: 'active' });

    const report = await sync.sync(binance);

    expect(report).toEqual({ imported: [], closed: [id], skipped: [] });
    expect(await db.rows()).toEqual([expect.objectContaining({ id, status: 'closed', exitReason: 'closed on exchange (sync)', closed: true })]);
  });

  it('leaves a row that matches the exchange position alone', async () => {
    served.mock.placeMarketOrder('binance', { symbol: 'BTCUSDT', side: 'buy', quantity: 1 });
    const id = await repo.createPosition({ symbol: 'BTCUSDT', exchange: 'binance', side: 'long', quantity: 1, entryPrice: 100, status: 'active' });
    const before = await db.rows();

    const report = await sync.sync(binance);

    expect(report).toEqual({ imported: [], closed: [], skipped: [] });
    expect(await db.rows()).toEqual(before);
    expect(await db.history(id)).toEqual([{ positionId: id, from: null, to: 'active' }]);
  });

  it('reconciles one exchange only: rows and positions of another exchange are untouched', async () => {
    served.mock.placeMarketOrder('bybit', { symbol: 'APTUSDT', side: 'buy', quantity: 3 });
    const onBinance = await repo.createPosition({ symbol: 'APTUSDT', exchange: 'binance', side: 'long', quantity: 3, entryPrice: 8.5, status: 'active' });

    const report = await sync.sync(served.client('bybit'));

    expect(report).toEqual({ imported: [onBinance + 1], closed: [], skipped: [] });
    expect((await db.rows()).map((r) => [r.exchange, r.symbol, r.status])).toEqual([
      ['binance', 'APTUSDT', 'active'],
      ['bybit', 'APTUSDT', 'active'],
    ]);
  });

  it('a second pass after an import changes nothing', async () => {
    served.mock.placeMarketOrder('binance', { symbol: 'APTUSDT', side: 'buy', quantity: 4 });
    await sync.sync(binance);
    expect(await sync.sync(binance)).toEqual({ imported: [], closed: [], skipped: [] });
    expect(await db.rows()).toHaveLength(1);
  });
});
