// A random workload — Signals (second ones, re-opens, rejected stop-losses included), Syncs,
// manual closes and quantity adds over a few symbols and two exchanges — as a fast-check arbitrary,
// and as a scenario the runner can execute. Its name encodes it (`prop-sa0f-y1-ca0h`), so a shrunk
// counterexample replays from one string.
import fc from 'fast-check';
import { INVARIANT_IDS, type InvariantId } from '../../bot/invariants/index.ts';
import { HarnessError } from '../../harness/errors/index.ts';
import { addActor, closeActor, defineScenario, signalActor, syncActor, type Scenario } from '../scenarios/index.ts';

export const PROP_SYMBOLS = ['APTUSDT', 'ETHUSDT'] as const;
export const PROP_EXCHANGES = ['binance', 'bybit'] as const;

/**
 * `held`: the symbol is already open on that exchange when the workload starts (an active row,
 * the exchange position and its stop-loss), so a Signal on it is a second Signal and a close or an
 * add has something to act on. `reopen`: the symbol was traded before (a closed row exists).
 */
export type Flow =
  | { readonly kind: 'signal'; readonly symbol: number; readonly exchange: number; readonly rejectStop: boolean; readonly reopen: boolean; readonly held: boolean }
  | { readonly kind: 'sync'; readonly exchange: number }
  | { readonly kind: 'close'; readonly symbol: number; readonly exchange: number; readonly held: boolean }
  | { readonly kind: 'add'; readonly symbol: number; readonly exchange: number; readonly held: boolean };

/** Every invariant: what the layers claim, and what a fix must not break on the way. */
export const PROPERTY_INVARIANTS: readonly InvariantId[] = INVARIANT_IDS;

/** Index 0 three times in four: flows collide on one (symbol, exchange) often enough to race. */
const biased = (n: number) => fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: n - 1 }), weight: 1 });
const symbolIdx = biased(PROP_SYMBOLS.length);
const exchangeIdx = biased(PROP_EXCHANGES.length);

/** True `trueWeight` times in 4; shrinks towards false. */
const weighted = (trueWeight: number) => fc.oneof({ arbitrary: fc.constant(false), weight: 4 - trueWeight }, { arbitrary: fc.constant(true), weight: trueWeight });
const signal = (rejectStop: boolean) =>
  fc.record({ kind: fc.constant('signal' as const), symbol: symbolIdx, exchange: exchangeIdx, rejectStop: fc.constant(rejectStop), reopen: fc.boolean(), held: weighted(1) });
const onHeld = <K extends 'close' | 'add'>(kind: K) =>
  fc.record({ kind: fc.constant(kind), symbol: symbolIdx, exchange: exchangeIdx, held: weighted(3) });

/** Signals first (fast-check shrinks towards the first arbitrary), faults rarer. */
export const flowArbitrary: fc.Arbitrary<Flow> = fc.oneof(
  { arbitrary: signal(false), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('sync' as const), exchange: exchangeIdx }), weight: 2 },
  { arbitrary: onHeld('close'), weight: 2 },
  { arbitrary: onHeld('add'), weight: 2 },
  { arbitrary: signal(true), weight: 1 },
);

/** 1 to 4 flows; two Signals may share a symbol (the second Signal of signal-signal). Shrinking removes and simplifies flows. */
export const workloadArbitrary: fc.Arbitrary<readonly Flow[]> = fc.array(flowArbitrary, { minLength: 1, maxLength: 4 });

/**
 * A schedule as segments [pick, length] (see SegmentStrategy): a few numbers say "run this actor
 * 7 steps, then that one 5"; shrinking drops segments and lowers the numbers.
 */
export const segmentsArbitrary: fc.Arbitrary<readonly (readonly [number, number])[]> = fc.array(
  fc.tuple(fc.nat({ max: 7 }), fc.integer({ min: 1, max: 16 })),
  { maxLength: 10 },
);

const SYM = 'ab';

export function workloadName(flows: readonly Flow[]): string {
  const token = (f: Flow) => {
    if (f.kind === 'sync') return `y${f.exchange}`;
    const at = `${SYM[f.symbol]}${f.exchange}`;
    if (f.kind === 'close') return `c${at}${f.held ? 'h' : ''}`;
    if (f.kind === 'add') return `q${at}${f.held ? 'h' : ''}`;
    return `s${at}${f.rejectStop ? 'f' : ''}${f.reopen ? 'r' : ''}${f.held ? 'h' : ''}`;
  };
  return `prop-${flows.map(token).join('-')}`;
}

const TOKENS = 'tokens are y<ex>, s<sym><ex>[f][r][h], c<sym><ex>[h], q<sym><ex>[h] with sym a|b and ex 0|1';

export function parseWorkloadName(name: string): Flow[] | null {
  if (!name.startsWith('prop-')) return null;
  const flows: Flow[] = [];
  for (const t of name.slice(5).split('-')) {
    // Flags only where they mean something, in one order: one workload has one name.
    const m = /^(?:y([01])|s([ab])([01])(f?)(r?)(h?)|([cq])([ab])([01])(h?))$/.exec(t);
    if (!m) throw new HarnessError('E_UNKNOWN_SCENARIO', `malformed property workload '${name}' at '${t}': ${TOKENS}`);
    if (m[1] !== undefined) flows.push({ kind: 'sync', exchange: Number(m[1]) });
    else if (m[2] !== undefined) flows.push({ kind: 'signal', symbol: SYM.indexOf(m[2]), exchange: Number(m[3]), rejectStop: m[4] === 'f', reopen: m[5] === 'r', held: m[6] === 'h' });
    else flows.push({ kind: m[7] === 'c' ? 'close' : 'add', symbol: SYM.indexOf(m[8] as string), exchange: Number(m[9]), held: m[10] === 'h' });
  }
  return flows;
}

/** Where each flow acts, for the setup of held and re-opened symbols. */
function keyOf(f: Flow): { symbol: number; exchange: number } | null {
  return f.kind === 'sync' ? null : { symbol: f.symbol, exchange: f.exchange };
}

/** The workload as a scenario: each flow an actor; held and closed rows and rejected stop-losses set up per flow. */
export function workloadScenario(flows: readonly Flow[]): Scenario {
  const sym = (i: number) => PROP_SYMBOLS[i] as string;
  const ex = (i: number) => PROP_EXCHANGES[i] as string;
  const describe = (f: Flow) => {
    if (f.kind === 'sync') return `sync ${ex(f.exchange)}`;
    const flags = [f.kind === 'signal' && f.rejectStop ? 'stop rejected' : '', f.kind === 'signal' && f.reopen ? 're-open' : '', f.held ? 'held' : ''].filter(Boolean);
    return `${f.kind} ${sym(f.symbol)}@${ex(f.exchange)}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`;
  };
  return defineScenario({
    name: workloadName(flows),
    title: `Property workload: ${flows.map(describe).join(', ')}`,
    plan: 'random workload (fast-check)',
    setup: async (ctx) => {
      const keys = (pick: (f: Flow) => boolean) => [...new Set(flows.filter(pick).map(keyOf).filter((k) => k !== null).map((k) => `${k.symbol}:${k.exchange}`))].map((id) => {
        const [symbol, exchange] = id.split(':').map(Number) as [number, number];
        return [sym(symbol), ex(exchange)] as const;
      });
      // Closed history first: closing "earlier trades" must not touch a held position.
      for (const [symbol, exchange] of keys((f) => f.kind === 'signal' && f.reopen)) {
        await ctx.sql(
          `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, exit_reason, closed_at)
           VALUES ($1, $2, 'long', 1, 1, 'active', NULL, NULL)`,
          [symbol, exchange],
        );
        await ctx.sql(`UPDATE monitoring.positions SET status = 'closed', exit_reason = 'earlier trade', closed_at = NOW() WHERE symbol = $1 AND exchange = $2`, [symbol, exchange]);
      }
      for (const [symbol, exchange] of keys((f) => f.kind !== 'sync' && f.held)) {
        const price = ctx.exchange.priceOf(symbol);
        const entry = ctx.exchange.placeMarketOrder(exchange, { symbol, side: 'buy', quantity: 5 });
        ctx.exchange.placeStopLoss(exchange, { symbol, side: 'sell', quantity: 5, stopPrice: price * 0.98 });
        await ctx.sql(
          `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, exchange_order_id, stop_loss_price, has_stop_loss)
           VALUES ($1, $2, 'long', 5, $3, 'active', $4, $5, true)`,
          [symbol, exchange, price, entry.orderId, price * 0.98],
        );
      }
      for (const f of flows) {
        if (f.kind === 'signal' && f.rejectStop) ctx.exchange.injectFault({ exchange: ex(f.exchange), operation: 'placeStopLoss', symbol: sym(f.symbol), fault: { kind: 'stop-loss-rejected' } });
      }
    },
    actors: (env) =>
      flows.map((f, i) => {
        if (f.kind === 'signal') return signalActor(`signal-${i}`, { symbol: sym(f.symbol), exchange: ex(f.exchange) }, env);
        if (f.kind === 'close') return closeActor(`close-${i}`, sym(f.symbol), ex(f.exchange), env);
        if (f.kind === 'add') return addActor(`add-${i}`, sym(f.symbol), ex(f.exchange), 1, env);
        return syncActor(`sync-${i}`, ex(f.exchange), env);
      }),
    invariants: PROPERTY_INVARIANTS,
    expect: { default: 'violates', proposed: 'holds' },
  });
}
