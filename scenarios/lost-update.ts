// Two flows add to one open position at once (read quantity, buy more, write quantity + n):
// Problem #3's "potential lost updates".
import { createPositionBot } from '../harness/bot/index.ts';
import type { ActorSpec } from '../harness/sched/index.ts';
import { defineScenario, type ScenarioEnv } from './define-scenario.ts';

function addToPosition(name: string, add: number, env: ScenarioEnv): ActorSpec {
  return {
    name,
    run: async (ports) => {
      const exchange = ports.exchange('binance');
      const bot = createPositionBot({ sql: ports.sql, exchange, clock: ports.clock, policy: env.policy });
      const row = await bot.repository.getOpenPosition('ADAUSDT', 'binance');
      if (!row) return null;
      await exchange.placeMarketOrder({ symbol: 'ADAUSDT', side: 'buy', quantity: add });
      await bot.repository.updatePosition(row.id, { quantity: row.quantity + add }, 'updatePosition(quantity)');
      return row.id;
    },
  };
}

export const lostUpdate = defineScenario({
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
  actors: (env) => [addToPosition('add-a', 1, env), addToPosition('add-b', 2, env)],
  invariants: ['exposure-matches', 'no-unhandled-db-error'],
  expect: { default: 'violates' },
});
