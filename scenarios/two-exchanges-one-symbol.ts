// The lock key is (symbol, exchange), not the symbol: a Signal for APTUSDT on binance and a Sync
// on bybit, which holds an APTUSDT position no row tracks yet, must not get in each other's way.
// If a lock key (createPosition's, locked-update's or the symbol lock's) dropped the exchange,
// the Sync would wait behind or skip the binance flow and leave the bybit position untracked.
import { signalActor, syncActor } from './bot-actors.ts';
import { defineScenario } from './define-scenario.ts';

export const twoExchangesOneSymbol = defineScenario({
  name: 'two-exchanges-one-symbol',
  title: 'One symbol on two exchanges: the lock key must keep them apart',
  plan: 'Problem #3 (locked-update) and _get_position_lock_id(symbol, exchange)',
  setup: async (ctx) => {
    // Opened by hand on bybit: Sync's job is to import it.
    ctx.exchange.placeMarketOrder('bybit', { symbol: 'APTUSDT', side: 'buy', quantity: 3 });
  },
  actors: (env) => [signalActor('signal', { symbol: 'APTUSDT', exchange: 'binance' }, env), syncActor('sync', 'bybit', ['APTUSDT@bybit'], env)],
  invariants: ['exposure-matches', 'no-duplicate-open', 'no-unhandled-db-error', 'no-stuck-intermediate'],
  expect: { default: 'holds' },
});
