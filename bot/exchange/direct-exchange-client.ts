// The fast transport for scheduled runs: an ExchangeClient that calls the mock exchange's shared
// calls in-process, with no fetch, no msw and no Request/Response. What the bot gets back is what
// FetchExchangeClient makes of the HTTP answer: the same values, the same ExchangeRequestError.

import {
  ExchangeRequestError,
  type ExchangeClient,
  type ExchangePosition,
  type MarketOrderRequest,
  type Order,
  type StopLossRequest,
} from '../flow/index.ts';
import { answerCall, prepareCall, type ExchangeReply, type PreparedCall } from './exchange-calls.ts';
import type { MockExchange } from './mock-exchange.ts';

export interface DirectExchangeClientOptions {
  readonly mock: MockExchange;
  readonly exchange: string;
  /** Aborts the calls, as a fetch's signal would (a hanging call then fails with ABORTED). */
  readonly signal?: AbortSignal;
}

/** An ExchangeClient over a MockExchange in the same process; see the contract test for its equivalence. */
export class DirectExchangeClient implements ExchangeClient {
  readonly exchange: string;
  readonly #mock: MockExchange;
  readonly #signal: AbortSignal | undefined;

  constructor(options: DirectExchangeClientOptions) {
    this.exchange = options.exchange;
    this.#mock = options.mock;
    this.#signal = options.signal;
  }

  async placeMarketOrder(req: MarketOrderRequest): Promise<Order> {
    // The body FetchExchangeClient sends, through the same JSON text: the same validation applies.
    const body = JSON.stringify({
      type: 'market',
      symbol: req.symbol,
      side: req.side,
      quantity: req.quantity,
      reduceOnly: req.reduceOnly ?? false,
    });
    return (await this.#call('placeMarketOrder', () => prepareCall.order(this.#mock, this.exchange, body))) as Order;
  }

  async placeStopLoss(req: StopLossRequest): Promise<Order> {
    const body = JSON.stringify({
      type: 'stop_market',
      symbol: req.symbol,
      side: req.side,
      quantity: req.quantity,
      stopPrice: req.stopPrice,
    });
    return (await this.#call('placeStopLoss', () => prepareCall.order(this.#mock, this.exchange, body))) as Order;
  }

  async getOrder(symbol: string, orderId: string): Promise<Order> {
    const route = this.#orderRoute('GET', symbol, orderId);
    const prepare = () => prepareCall.getOrder(this.#mock, this.exchange, symbol, orderId);
    return (await this.#call('getOrder', route ?? prepare)) as Order;
  }

  async cancelOrder(symbol: string, orderId: string): Promise<Order> {
    const route = this.#orderRoute('DELETE', symbol, orderId);
    const prepare = () => prepareCall.cancelOrder(this.#mock, this.exchange, symbol, orderId);
    return (await this.#call('cancelOrder', route ?? prepare)) as Order;
  }

  async listPositions(): Promise<readonly ExchangePosition[]> {
    return (await this.#call('listPositions', () => prepareCall.listPositions(this.#mock, this.exchange))) as ExchangePosition[];
  }

  async closePosition(symbol: string): Promise<Order | null> {
    const body = JSON.stringify({ symbol });
    const value = await this.#call('closePosition', () => prepareCall.closePosition(this.#mock, this.exchange, body));
    return (value as { order: Order | null }).order;
  }

  /** The body of a successful answer, as a copy (as JSON on the wire would make it); else the bot's error. */
  async #call(operation: string, prepare: (() => PreparedCall) | ExchangeReply): Promise<unknown> {
    const signal = this.#signal;
    // fetch refuses an aborted signal before sending anything.
    if (signal?.aborted) throw abortError(operation, signal);
    const answer = typeof prepare === 'function' ? answerCall(this.#mock, prepare, signal) : Promise.resolve(prepare);
    const reply = signal === undefined ? await answer : await untilAnsweredOrAborted(answer, operation, signal);
    switch (reply.kind) {
      case 'ok':
        return JSON.parse(JSON.stringify(reply.body)) as unknown;
      case 'error':
        throw new ExchangeRequestError(operation, reply.status, reply.code, reply.message);
      case 'no-response':
        // What fetch says when msw answers with a network error.
        throw new ExchangeRequestError(operation, 0, 'NETWORK', 'Failed to fetch');
    }
  }

  /**
   * URL path segments that are empty, `.` or `..` do not reach the order routes over HTTP (the
   * URL is normalised first): those requests end at the catch-all route as 404 NOT_FOUND.
   */
  #orderRoute(method: string, symbol: string, orderId: string): ExchangeReply | undefined {
    if (!isDotOrEmpty(symbol) && !isDotOrEmpty(orderId)) return undefined;
    const path = `/${encodeURIComponent(this.exchange)}/v1/order/${encodeURIComponent(symbol)}/${encodeURIComponent(orderId)}`;
    const { pathname } = new URL(path, 'http://mock-exchange.test');
    return { kind: 'error', status: 404, code: 'NOT_FOUND', message: `no route ${method} ${pathname}` };
  }
}

function isDotOrEmpty(segment: string): boolean {
  return segment === '' || segment === '.' || segment === '..';
}

/** The answer, or a rejection as soon as the signal aborts, as fetch does, whatever the exchange still does. */
function untilAnsweredOrAborted(answer: Promise<ExchangeReply>, operation: string, signal: AbortSignal): Promise<ExchangeReply> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(operation, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** fetch rejects with the signal's reason; FetchExchangeClient names an AbortError ABORTED. */
function abortError(operation: string, signal: AbortSignal): ExchangeRequestError {
  const reason: unknown = signal.reason;
  const isAbort = reason instanceof Error && (reason.name === 'AbortError' || reason.name === 'TimeoutError');
  const message = reason instanceof Error ? reason.message : String(reason);
  return new ExchangeRequestError(operation, 0, isAbort ? 'ABORTED' : 'NETWORK', message);
}
