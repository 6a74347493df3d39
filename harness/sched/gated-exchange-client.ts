// The scheduled ExchangeClient: every request to the exchange is a step of its own.
import type { ExchangeClient, ExchangePosition, MarketOrderRequest, Order, StopLossRequest } from '../../bot/flow/index.ts';

export type ExchangeGate = (operation: string, detail: string) => Promise<void>;
export type ExchangeStepDone = (result: string, error?: unknown) => void;

export class GatedExchangeClient implements ExchangeClient {
  readonly exchange: string;
  constructor(
    private readonly inner: ExchangeClient,
    private readonly gate: ExchangeGate,
    private readonly done: ExchangeStepDone,
  ) {
    this.exchange = inner.exchange;
  }

  placeMarketOrder(req: MarketOrderRequest): Promise<Order> {
    return this.step('placeMarketOrder', `${req.side} ${req.quantity} ${req.symbol}${req.reduceOnly ? ' reduce-only' : ''}`, () => this.inner.placeMarketOrder(req), orderResult);
  }
  placeStopLoss(req: StopLossRequest): Promise<Order> {
    return this.step('placeStopLoss', `${req.side} ${req.quantity} ${req.symbol} stop ${req.stopPrice}`, () => this.inner.placeStopLoss(req), orderResult);
  }
  getOrder(symbol: string, orderId: string): Promise<Order> {
    return this.step('getOrder', `${symbol} ${orderId}`, () => this.inner.getOrder(symbol, orderId), orderResult);
  }
  cancelOrder(symbol: string, orderId: string): Promise<Order> {
    return this.step('cancelOrder', `${symbol} ${orderId}`, () => this.inner.cancelOrder(symbol, orderId), orderResult);
  }
  listPositions(): Promise<readonly ExchangePosition[]> {
    return this.step('listPositions', this.exchange, () => this.inner.listPositions(), (ps) => `positions=${ps.length}`);
  }
  closePosition(symbol: string): Promise<Order | null> {
    return this.step('closePosition', symbol, () => this.inner.closePosition(symbol), (o) => (o ? orderResult(o) : 'none'));
  }

  private async step<T>(operation: string, detail: string, call: () => Promise<T>, describe: (t: T) => string): Promise<T> {
    await this.gate(operation, `${this.exchange} ${detail}`);
    try {
      const r = await call();
      this.done(describe(r));
      return r;
    } catch (e) {
      this.done('', e);
      throw e;
    }
  }
}

function orderResult(o: Order): string {
  return `${o.orderId} ${o.status}`;
}
