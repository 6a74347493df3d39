// Two flows add to one open position at once (read quantity, buy more, write quantity + n):
// Problem #3's "potential lost updates".
import { addActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const lostUpdate = defineBotScenario({
  name: 'lost-update',
  title: 'Concurrent updates of one row (lost update)',
  plan: 'Problem #3 (UPDATE without lock); Option 6',
  setup: async (ctx) => {
    await ctx.sql(
      `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, has_stop_loss, stop_loss_price)
       VALUES ('ADAUSDT', 'binance', 'long', 5, 10, 'active', true, 9.8)`,
    );
    ctx.exchange.placeMarketOrder('binance', { symbol: 'ADAUSDT', side: 'buy', quantity: 5 });
    ctx.exchange.placeStopLoss('binance', { symbol: 'ADAUSDT', side: 'sell', quantity: 5, stopPrice: 9.8 });
  },
  actors: (env) => [addActor('add-a', 'ADAUSDT', 'binance', 1, env), addActor('add-b', 'ADAUSDT', 'binance', 2, env)],
  invariants: ['exposure-matches', 'no-unhandled-db-error'],
  expect: {
    default: 'violates',
    proposed: 'holds',
    'symbol-flow-lock': 'holds',
    'quantity-delta': 'holds',
    'select-for-update': 'holds',
    targeted: 'holds',
  },
});
