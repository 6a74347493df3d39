// The bot's port to a futures exchange (one client per exchange account). Production
// adapter: HTTP over fetch; in the harness the same adapter talks to the msw mock exchange.

export type OrderSide = 'buy' | 'sell';
export type PositionSide = 'long' | 'short';
export type OrderType = 'market' | 'stop_market';
export type OrderStatus = 'new' | 'filled' | 'cancelled' | 'rejected';

export interface Order {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  readonly status: OrderStatus;
  /** Fill price of a filled market order, else null. */
  readonly avgPrice: number | null;
  readonly filledQuantity: number;
  readonly stopPrice: number | null;
  readonly reduceOnly: boolean;
}

export interface ExchangePosition {
  readonly symbol: string;
  readonly side: PositionSide;
  /** Always positive; the side says the direction. */
  readonly quantity: number;
  readonly entryPrice: number;
}

export interface MarketOrderRequest {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: number;
  readonly reduceOnly?: boolean;
}

export interface StopLossRequest {
  readonly symbol: string;
  /** The side that closes the position (sell for a long). */
  readonly side: OrderSide;
  readonly quantity: number;
  readonly stopPrice: number;
}

export interface ExchangeClient {
  /** The exchange's name as stored in `monitoring.positions.exchange`. */
  readonly exchange: string;
  placeMarketOrder(req: MarketOrderRequest): Promise<Order>;
  placeStopLoss(req: StopLossRequest): Promise<Order>;
  getOrder(symbol: string, orderId: string): Promise<Order>;
  cancelOrder(symbol: string, orderId: string): Promise<Order>;
  listPositions(): Promise<readonly ExchangePosition[]>;
  /** Market-closes the whole position of `symbol`; null when there was none. */
  closePosition(symbol: string): Promise<Order | null>;
}

/** A failed exchange request: HTTP status (0 when no response arrived) and the exchange's code. */
export class ExchangeRequestError extends Error {
  readonly code = 'E_EXCHANGE_REQUEST';
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly exchangeCode: string,
    message: string,
  ) {
    super(`${operation} failed (HTTP ${status}, ${exchangeCode}): ${message}`);
    this.name = 'ExchangeRequestError';
  }
}
