// A symbol traded before (a closed row) is opened again: Option 1's index without WHERE
// refuses the new row.
import { signalActor, syncActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const closeReopen = defineBotScenario({
  name: 'close-reopen',
  title: 'Close then re-open the same symbol',
  plan: 'Option 1 cons: "will not allow closed positions for the same symbol"',
  setup: async (ctx) => {
    await ctx.sql(
      `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, has_stop_loss, exit_reason, closed_at)
       VALUES ('BTCUSDT', 'binance', 'long', 1, 10, 'active', true, NULL, NULL)`,
    );
    await ctx.sql(`UPDATE monitoring.positions SET status = 'closed', exit_reason = 'take profit', closed_at = NOW() WHERE symbol = 'BTCUSDT'`);
  },
  actors: (env) => [signalActor('signal', { symbol: 'BTCUSDT', exchange: 'binance', quantity: 2 }, env), syncActor('sync', 'bybit', env)],
  expect: { default: 'holds', proposed: 'holds', 'full-unique-index': 'violates' },
});
