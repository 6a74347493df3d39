// PositionRepository on a real PostgreSQL: each method under the baseline policy (Problems #2, #3, #6
// kept), the plan's Phase 5 "Test 1" under Option 3, and the optimistic and advisory-locked updates.
import { beforeAll, describe, expect, it } from 'vitest';
import { BASELINE_POLICY, ConcurrentModificationError, OPEN_STATUSES, PositionRepository, positionLockId, type BotPolicy, type NewPosition } from '../../flow/index.ts';
import { type SqlClient, type SqlResult, type SqlRow } from '../../../harness/ports/index.ts';
import { migrationFile } from '../../layers/index.ts';
import { usePositionDatabase, type PositionDatabase } from './position-database.ts';

const testusdt: NewPosition = { symbol: 'TESTUSDT', exchange: 'binance', side: 'long', quantity: 100, entryPrice: 1, status: 'pending_entry' };

/** Polls pg_locks (a round trip per turn, no timer) until a session waits for an advisory lock. */
async function untilAdvisoryLockWaiter(db: PositionDatabase): Promise<void> {
  for (let turn = 0; turn < 20_000; turn++) {
    const r = await db.client.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    if (Number(r.rows[0]?.n) >= 1) return;
  }
  throw new Error('no session ever waited for the advisory lock');
}

describe('PositionRepository (baseline policy)', () => {
  const db = usePositionDatabase();
  let repo: PositionRepository;

  beforeAll(async () => {
    repo = new PositionRepository(db.sql, BASELINE_POLICY);
  });

  it('createPosition inserts a row and returns its id', async () => {
    const id = await repo.createPosition({ ...testusdt, exchangeOrderId: 'ext-1' });
    expect(id).toBe(1);
    expect(await db.rows()).toEqual([
      {
        id: 1,
        symbol: 'TESTUSDT',
        exchange: 'binance',
        side: 'long',
        quantity: 100,
        entryPrice: 1,
        status: 'pending_entry',
        exchangeOrderId: 'ext-1',
        stopLossPrice: null,
        hasStopLoss: false,
        exitReason: null,
        closed: false,
      },
    ]);
    expect(await db.history()).toEqual([{ positionId: 1, from: null, to: 'pending_entry' }]);
  });

  it("createPosition returns the id of an existing 'active' row instead of inserting", async () => {
    const first = await repo.createPosition({ ...testusdt, status: 'active' });
    const second = await repo.createPosition({ ...testusdt, quantity: 5 });
    expect(second).toBe(first);
    expect((await db.rows('TESTUSDT', 'binance')).map((r) => [r.id, r.status, r.quantity])).toEqual([[first, 'active', 100]]);
  });

  it("Problem #2: the baseline check does not see a row in 'entry_placed' and inserts a second one", async () => {
    const first = await repo.createPosition(testusdt);
    await repo.updatePosition(first, { status: 'entry_placed' });
    const second = await repo.createPosition(testusdt);
    expect(second).not.toBe(first);
    expect((await db.openRows('TESTUSDT', 'binance')).map((r) => [r.id, r.status])).toEqual([
      [first, 'entry_placed'],
      [second, 'pending_entry'],
    ]);
  });

  it('createPosition checks per (symbol, exchange): another symbol or exchange gets its own row', async () => {
    const a = await repo.createPosition({ ...testusdt, status: 'active' });
    const b = await repo.createPosition({ ...testusdt, exchange: 'bybit', status: 'active' });
    const c = await repo.createPosition({ ...testusdt, symbol: 'OTHERUSDT', status: 'active' });
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('updatePosition writes the given fields, and the trigger records each status transition once', async () => {
    const id = await repo.createPosition(testusdt);
    await repo.updatePosition(id, { status: 'entry_placed', exchange_order_id: 'binance-7', entry_price: 1.25 });
    await repo.updatePosition(id, { quantity: 99.5 }); // no status change: no history row
    await repo.updatePosition(id, { status: 'pending_sl' });
    await repo.updatePosition(id, { status: 'active', stop_loss_price: 1.225, has_stop_loss: true });

    const [row] = await db.rows();
    expect(row).toMatchObject({
      id,
      status: 'active',
      exchangeOrderId: 'binance-7',
      entryPrice: 1.25,
      quantity: 99.5,
      stopLossPrice: 1.225,
      hasStopLoss: true,
      closed: false,
    });
    expect(await db.history(id)).toEqual([
      { positionId: id, from: null, to: 'pending_entry' },
      { positionId: id, from: 'pending_entry', to: 'entry_placed' },
      { positionId: id, from: 'entry_placed', to: 'pending_sl' },
      { positionId: id, from: 'pending_sl', to: 'active' },
    ]);
    const stamps = await db.client.query('SELECT updated_at > created_at AS moved FROM monitoring.positions WHERE id = $1', [id]);
    expect(stamps.rows[0]?.moved).toBe(true);
  });

  it('updatePosition touches only the row it names', async () => {
    const a = await repo.createPosition(testusdt);
    const b = await repo.createPosition({ ...testusdt, symbol: 'OTHERUSDT' });
    await repo.updatePosition(a, { status: 'entry_placed' });
    expect((await db.rows()).map((r) => [r.id, r.status])).toEqual([
      [a, 'entry_placed'],
      [b, 'pending_entry'],
    ]);
  });

  it("Problem #6: getOpenPosition sees only 'active' rows in the baseline", async () => {
    const id = await repo.createPosition(testusdt);
    expect(await repo.getOpenPosition('TESTUSDT', 'binance')).toBeNull();
    await repo.updatePosition(id, { status: 'entry_placed' });
    expect(await repo.getOpenPosition('TESTUSDT', 'binance')).toBeNull();
    await repo.updatePosition(id, { status: 'pending_sl' });
    expect(await repo.getOpenPosition('TESTUSDT', 'binance')).toBeNull();
    await repo.updatePosition(id, { status: 'active', stop_loss_price: 0.98, has_stop_loss: true });
    expect(await repo.getOpenPosition('TESTUSDT', 'binance')).toEqual({
      id,
      symbol: 'TESTUSDT',
      exchange: 'binance',
      side: 'long',
      quantity: 100,
      entryPrice: 1,
      status: 'active',
      exchangeOrderId: null,
      stopLossPrice: 0.98,
      hasStopLoss: true,
      exitReason: null,
    });
    expect(await repo.getOpenPosition('TESTUSDT', 'bybit')).toBeNull();
  });

  it("listOpenPositions lists one exchange's 'active' rows, by id", async () => {
    const btc = await repo.createPosition({ ...testusdt, symbol: 'BTCUSDT', status: 'active' });
    const placed = await repo.createPosition({ ...testusdt, symbol: 'ETHUSDT' });
    await repo.updatePosition(placed, { status: 'entry_placed' });
    const closed = await repo.createPosition({ ...testusdt, symbol: 'XRPUSDT', status: 'active' });
    await repo.closePosition(closed, 'test');
    await repo.createPosition({ ...testusdt, symbol: 'BTCUSDT', exchange: 'bybit', status: 'active' });
    const apt = await repo.createPosition({ ...testusdt, symbol: 'APTUSDT', status: 'active' });

    const open = await repo.listOpenPositions('binance');
    expect(open.map((r) => [r.id, r.symbol, r.status])).toEqual([
      [btc, 'BTCUSDT', 'active'],
      [apt, 'APTUSDT', 'active'],
    ]);
  });

  it("closePosition keeps the row as history: status 'closed', exit_reason and closed_at set", async () => {
    const id = await repo.createPosition({ ...testusdt, status: 'active' });
    await repo.closePosition(id, 'take profit');
    expect(await db.rows()).toEqual([expect.objectContaining({ id, status: 'closed', exitReason: 'take profit', closed: true })]);
    expect(await repo.getOpenPosition('TESTUSDT', 'binance')).toBeNull();
    expect(await repo.getPosition(id)).toMatchObject({ id, status: 'closed' });
    expect((await db.history(id)).at(-1)).toEqual({ positionId: id, from: 'active', to: 'closed' });
    // The partial index lets the symbol be opened again once the old row is closed.
    const again = await repo.createPosition({ ...testusdt, status: 'active' });
    expect(again).not.toBe(id);
  });

  it("the original partial index rejects a second 'active' row with 23505 on idx_unique_active_position", async () => {
    const first = await repo.createPosition(testusdt);
    await repo.updatePosition(first, { status: 'entry_placed' }); // outside the index (Problem #1)
    const second = await repo.createPosition({ ...testusdt, status: 'active' });
    expect(second).not.toBe(first);
    await expect(repo.updatePosition(first, { status: 'active' })).rejects.toMatchObject({
      code: '23505',
      constraint: 'idx_unique_active_position',
    });
    expect((await db.rows()).map((r) => r.status)).toEqual(['entry_placed', 'active']);
  });

  it('Problem #3: a baseline UPDATE takes no lock and goes through while another session holds the position lock', async () => {
    const id = await repo.createPosition(testusdt);
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [positionLockId('TESTUSDT', 'binance')]);
      await repo.updatePosition(id, { status: 'entry_placed' }); // Problem #3: no lock taken
      expect((await db.rows())[0]?.status).toBe('entry_placed');
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });
});

describe('PositionRepository under other policies', () => {
  const db = usePositionDatabase();


  it("Phase 5 Test 1 as written: with createCheckStatuses = OPEN_STATUSES, create returns the existing 'entry_placed' id", async () => {
    const repo = new PositionRepository(db.sql, { ...BASELINE_POLICY, createCheckStatuses: OPEN_STATUSES });
    const positionData: NewPosition = { symbol: 'TESTUSDT', exchange: 'binance', side: 'long', quantity: 100, entryPrice: 1.0, status: 'pending_entry' };

    const positionId1 = await repo.createPosition(positionData);
    expect(positionId1).toBeGreaterThan(0);
    await repo.updatePosition(positionId1, { status: 'entry_placed' });
    const positionId2 = await repo.createPosition(positionData);

    expect(positionId2).toBe(positionId1);
    const positions = await db.client.query(`SELECT id FROM monitoring.positions WHERE symbol = 'TESTUSDT' AND exchange = 'binance'`);
    expect(positions.rows).toHaveLength(1);
  });

  it('with openLookupStatuses = OPEN_STATUSES, getOpenPosition sees intermediate rows; the close pass follows reconcileStatuses', async () => {
    const repo = new PositionRepository(db.sql, { ...BASELINE_POLICY, createCheckStatuses: OPEN_STATUSES, openLookupStatuses: OPEN_STATUSES });
    const id = await repo.createPosition(testusdt);
    await repo.updatePosition(id, { status: 'pending_sl' });
    expect(await repo.getOpenPosition('TESTUSDT', 'binance')).toMatchObject({ id, status: 'pending_sl' });
    // Option 3 widens the existence check only: the synchroniser's close pass still reconciles 'active' rows.
    expect(await repo.listOpenPositions('binance')).toEqual([]);
    const widened = new PositionRepository(db.sql, { ...BASELINE_POLICY, reconcileStatuses: OPEN_STATUSES });
    expect((await widened.listOpenPositions('binance')).map((r) => r.id)).toEqual([id]);
    await repo.closePosition(id, 'done');
    expect(await repo.getOpenPosition('TESTUSDT', 'binance')).toBeNull();
    expect(await repo.listOpenPositions('binance')).toEqual([]);
  });

  it('updateMode advisory-locked writes, and waits for whoever holds the position lock', async () => {
    const repo = new PositionRepository(db.sql, { ...BASELINE_POLICY, updateMode: 'advisory-locked' });
    const id = await repo.createPosition(testusdt);
    const holder = await db.pool.connect();
    let done = false;
    let update: Promise<void> | undefined;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [positionLockId('TESTUSDT', 'binance')]);
      update = repo.updatePosition(id, { status: 'entry_placed', exchange_order_id: 'binance-1' }).then(() => {
        done = true;
      });
      await untilAdvisoryLockWaiter(db);
      expect(done).toBe(false);
      expect((await db.rows())[0]?.status).toBe('pending_entry');
    } finally {
      await holder.query('COMMIT');
      holder.release();
    }
    await update;
    expect(done).toBe(true);
    expect((await db.rows())[0]).toMatchObject({ id, status: 'entry_placed', exchangeOrderId: 'binance-1' });
    expect(await db.history(id)).toEqual([
      { positionId: id, from: null, to: 'pending_entry' },
      { positionId: id, from: 'pending_entry', to: 'entry_placed' },
    ]);
  });

  it('updateMode optimistic fails without the Option 6 migration: there is no version column (42703)', async () => {
    const repo = new PositionRepository(db.sql, { ...BASELINE_POLICY, updateMode: 'optimistic' });
    const id = await repo.createPosition(testusdt);
    await expect(repo.updatePosition(id, { status: 'entry_placed' })).rejects.toMatchObject({ code: '42703' });
    expect((await db.rows())[0]?.status).toBe('pending_entry');
  });
});

describe("PositionRepository with updateMode 'optimistic' (Option 6 migration applied)", () => {
  const db = usePositionDatabase([migrationFile('option6_version_column.up.sql')]);
  const optimistic: BotPolicy = { ...BASELINE_POLICY, updateMode: 'optimistic' };


  const versionOf = async (id: number): Promise<number> => {
    const r = await db.client.query('SELECT version FROM monitoring.positions WHERE id = $1', [id]);
    return Number(r.rows[0]?.version);
  };

  it('every update increments version', async () => {
    const repo = new PositionRepository(db.sql, optimistic);
    const id = await repo.createPosition(testusdt);
    expect(await versionOf(id)).toBe(0);
    await repo.updatePosition(id, { status: 'entry_placed' });
    expect(await versionOf(id)).toBe(1);
    await repo.updatePosition(id, { status: 'pending_sl' });
    await repo.closePosition(id, 'done');
    expect(await versionOf(id)).toBe(3);
    expect((await db.rows())[0]).toMatchObject({ status: 'closed', exitReason: 'done' });
  });

  it('a write between its version read and its UPDATE makes updatePosition throw ConcurrentModificationError', async () => {
    const id = await new PositionRepository(db.sql, optimistic).createPosition(testusdt);
    let interfered = false;
    // The real pg client, with another session's UPDATE slipped in right after the version read.
    const interleaved: SqlClient = {
      async query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[], label?: string): Promise<SqlResult<R>> {
        const result = await db.sql.query<R>(text, values);
        if (label === 'updatePosition:version' && !interfered) {
          interfered = true;
          await db.client.query('UPDATE monitoring.positions SET quantity = 1, version = version + 1 WHERE id = $1', [id]);
        }
        return result;
      },
      transaction: (label, fn) => db.sql.transaction(label, fn),
    };
    const repo = new PositionRepository(interleaved, optimistic);

    const error = await repo.updatePosition(id, { status: 'entry_placed', quantity: 50 }).catch((e: unknown) => e);
    expect(interfered).toBe(true);
    expect(error).toBeInstanceOf(ConcurrentModificationError);
    expect(error).toMatchObject({ code: 'E_CONCURRENT_MODIFICATION', positionId: id });
    // The other session's write stands; ours was not applied.
    expect((await db.rows())[0]).toMatchObject({ status: 'pending_entry', quantity: 1 });
    expect(await versionOf(id)).toBe(1);
  });
});
