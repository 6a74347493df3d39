// A random workload — signals, syncs and closes over a few symbols and two exchanges, some with
// a rejected stop-loss — as a fast-check arbitrary, and as a scenario the runner can execute.
// Its name encodes it (`prop-sa0f-y1-ca0`), so a shrunk counterexample replays from one string.
import fc from 'fast-check';
import type { InvariantId } from '../check/index.ts';
import { HarnessError } from '../errors/index.ts';
import { closeActor, defineScenario, signalActor, syncActor, type Scenario } from '../../scenarios/index.ts';

export const PROP_SYMBOLS = ['APTUSDT', 'ETHUSDT'] as const;
export const PROP_EXCHANGES = ['binance', 'bybit'] as const;

export type Flow =
  /** `reopen`: the symbol was traded before (a closed row exists). */
  | { readonly kind: 'signal'; readonly symbol: number; readonly exchange: number; readonly rejectStop: boolean; readonly reopen: boolean }
  | { readonly kind: 'sync'; readonly exchange: number }
  | { readonly kind: 'close'; readonly symbol: number; readonly exchange: number };

/**
 * What the layers claim: no duplicate open rows and no crash on the unique index. Side effects
 * (a close racing an open under Layer 1, Sync's stale snapshot) are scenarios of their own.
 */
export const PROPERTY_INVARIANTS: readonly InvariantId[] = ['no-duplicate-open', 'no-unhandled-db-error'];

const symbolIdx = fc.integer({ min: 0, max: PROP_SYMBOLS.length - 1 });
const exchangeIdx = fc.integer({ min: 0, max: PROP_EXCHANGES.length - 1 });

const signal = (rejectStop: boolean) =>
  fc.record({ kind: fc.constant('signal' as const), symbol: symbolIdx, exchange: exchangeIdx, rejectStop: fc.constant(rejectStop), reopen: fc.boolean() });

/** Signals first (fast-check shrinks towards the first arbitrary), faults rarer. */
export const flowArbitrary: fc.Arbitrary<Flow> = fc.oneof(
  { arbitrary: signal(false), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('sync' as const), exchange: exchangeIdx }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('close' as const), symbol: symbolIdx, exchange: exchangeIdx }), weight: 1 },
  { arbitrary: signal(true), weight: 1 },
);

/**
 * 1 to 4 flows, at most one Signal per (symbol, exchange): two Signals for one symbol is its own
 * scenario (signal-signal), where every layer set fails. Shrinking removes and simplifies flows.
 */
export const workloadArbitrary: fc.Arbitrary<readonly Flow[]> = fc
  .array(flowArbitrary, { minLength: 1, maxLength: 4 })
  .filter((flows) => {
    const keys = flows.filter((f) => f.kind === 'signal').map((f) => `${f.symbol}:${f.exchange}`);
    return new Set(keys).size === keys.length;
  });

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
  const token = (f: Flow) =>
    f.kind === 'sync'
      ? `y${f.exchange}`
      : f.kind === 'close'
        ? `c${SYM[f.symbol]}${f.exchange}`
        : `s${SYM[f.symbol]}${f.exchange}${f.rejectStop ? 'f' : ''}${f.reopen ? 'r' : ''}`;
  return `prop-${flows.map(token).join('-')}`;
}

export function parseWorkloadName(name: string): Flow[] | null {
  if (!name.startsWith('prop-')) return null;
  const flows: Flow[] = [];
  for (const t of name.slice(5).split('-')) {
    // A close has no [f][r] flags: accepting them would name one workload two ways.
    const m = /^(?:y([01])|s([ab])([01])(f?)(r?)|c([ab])([01]))$/.exec(t);
    if (!m) throw new HarnessError('E_UNKNOWN_SCENARIO', `malformed property workload '${name}' at '${t}': tokens are y<ex>, s<sym><ex>[f][r], c<sym><ex> with sym a|b and ex 0|1`);
    if (m[1] !== undefined) flows.push({ kind: 'sync', exchange: Number(m[1]) });
    else if (m[2] !== undefined) flows.push({ kind: 'signal', symbol: SYM.indexOf(m[2]), exchange: Number(m[3]), rejectStop: m[4] === 'f', reopen: m[5] === 'r' });
    else flows.push({ kind: 'close', symbol: SYM.indexOf(m[6] as string), exchange: Number(m[7]) });
  }
  return flows;
}

/** The workload as a scenario: each flow an actor; a rejected stop-loss injected per flow. */
export function workloadScenario(flows: readonly Flow[]): Scenario {
  const sym = (i: number) => PROP_SYMBOLS[i] as string;
  const ex = (i: number) => PROP_EXCHANGES[i] as string;
  return defineScenario({
    name: workloadName(flows),
    title: `Property workload: ${flows.map((f) => (f.kind === 'sync' ? `sync ${ex(f.exchange)}` : `${f.kind} ${sym(f.symbol)}@${ex(f.exchange)}${f.kind === 'signal' && f.rejectStop ? ' (stop rejected)' : ''}${f.kind === 'signal' && f.reopen ? ' (re-open)' : ''}`)).join(', ')}`,
    plan: 'random workload (fast-check)',
    setup: async (ctx) => {
      for (const f of flows) {
        if (f.kind === 'signal' && f.reopen) {
          await ctx.sql(
            `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, exit_reason, closed_at)
             VALUES ($1, $2, 'long', 1, 1, 'active', NULL, NULL)`,
            [sym(f.symbol), ex(f.exchange)],
          );
          await ctx.sql(`UPDATE monitoring.positions SET status = 'closed', exit_reason = 'earlier trade', closed_at = NOW() WHERE symbol = $1 AND exchange = $2`, [sym(f.symbol), ex(f.exchange)]);
        }
        if (f.kind === 'signal' && f.rejectStop) ctx.exchange.injectFault({ exchange: ex(f.exchange), operation: 'placeStopLoss', symbol: sym(f.symbol), fault: { kind: 'stop-loss-rejected' } });
      }
    },
    actors: (env) =>
      flows.map((f, i) => {
        if (f.kind === 'signal') return signalActor(`signal-${i}`, { symbol: sym(f.symbol), exchange: ex(f.exchange) }, env);
        if (f.kind === 'close') return closeActor(`close-${i}`, sym(f.symbol), ex(f.exchange), env);
        return syncActor(`sync-${i}`, ex(f.exchange), env);
      }),
    invariants: PROPERTY_INVARIANTS,
    expect: { default: 'holds', baseline: 'violates' },
  });
}
