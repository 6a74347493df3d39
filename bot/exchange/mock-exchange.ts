// The state of a fake futures exchange (net positions, orders, stop orders) for several
// exchange accounts at once; invariants read it directly, the bot only through HTTP.

import type { Clock } from '../../harness/ports/index.ts';
import type {
  ExchangePosition,
  MarketOrderRequest,
  Order,
  OrderSide,
  StopLossRequest,
} from '../flow/index.ts';
import { ExchangeRejection } from './exchange-rejection.ts';
import { FaultPlan, validateFaultRule, type ExchangeCall, type ExchangeFault, type FaultRule } from './exchange-fault.ts';

export interface MockExchangeOptions {
  /** Exchange accounts this mock serves; others get 404. Default: binance, bybit. */
  readonly exchanges?: readonly string[];
  /** Mark price per symbol; market orders fill at it. */
  readonly prices?: Readonly<Record<string, number>>;
  /** Price of symbols absent from `prices`. Default 10. */
  readonly defaultPrice?: number;
  /** Time for latency faults; required to inject one. */
  readonly clock?: Clock;
}

/** JSON-able copy of the whole exchange state, for traces and failing-run reports. */
export interface MockExchangeSnapshot {
  readonly prices: Readonly<Record<string, number>>;
  readonly exchanges: Readonly<
    Record<string, { readonly positions: readonly ExchangePosition[]; readonly orders: readonly Order[] }>
  >;
}

interface NetPosition {
  /** Signed: positive is long. */
  quantity: number;
  entryPrice: number;
}

interface Account {
  readonly positions: Map<string, NetPosition>;
  /** Insertion order is creation order, which `orders()` reports. */
  readonly orders: Map<string, Order>;
}

const defaultExchanges = ['binance', 'bybit'] as const;

/** A stateful fake futures exchange; see `serveMockExchange` for its HTTP face. */
export class MockExchange {
  readonly exchanges: readonly string[];
  readonly clock: Clock | undefined;
  readonly #initialPrices: Readonly<Record<string, number>>;
  readonly #defaultPrice: number;
  readonly #faults = new FaultPlan();
  #prices = new Map<string, number>();
  #accounts = new Map<string, Account>();
  #orderSeq = 0;

  constructor(options: MockExchangeOptions = {}) {
    this.exchanges = [...(options.exchanges ?? defaultExchanges)];
    this.clock = options.clock;
    this.#initialPrices = { ...options.prices };
    this.#defaultPrice = options.defaultPrice ?? 10;
    for (const [symbol, price] of [...Object.entries(this.#initialPrices), ['*', this.#defaultPrice] as const]) {
      if (!(Number.isFinite(price) && price > 0)) {
        throw new RangeError(`price of ${symbol} must be a positive number, got ${price}`);
      }
    }
    this.reset();
  }

  /** Back to no positions, no orders, no faults, the constructor's prices and order ids from 1. */
  reset(): void {
    this.#prices = new Map(Object.entries(this.#initialPrices));
    this.#accounts = new Map(this.exchanges.map((name) => [name, { positions: new Map(), orders: new Map() }]));
    this.#orderSeq = 0;
    this.#faults.clear();
  }

  // --- faults -----------------------------------------------------------------------------

  /** Arms a fault for matching HTTP calls; throws FaultRuleError (E_BAD_FAULT) if it can never apply. */
  injectFault(rule: FaultRule): void {
    this.#faults.add(validateFaultRule(rule, { exchanges: this.exchanges, hasClock: this.clock !== undefined }));
  }

  /** Consumes and returns the fault for this call, if a rule matches. */
  takeFault(call: ExchangeCall): ExchangeFault | undefined {
    return this.#faults.take(call);
  }

  pendingFaults(): readonly { readonly rule: FaultRule; readonly remaining: number }[] {
    return this.#faults.pending();
  }

  // --- prices -----------------------------------------------------------------------------

  priceOf(symbol: string): number {
    return this.#prices.get(symbol) ?? this.#defaultPrice;
  }

  setPrice(symbol: string, price: number): void {
    if (!(Number.isFinite(price) && price > 0)) {
      throw new RangeError(`price of ${symbol} must be a positive number, got ${price}`);
    }
    this.#prices.set(symbol, price);
  }

  // --- the exchange's operations ----------------------------------------------------------

  /** Fills at once at the symbol's price; a reduce-only order is cut to the position and never flips it. */
  placeMarketOrder(exchange: string, req: MarketOrderRequest): Order {
    const account = this.#account(exchange);
    const price = this.priceOf(req.symbol);
    const reduceOnly = req.reduceOnly ?? false;
    let filled = req.quantity;
    if (reduceOnly) {
      filled = reducibleQuantity(account.positions.get(req.symbol), req.side, req.quantity);
      if (filled === 0) {
        throw new ExchangeRejection(
          400,
          'REDUCE_ONLY_REJECTED',
          `reduce-only ${req.side} of ${req.symbol} would open or increase a position`,
        );
      }
    }
    applyFill(account.positions, req.symbol, req.side, filled, price);
    return this.#record(exchange, account, {
      symbol: req.symbol,
      side: req.side,
      type: 'market',
      quantity: req.quantity,
      status: 'filled',
      avgPrice: price,
      filledQuantity: filled,
      stopPrice: null,
      reduceOnly,
    });
  }

  /** A reduce-only stop_market order; it stays `new` until cancelled or `triggerStop`. */
  placeStopLoss(exchange: string, req: StopLossRequest): Order {
    const account = this.#account(exchange);
    return this.#record(exchange, account, {
      symbol: req.symbol,
      side: req.side,
      type: 'stop_market',
      quantity: req.quantity,
      status: 'new',
      avgPrice: null,
      filledQuantity: 0,
      stopPrice: req.stopPrice,
      reduceOnly: true,
    });
  }

  getOrder(exchange: string, symbol: string, orderId: string): Order {
    const order = this.#account(exchange).orders.get(orderId);
    if (order === undefined || order.symbol !== symbol) {
      throw new ExchangeRejection(404, 'ORDER_NOT_FOUND', `no order ${orderId} for ${symbol} on ${exchange}`);
    }
    return order;
  }

  /** Only an open (`new`) order can be cancelled, as on real exchanges. */
  cancelOrder(exchange: string, symbol: string, orderId: string): Order {
    const order = this.getOrder(exchange, symbol, orderId);
    if (order.status !== 'new') {
      throw new ExchangeRejection(400, 'ORDER_NOT_CANCELLABLE', `order ${orderId} is ${order.status}`);
    }
    const cancelled: Order = { ...order, status: 'cancelled' };
    this.#account(exchange).orders.set(orderId, cancelled);
    return cancelled;
  }

  /** A reduce-only market order for the whole position, or null when there is none. */
  closePosition(exchange: string, symbol: string): Order | null {
    const position = this.#account(exchange).positions.get(symbol);
    if (position === undefined) return null;
    return this.placeMarketOrder(exchange, {
      symbol,
      side: position.quantity > 0 ? 'sell' : 'buy',
      quantity: Math.abs(position.quantity),
      reduceOnly: true,
    });
  }

  /**
   * Fires every open stop order of `symbol`, oldest first, at its stop price. A stop with nothing
   * left to reduce is cancelled (expired), as a reduce-only stop is on a real exchange.
   */
  triggerStop(exchange: string, symbol: string): readonly Order[] {
    const account = this.#account(exchange);
    const triggered: Order[] = [];
    for (const order of this.openStopOrders(exchange, symbol)) {
      const stopPrice = order.stopPrice ?? this.priceOf(symbol);
      const filled = reducibleQuantity(account.positions.get(symbol), order.side, order.quantity);
      let next: Order;
      if (filled === 0) {
        next = { ...order, status: 'cancelled' };
      } else {
        applyFill(account.positions, symbol, order.side, filled, stopPrice);
        next = { ...order, status: 'filled', avgPrice: stopPrice, filledQuantity: filled };
      }
      account.orders.set(order.orderId, next);
      triggered.push(next);
    }
    return triggered;
  }

  // --- reading state for invariants -------------------------------------------------------

  /** Open positions, sorted by symbol. */
  positions(exchange: string): readonly ExchangePosition[] {
    return [...this.#account(exchange).positions.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([symbol, { quantity, entryPrice }]) => ({
        symbol,
        side: quantity > 0 ? 'long' : 'short',
        quantity: Math.abs(quantity),
        entryPrice,
      }));
  }

  /** Every order ever accepted, in creation order. */
  orders(exchange: string): readonly Order[] {
    return [...this.#account(exchange).orders.values()];
  }

  /** Stop orders still armed (`new`), optionally of one symbol. */
  openStopOrders(exchange: string, symbol?: string): readonly Order[] {
    return this.orders(exchange).filter(
      (order) =>
        order.type === 'stop_market' && order.status === 'new' && (symbol === undefined || order.symbol === symbol),
    );
  }

  snapshot(): MockExchangeSnapshot {
    const exchanges: Record<string, { positions: readonly ExchangePosition[]; orders: readonly Order[] }> = {};
    for (const name of this.exchanges) {
      exchanges[name] = { positions: this.positions(name), orders: this.orders(name) };
    }
    return { prices: Object.fromEntries([...this.#prices].sort(([a], [b]) => (a < b ? -1 : 1))), exchanges };
  }

  #account(exchange: string): Account {
    const account = this.#accounts.get(exchange);
    if (account === undefined) {
      throw new ExchangeRejection(
        404,
        'UNKNOWN_EXCHANGE',
        `unknown exchange '${exchange}'; this mock serves: ${this.exchanges.join(', ')}`,
      );
    }
    return account;
  }

  #record(exchange: string, account: Account, fields: Omit<Order, 'orderId'>): Order {
    this.#orderSeq += 1;
    const order: Order = { orderId: `${exchange}-${this.#orderSeq}`, ...fields };
    account.orders.set(order.orderId, order);
    return order;
  }
}

/** How much of `quantity` a reduce-only `side` order may fill against `position`; 0 if none. */
function reducibleQuantity(position: NetPosition | undefined, side: OrderSide, quantity: number): number {
  if (position === undefined) return 0;
  const reduces = side === 'sell' ? position.quantity > 0 : position.quantity < 0;
  return reduces ? Math.min(quantity, Math.abs(position.quantity)) : 0;
}

/** Moves the net position by a fill: averaging in, reducing at the old entry, or flipping at `price`. */
function applyFill(
  positions: Map<string, NetPosition>,
  symbol: string,
  side: OrderSide,
  quantity: number,
  price: number,
): void {
  const delta = side === 'buy' ? quantity : -quantity;
  const current = positions.get(symbol);
  if (current === undefined) {
    positions.set(symbol, { quantity: delta, entryPrice: price });
    return;
  }
  const next = roundAmount(current.quantity + delta);
  if (next === 0) {
    positions.delete(symbol);
  } else if (Math.sign(current.quantity) === Math.sign(delta)) {
    const held = Math.abs(current.quantity);
    current.entryPrice = roundAmount((held * current.entryPrice + quantity * price) / (held + quantity));
    current.quantity = next;
  } else if (Math.sign(next) === Math.sign(current.quantity)) {
    current.quantity = next;
  } else {
    positions.set(symbol, { quantity: next, entryPrice: price });
  }
}

// Sums of float lot sizes (0.1 + 0.2 - 0.3) must still close a position to exactly zero.
function roundAmount(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
