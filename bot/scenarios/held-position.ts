// Setup shared by scenarios that start from a position the bot already holds: an active row, its
// filled entry on the exchange and its stop-loss order, as a finished Signal leaves them.
import type { SetupContext } from './define-scenario.ts';

export async function holdPosition(ctx: SetupContext, symbol: string, exchange: string, quantity = 5): Promise<void> {
  const price = ctx.exchange.priceOf(symbol);
  const stop = Math.round(price * 0.98 * 1e8) / 1e8;
  const entry = ctx.exchange.placeMarketOrder(exchange, { symbol, side: 'buy', quantity });
  ctx.exchange.placeStopLoss(exchange, { symbol, side: 'sell', quantity, stopPrice: stop });
  await ctx.sql(
    `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, exchange_order_id, stop_loss_price, has_stop_loss)
     VALUES ($1, $2, 'long', $3, $4, 'active', $5, $6, true)`,
    [symbol, exchange, quantity, price, entry.orderId, stop],
  );
}
