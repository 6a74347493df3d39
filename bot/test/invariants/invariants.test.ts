// Each invariant of DESIGN section 7 on hand-built observed states: one state it accepts, one it
// flags (naming the rows at fault), including a transient duplicate only the history still shows.
import { describe, expect, it } from 'vitest';
import type { ExchangePosition, Order, PositionStatus } from '../../flow/index.ts';
import { INVARIANTS, INVARIANT_IDS, checkInvariants, isOpen, type ActorEnd, type HistoryEntry, type InvariantId, type ObservedRow, type ObservedState } from '../../../bot/invariants/index.ts';

function row(id: number, status: PositionStatus, over: Partial<ObservedRow> = {}): ObservedRow {
  return { id, symbol: 'APTUSDT', exchange: 'binance', side: 'long', quantity: 5, status, hasStopLoss: status === 'active', exitReason: null, ...over };
}

/** The history a row leaves when it walks `statuses` from its insert; seq numbers are set by `state`. */
function walk(id: number, statuses: readonly PositionStatus[], symbol = 'APTUSDT', exchange = 'binance'): Omit<HistoryEntry, 'seq'>[] {
  return statuses.map((s, i) => ({ positionId: id, symbol, exchange, oldStatus: i === 0 ? null : (statuses[i - 1] as PositionStatus), newStatus: s }));
}

function position(symbol: string, quantity: number, side: ExchangePosition['side'] = 'long'): ExchangePosition {
  return { symbol, side, quantity, entryPrice: 10 };
}

function stop(symbol: string): Order {
  return { orderId: `stop-${symbol}`, symbol, side: 'sell', type: 'stop_market', quantity: 5, status: 'new', avgPrice: null, filledQuantity: 0, stopPrice: 9, reduceOnly: true };
}

const ok = (name: string): ActorEnd => ({ name, status: 'ok', sqlState: null, code: null, message: null });

function state(o: {
  rows?: readonly ObservedRow[];
  history?: readonly Omit<HistoryEntry, 'seq'>[];
  exchange?: ObservedState['exchange'];
  actors?: readonly ActorEnd[];
  quiescent?: boolean;
}): ObservedState {
  return {
    rows: o.rows ?? [],
    history: (o.history ?? []).map((h, i) => ({ ...h, seq: i + 1 })),
    exchange: o.exchange ?? {},
    actors: o.actors ?? [ok('signal'), ok('sync')],
    quiescent: o.quiescent ?? true,
  };
}

const check = (id: InvariantId, s: ObservedState) => INVARIANTS[id].check(s);

describe('no-duplicate-open', () => {
  it('holds for one open row per (symbol, exchange), and for a row closed before the next one opened', () => {
    const s = state({
      rows: [row(1, 'closed'), row(2, 'active'), row(3, 'active', { exchange: 'bybit' }), row(4, 'pending_sl', { symbol: 'ETHUSDT' })],
      history: [
        ...walk(1, ['pending_entry', 'entry_placed', 'pending_sl', 'active', 'closed']),
        ...walk(2, ['pending_entry', 'entry_placed', 'pending_sl', 'active']),
        ...walk(3, ['active'], 'APTUSDT', 'bybit'),
        ...walk(4, ['pending_entry', 'entry_placed', 'pending_sl'], 'ETHUSDT'),
      ],
    });
    expect(check('no-duplicate-open', s)).toEqual([]);
  });

  it("flags two open rows for one key (Scenario B: Signal's row in pending_sl, Sync's active) and names both", () => {
    const s = state({
      rows: [row(1, 'pending_sl'), row(2, 'active')],
      history: [...walk(1, ['pending_entry', 'entry_placed']), ...walk(2, ['active']), { positionId: 1, symbol: 'APTUSDT', exchange: 'binance', oldStatus: 'entry_placed', newStatus: 'pending_sl' }],
    });
    const v = check('no-duplicate-open', s);
    expect(v).toHaveLength(1);
    expect(v[0]?.invariant).toBe('no-duplicate-open');
    expect([...(v[0]?.rows ?? [])].sort()).toEqual([1, 2]);
    expect(v[0]?.message).toContain('APTUSDT@binance');
  });

  it('replays the history and sees a transient duplicate that a later rollback hid from the final rows', () => {
    // #2 was opened while #1 was still in flight, then Option 4's check rolled #2 back: the final
    // table holds one open row, yet two were open at once.
    const s = state({
      rows: [row(1, 'active'), row(2, 'rolled_back', { exitReason: 'duplicate' })],
      history: [
        ...walk(1, ['pending_entry', 'entry_placed']),
        ...walk(2, ['pending_entry']),
        { positionId: 2, symbol: 'APTUSDT', exchange: 'binance', oldStatus: 'pending_entry', newStatus: 'rolled_back' },
        { positionId: 1, symbol: 'APTUSDT', exchange: 'binance', oldStatus: 'entry_placed', newStatus: 'pending_sl' },
        { positionId: 1, symbol: 'APTUSDT', exchange: 'binance', oldStatus: 'pending_sl', newStatus: 'active' },
      ],
    });
    expect(s.rows.filter((r) => isOpen(r.status))).toHaveLength(1);
    const v = check('no-duplicate-open', s);
    expect(v).toHaveLength(1);
    expect([...(v[0]?.rows ?? [])].sort()).toEqual([1, 2]);
  });

  it('reports one violation per key, with every row that was ever open together', () => {
    const s = state({
      history: [
        ...walk(1, ['active']),
        ...walk(2, ['active']),
        ...walk(3, ['active']),
        ...walk(4, ['active'], 'ETHUSDT'),
        ...walk(5, ['pending_entry'], 'ETHUSDT'),
      ],
      rows: [row(1, 'active'), row(2, 'active'), row(3, 'active'), row(4, 'active', { symbol: 'ETHUSDT' }), row(5, 'pending_entry', { symbol: 'ETHUSDT' })],
    });
    const v = check('no-duplicate-open', s);
    expect(v.map((x) => [...x.rows].sort())).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });
});

describe('no-unhandled-db-error', () => {
  it('holds when every actor ends ok, or fails with an error that carries no SQLSTATE', () => {
    const s = state({ actors: [ok('signal'), { name: 'sync', status: 'error', sqlState: null, code: 'E_STOP_LOSS_REJECTED', message: 'stop-loss rejected' }] });
    expect(check('no-unhandled-db-error', s)).toEqual([]);
  });

  it('flags an actor that ended with SQLSTATE 23505, naming the actor and the SQLSTATE', () => {
    const s = state({
      actors: [ok('signal'), { name: 'sync', status: 'error', sqlState: '23505', code: '23505', message: 'duplicate key value violates unique constraint "idx_unique_active_position"' }],
    });
    const v = check('no-unhandled-db-error', s);
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain('sync');
    expect(v[0]?.message).toContain('23505');
    expect(v[0]?.message).toContain('idx_unique_active_position');
  });
});

describe('exposure-matches', () => {
  it('holds when each exchange position equals the quantity of its open rows (long and short), ignoring closed rows', () => {
    const s = state({
      rows: [row(1, 'active'), row(2, 'closed', { quantity: 7 }), row(3, 'pending_sl', { symbol: 'ETHUSDT', side: 'short', quantity: 2 })],
      exchange: { binance: { positions: [position('APTUSDT', 5), position('ETHUSDT', 2, 'short')], openStops: [] } },
    });
    expect(check('exposure-matches', s)).toEqual([]);
  });

  it('flags doubled exposure: the exchange holds 10 while the only open row holds 5', () => {
    const s = state({ rows: [row(1, 'active')], exchange: { binance: { positions: [position('APTUSDT', 10)], openStops: [] } } });
    const v = check('exposure-matches', s);
    expect(v).toHaveLength(1);
    expect(v[0]?.rows).toEqual([1]);
    expect(v[0]?.message).toContain('exchange holds 10, open rows hold 5');
  });

  it('flags an untracked exchange position and an open row without a position', () => {
    const untracked = check('exposure-matches', state({ rows: [row(1, 'rolled_back')], exchange: { binance: { positions: [position('APTUSDT', 5)], openStops: [] } } }));
    expect(untracked).toHaveLength(1);
    expect(untracked[0]?.message).toContain('untracked');
    const orphan = check('exposure-matches', state({ rows: [row(1, 'active')], exchange: { binance: { positions: [], openStops: [] } } }));
    expect(orphan).toHaveLength(1);
    expect(orphan[0]?.message).toContain('rows without a position');
  });
});

describe('active-has-stop-loss', () => {
  it('holds when every active row has an open stop order for its symbol on its exchange; other statuses need none', () => {
    const s = state({
      rows: [row(1, 'active'), row(2, 'pending_sl', { symbol: 'ETHUSDT' })],
      exchange: { binance: { positions: [], openStops: [stop('APTUSDT')] } },
    });
    expect(check('active-has-stop-loss', s)).toEqual([]);
  });

  it('flags an active row whose stop-loss is missing, even when another exchange holds one for the symbol', () => {
    const s = state({
      rows: [row(1, 'active')],
      exchange: { binance: { positions: [], openStops: [stop('ETHUSDT')] }, bybit: { positions: [], openStops: [stop('APTUSDT')] } },
    });
    const v = check('active-has-stop-loss', s);
    expect(v).toHaveLength(1);
    expect(v[0]?.rows).toEqual([1]);
  });
});

describe('valid-transitions', () => {
  it("holds for the plan's full flow, a rollback, and Sync's direct insert as active", () => {
    const s = state({
      rows: [row(1, 'closed'), row(2, 'rolled_back'), row(3, 'active')],
      history: [
        ...walk(1, ['pending_entry', 'entry_placed', 'pending_sl', 'active', 'closed']),
        ...walk(2, ['pending_entry', 'entry_placed', 'rolled_back']),
        ...walk(3, ['active']),
      ],
    });
    expect(check('valid-transitions', s)).toEqual([]);
  });

  it('flags a closed row that is re-opened, and an insert straight into pending_sl', () => {
    const s = state({
      rows: [row(1, 'active'), row(2, 'pending_sl')],
      history: [...walk(1, ['active', 'closed', 'active']), ...walk(2, ['pending_sl'])],
    });
    const v = check('valid-transitions', s);
    expect(v.map((x) => x.rows)).toEqual([[1], [2]]);
    expect(v[0]?.message).toContain('closed → active');
    expect(v[1]?.message).toContain('(insert) → pending_sl');
  });

  it('flags rows whose history exists but which were deleted (closed history is kept)', () => {
    const s = state({ rows: [row(1, 'closed')], history: [...walk(1, ['active', 'closed']), ...walk(2, ['active', 'closed'])] });
    const v = check('valid-transitions', s);
    expect(v).toHaveLength(1);
    expect(v[0]?.rows).toEqual([2]);
    expect(v[0]?.message).toContain('history lost');
  });
});

describe('no-stuck-intermediate', () => {
  it('holds after quiescence when rows are active, closed or rolled back', () => {
    expect(check('no-stuck-intermediate', state({ rows: [row(1, 'active'), row(2, 'closed'), row(3, 'rolled_back')] }))).toEqual([]);
  });

  it('is skipped when the run did not quiesce (a hang): rows may legitimately be in flight', () => {
    expect(check('no-stuck-intermediate', state({ rows: [row(1, 'pending_sl')], quiescent: false }))).toEqual([]);
  });

  it.each(['pending_entry', 'entry_placed', 'pending_sl'] as const)('flags a row stuck in %s after quiescence', (status) => {
    const v = check('no-stuck-intermediate', state({ rows: [row(1, 'active', { symbol: 'ETHUSDT' }), row(2, status)] }));
    expect(v).toHaveLength(1);
    expect(v[0]?.rows).toEqual([2]);
    expect(v[0]?.message).toContain(status);
  });
});

describe('checkInvariants', () => {
  // Scenario B's end state: Signal's row stuck in pending_sl, Sync's duplicate active, Signal crashed on 23505.
  const scenarioB = state({
    rows: [row(1, 'pending_sl'), row(2, 'active')],
    history: [...walk(1, ['pending_entry', 'entry_placed', 'pending_sl']), ...walk(2, ['active'])],
    exchange: { binance: { positions: [position('APTUSDT', 5)], openStops: [stop('APTUSDT')] } },
    actors: [{ name: 'signal', status: 'error', sqlState: '23505', code: '23505', message: 'duplicate key' }, ok('sync')],
  });

  it('runs every invariant by default and only the given ones when asked', () => {
    expect(Object.keys(INVARIANTS)).toEqual([...INVARIANT_IDS]);
    const all = checkInvariants(scenarioB);
    expect(new Set(all.map((v) => v.invariant))).toEqual(new Set(['no-duplicate-open', 'no-unhandled-db-error', 'exposure-matches', 'no-stuck-intermediate']));
    expect(checkInvariants(scenarioB, ['no-duplicate-open']).map((v) => v.invariant)).toEqual(['no-duplicate-open']);
    expect(checkInvariants(scenarioB, ['active-has-stop-loss', 'valid-transitions'])).toEqual([]);
    expect(checkInvariants(scenarioB, [])).toEqual([]);
  });

  it('finds nothing in a clean end state', () => {
    const clean = state({
      rows: [row(1, 'active')],
      history: walk(1, ['pending_entry', 'entry_placed', 'pending_sl', 'active']),
      exchange: { binance: { positions: [position('APTUSDT', 5)], openStops: [stop('APTUSDT')] } },
    });
    expect(checkInvariants(clean)).toEqual([]);
  });
});
