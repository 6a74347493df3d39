// The flows beyond the plan on a real PostgreSQL through the production adapters (pg Pool, fetch
// to the msw mock exchange): a refused second Signal, the symbol lock on a connection of its own,
// Sync skipping a symbol in flight, the quantity add, and SERIALIZABLE's bounded retry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASELINE_POLICY, OPEN_STATUSES, PositionAlreadyOpenError, createPositionBot, flowLockId, type BotPolicy, type ExchangeClient } from '../../flow/index.ts';
import { type Clock, type SqlClient, type SqlSession } from '../../../harness/ports/index.ts';
import { MockExchange, serveMockExchange, type ServedMockExchange } from '../../exchange/index.ts';
import { InstantClock, ManualClock } from './controlled-clocks.ts';
import { usePositionDatabase } from './position-database.ts';

const ethLong = { symbol: 'ETHUSDT', side: 'long', quantity: 5, stopLossPercent: 0.02 } as const;
const LOCKED: BotPolicy = { ...BASELINE_POLICY, createCheckStatuses: OPEN_STATUSES, openLookupStatuses: OPEN_STATUSES, symbolLock: 'session', syncReconcile: 'per-symbol', existingPosition: 'refuse-signal' };

describe('flows beyond the plan', () => {
  const db = usePositionDatabase();
  let served: ServedMockExchange;
  let exchange: ExchangeClient;

  beforeEach(() => {
    served = serveMockExchange(new MockExchange({ prices: { ETHUSDT: 100 } }));
    exchange = served.client('binance');
  });
  afterEach(() => {
    served.close();
  });

  const bot = (policy: BotPolicy, clock: Clock = new InstantClock(), sql: SqlClient = db.sql) => createPositionBot({ sql, exchange, clock, policy });

  /** An ETHUSDT position the bot already holds: its active row and its fill on the exchange. */
  async function hold(): Promise<number> {
    const opened = await bot(BASELINE_POLICY).manager.openPositionAtomic(ethLong);
    return opened.positionId;
  }

  it('baseline: a Signal for a held symbol reuses the row and buys again — exposure doubled', async () => {
    const id = await hold();
    const again = await bot(BASELINE_POLICY).manager.openPositionAtomic(ethLong);
    expect(again.positionId).toBe(id);
    expect(served.mock.positions('binance')[0]?.quantity).toBe(10);
    expect((await db.rows()).map((r) => r.quantity)).toEqual([5]);
  });

  it('refuse-signal: the Signal for a held symbol throws PositionAlreadyOpenError before any order, and leaves the row alone', async () => {
    const id = await hold();
    const orders = served.mock.orders('binance').length;
    const error = await bot({ ...BASELINE_POLICY, existingPosition: 'refuse-signal' })
      .manager.openPositionAtomic(ethLong)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(PositionAlreadyOpenError);
    expect(error).toMatchObject({ code: 'E_POSITION_ALREADY_OPEN', symbol: 'ETHUSDT', exchange: 'binance', existingId: id });
    expect(served.mock.orders('binance')).toHaveLength(orders);
    expect(served.mock.positions('binance')[0]?.quantity).toBe(5);
    expect((await db.rows()).map((r) => [r.id, r.status])).toEqual([[id, 'active']]);
  });

  it('the symbol lock is held on a connection of its own through the flow; Sync skips the symbol meanwhile; it is free afterwards', async () => {
    const clock = new ManualClock();
    const flow = bot(LOCKED, clock).manager.openPositionAtomic(ethLong);
    const settlement = await clock.nextSleep();
    // Mid-flow (row entry_placed, createPosition's own advisory lock long released): the key is taken.
    const held = await db.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [flowLockId('ETHUSDT', 'binance')]);
    expect(held.rows[0]?.locked).toBe(false);
    const report = await bot(LOCKED).synchronizer.sync(exchange);
    expect(report).toEqual({ imported: [], closed: [], skipped: ['ETHUSDT'] });
    settlement.release();
    const opened = await flow;
    expect((await db.rows()).map((r) => [r.id, r.status])).toEqual([[opened.positionId, 'active']]);
    const free = await db.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [flowLockId('ETHUSDT', 'binance')]);
    expect(free.rows[0]?.locked).toBe(true);
    await db.client.query('SELECT pg_advisory_unlock_all()');
    // With the symbol free, Sync reconciles it: the row is active and the position there, nothing to do.
    expect(await bot(LOCKED).synchronizer.sync(exchange)).toEqual({ imported: [], closed: [], skipped: [] });
  });

  it('per-symbol Sync imports an untracked position and closes a row whose position is gone, re-reading each symbol', async () => {
    served.mock.placeMarketOrder('binance', { symbol: 'SOLUSDT', side: 'buy', quantity: 2 });
    const id = await hold();
    served.mock.closePosition('binance', 'ETHUSDT');
    const report = await bot(LOCKED).synchronizer.sync(exchange);
    expect(report.skipped).toEqual([]);
    expect(report.closed).toEqual([id]);
    expect(report.imported).toHaveLength(1);
    expect((await db.rows()).map((r) => [r.symbol, r.status])).toEqual([
      ['ETHUSDT', 'closed'],
      ['SOLUSDT', 'active'],
    ]);
  });

  it('addToPosition trades and writes the new quantity; without an open row it places nothing', async () => {
    expect(await bot(BASELINE_POLICY).positions.addToPosition('ETHUSDT', 1)).toBeNull();
    expect(served.mock.orders('binance')).toHaveLength(0);
    const id = await hold();
    expect(await bot({ ...BASELINE_POLICY, quantityWrite: 'delta' }).positions.addToPosition('ETHUSDT', 2)).toBe(id);
    expect(await bot({ ...BASELINE_POLICY, rowLock: 'for-update' }).positions.addToPosition('ETHUSDT', 1)).toBe(id);
    expect((await db.rows()).map((r) => r.quantity)).toEqual([8]);
    expect(served.mock.positions('binance')[0]?.quantity).toBe(8);
    expect(await bot(LOCKED).positions.closePosition('ETHUSDT')).toBe(id);
    expect(served.mock.positions('binance')).toEqual([]);
  });
});

describe('the serializable policy', () => {
  const db = usePositionDatabase();

  /** The production client, with the first `failures` COMMITs answered by 40001 (after a real ROLLBACK). */
  function failingCommits(failures: number): { sql: SqlClient; statements: string[] } {
    const statements: string[] = [];
    let left = failures;
    const inner = db.sql;
    const session = (s: SqlSession): SqlSession => ({
      async query(text, values, label) {
        statements.push(text.split(/\s+/).slice(0, 4).join(' '));
        if (text === 'COMMIT' && left > 0) {
          left--;
          await s.query('ROLLBACK');
          throw Object.assign(new Error('could not serialize access due to read/write dependencies among transactions'), { code: '40001' });
        }
        return s.query(text, values, label);
      },
    });
    return {
      statements,
      sql: {
        query: (text, values, label) => inner.withConnection((c) => session(c).query(text, values, label)),
        transaction: (label, fn) => inner.transaction(label, fn),
        withConnection: (fn) => inner.withConnection((c) => fn(session(c))),
      },
    };
  }

  const repository = (sql: SqlClient) =>
    createPositionBot({ sql, exchange: {} as ExchangeClient, clock: new InstantClock(), policy: { ...BASELINE_POLICY, isolation: { level: 'serializable', attempts: 3 } } }).repository;
  const create = (sql: SqlClient) => repository(sql).createPosition({ symbol: 'ETHUSDT', exchange: 'binance', side: 'long', quantity: 1, entryPrice: 1, status: 'active' });
  const begins = (statements: readonly string[]) => statements.filter((s) => s.startsWith('BEGIN'));

  it('runs each transaction at SERIALIZABLE and retries it after a serialization failure', async () => {
    const { sql, statements } = failingCommits(1);
    const id = await create(sql);
    expect(begins(statements)).toEqual(['BEGIN ISOLATION LEVEL SERIALIZABLE', 'BEGIN ISOLATION LEVEL SERIALIZABLE']);
    expect(statements.filter((s) => s === 'COMMIT')).toHaveLength(2);
    expect((await db.rows()).map((r) => [r.id, r.status])).toEqual([[id, 'active']]);
  });

  it('runs an autocommit statement as a SERIALIZABLE transaction of its own, retried the same way', async () => {
    const { sql, statements } = failingCommits(1);
    expect(await repository(sql).getOpenPosition('ETHUSDT', 'binance')).toBeNull();
    expect(begins(statements)).toHaveLength(2);
    expect(statements.filter((s) => s.startsWith('SELECT'))).toHaveLength(2);
  });

  it('gives up after its bounded attempts with the 40001 error', async () => {
    const { sql, statements } = failingCommits(99);
    await expect(create(sql)).rejects.toMatchObject({ code: '40001' });
    expect(statements.filter((s) => s.startsWith('BEGIN'))).toHaveLength(3);
    expect(await db.rows()).toEqual([]);
  });
});
