// Production adapter of the ExchangeClient port: JSON REST over fetch. The harness points the
// same code at the msw mock exchange, so the bot's real HTTP error paths are what gets tested.

import {
  ExchangeRequestError,
  type ExchangeClient,
  type ExchangePosition,
  type MarketOrderRequest,
  type Order,
  type StopLossRequest,
} from '../exchange-client.ts';

export interface FetchExchangeClientOptions {
  /** Origin (and optional path prefix) of the exchange API, without a trailing slash. */
  readonly baseUrl: string;
  /** Exchange account name; also the first path segment of every route. */
  readonly exchange: string;
  /** Defaults to the global `fetch`, looked up per request. */
  readonly fetch?: typeof fetch;
}

type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** An `ExchangeClient` over the REST routes served by `bot/exchange` (see its routes file). */
export class FetchExchangeClient implements ExchangeClient {
  readonly exchange: string;
  readonly #apiUrl: string;
  readonly #fetch: typeof fetch;

  constructor(options: FetchExchangeClientOptions) {
    this.exchange = options.exchange;
    this.#apiUrl = `${options.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(options.exchange)}/v1`;
    // Late lookup: msw patches globalThis.fetch when its server starts, possibly after we are built.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async placeMarketOrder(req: MarketOrderRequest): Promise<Order> {
    const operation = 'placeMarketOrder';
    const body = {
      type: 'market',
      symbol: req.symbol,
      side: req.side,
      quantity: req.quantity,
      reduceOnly: req.reduceOnly ?? false,
    };
    const { status, value } = await this.#request(operation, 'POST', '/order', body);
    return decodeOrder(operation, status, value);
  }

  async placeStopLoss(req: StopLossRequest): Promise<Order> {
    const operation = 'placeStopLoss';
    const body = {
      type: 'stop_market',
      symbol: req.symbol,
      side: req.side,
      quantity: req.quantity,
      stopPrice: req.stopPrice,
    };
    const { status, value } = await this.#request(operation, 'POST', '/order', body);
    return decodeOrder(operation, status, value);
  }

  async getOrder(symbol: string, orderId: string): Promise<Order> {
    const operation = 'getOrder';
    const { status, value } = await this.#request(operation, 'GET', orderPath(symbol, orderId));
    return decodeOrder(operation, status, value);
  }

  async cancelOrder(symbol: string, orderId: string): Promise<Order> {
    const operation = 'cancelOrder';
    const { status, value } = await this.#request(operation, 'DELETE', orderPath(symbol, orderId));
    return decodeOrder(operation, status, value);
  }

  async listPositions(): Promise<readonly ExchangePosition[]> {
    const operation = 'listPositions';
    const { status, value } = await this.#request(operation, 'GET', '/positions');
    if (!Array.isArray(value)) throw badResponse(operation, status, 'expected an array of positions');
    return value.map((item) => decodePosition(operation, status, item));
  }

  async closePosition(symbol: string): Promise<Order | null> {
    const operation = 'closePosition';
    const { status, value } = await this.#request(operation, 'POST', '/position/close', { symbol });
    if (!isRecord(value) || !('order' in value)) {
      throw badResponse(operation, status, 'expected { order }');
    }
    return value.order === null ? null : decodeOrder(operation, status, value.order);
  }

  async #request(
    operation: string,
    method: HttpMethod,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; value: unknown }> {
    const init: RequestInit =
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.#apiUrl}${path}`, init);
      text = await response.text();
    } catch (error) {
      // No response: the caller cannot know whether the exchange executed the request.
      throw new ExchangeRequestError(operation, 0, isAbort(error) ? 'ABORTED' : 'NETWORK', messageOf(error));
    }
    if (!response.ok) {
      const { code, message } = decodeErrorBody(response.status, text);
      throw new ExchangeRequestError(operation, response.status, code, message);
    }
    try {
      return { status: response.status, value: JSON.parse(text) as unknown };
    } catch {
      throw badResponse(operation, response.status, 'body is not JSON');
    }
  }
}

function orderPath(symbol: string, orderId: string): string {
  return `/order/${encodeURIComponent(symbol)}/${encodeURIComponent(orderId)}`;
}

function decodeErrorBody(status: number, text: string): { code: string; message: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value) && typeof value.code === 'string') {
      return { code: value.code, message: typeof value.message === 'string' ? value.message : '' };
    }
  } catch {
    // A proxy or gateway answered with something else than the exchange's error body.
  }
  return { code: `HTTP_${status}`, message: text.slice(0, 200) };
}

const orderSides = ['buy', 'sell'] as const;
const orderTypes = ['market', 'stop_market'] as const;
const orderStatuses = ['new', 'filled', 'cancelled', 'rejected'] as const;
const positionSides = ['long', 'short'] as const;

function decodeOrder(operation: string, status: number, value: unknown): Order {
  if (
    isRecord(value) &&
    typeof value.orderId === 'string' &&
    typeof value.symbol === 'string' &&
    isOneOf(orderSides, value.side) &&
    isOneOf(orderTypes, value.type) &&
    typeof value.quantity === 'number' &&
    isOneOf(orderStatuses, value.status) &&
    (value.avgPrice === null || typeof value.avgPrice === 'number') &&
    typeof value.filledQuantity === 'number' &&
    (value.stopPrice === null || typeof value.stopPrice === 'number') &&
    typeof value.reduceOnly === 'boolean'
  ) {
    return {
      orderId: value.orderId,
      symbol: value.symbol,
      side: value.side,
      type: value.type,
      quantity: value.quantity,
      status: value.status,
      avgPrice: value.avgPrice,
      filledQuantity: value.filledQuantity,
      stopPrice: value.stopPrice,
      reduceOnly: value.reduceOnly,
    };
  }
  throw badResponse(operation, status, 'malformed order');
}

function decodePosition(operation: string, status: number, value: unknown): ExchangePosition {
  if (
    isRecord(value) &&
    typeof value.symbol === 'string' &&
    isOneOf(positionSides, value.side) &&
    typeof value.quantity === 'number' &&
    typeof value.entryPrice === 'number'
  ) {
    return { symbol: value.symbol, side: value.side, quantity: value.quantity, entryPrice: value.entryPrice };
  }
  throw badResponse(operation, status, 'malformed position');
}

function badResponse(operation: string, status: number, detail: string): ExchangeRequestError {
  return new ExchangeRequestError(operation, status, 'BAD_RESPONSE', `unexpected response body: ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOneOf<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
