// The lock key is (symbol, exchange), not the symbol: while a flow for APTUSDT on binance holds its
// lock (across the settlement sleep), a Sync on bybit, which holds an APTUSDT position no row
// tracks yet, must still import it. If a lock key dropped the exchange, the Sync would find the
// symbol busy, skip it, and leave the bybit position untracked.
import { withSymbolLock } from '../flow/index.ts';
import type { ActorSpec } from '../../harness/sched/index.ts';
import { syncActor } from './bot-actors.ts';
import { defineBotScenario, type ScenarioEnv } from './define-scenario.ts';

/** A binance flow in progress: the symbol lock held across a settlement sleep, nothing else. */
function binanceFlow(env: ScenarioEnv): ActorSpec {
  return {
    name: 'binance-flow',
    run: ({ sql, clock }) => withSymbolLock(sql, env.policy.symbolLock, 'APTUSDT', 'binance', () => clock.sleep(3000, 'settlement sleep')),
  };
}

export const twoExchangesOneSymbol = defineBotScenario({
  name: 'two-exchanges-one-symbol',
  title: 'One symbol on two exchanges: the lock key must keep them apart',
  plan: '_get_position_lock_id(symbol, exchange) and the symbol lock beyond the plan',
  setup: async (ctx) => {
    // Opened by hand on bybit: Sync's job is to import it.
    ctx.exchange.placeMarketOrder('bybit', { symbol: 'APTUSDT', side: 'buy', quantity: 3 });
  },
  // Whether the two lock keys conflict is what this scenario tests: the footprints carry the advisory
  // keys the SQL computes, so the search orders the Sync's lock attempt against the flow's lock.
  actors: (env) => [binanceFlow(env), syncActor('sync', 'bybit', env)],
  invariants: ['exposure-matches', 'no-duplicate-open', 'no-unhandled-db-error', 'no-stuck-intermediate'],
  expect: { default: 'holds', proposed: 'holds' },
});
