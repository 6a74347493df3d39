// The mock exchange's API as transport-neutral calls: request validation, the fault rules and the
// execution live here once; the msw routes and the direct client only translate to and from it.
//
// A call is answered with an ExchangeReply: a JSON body, an error (`{ status, code, message }`,
// what the exchange puts on the wire) or no response at all (a lost response, an aborted hang).
// Validation errors: 400 BAD_REQUEST (malformed body), 404 UNKNOWN_EXCHANGE; the mock's own:
// 400 REDUCE_ONLY_REJECTED, 400 ORDER_NOT_CANCELLABLE, 404 ORDER_NOT_FOUND; faults: 400
// STOP_REJECTED, 429 RATE_LIMITED, 5xx SERVER_ERROR.

import type { MarketOrderRequest, OrderSide, StopLossRequest } from '../flow/index.ts';
import { httpFaultResponse, type ExchangeCall } from './exchange-fault.ts';
import { ExchangeRejection } from './exchange-rejection.ts';
import type { MockExchange } from './mock-exchange.ts';

export type ExchangeReply =
  | { readonly kind: 'ok'; readonly body: unknown }
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message: string }
  /** The caller gets no answer: a network error (or its own abort) is all it sees. */
  | { readonly kind: 'no-response' };

/** A parsed, valid request: what a fault rule matches on, and the work it may skip or repeat. */
export interface PreparedCall {
  readonly call: ExchangeCall;
  readonly execute: () => unknown;
}

type RequestBody = Readonly<Record<string, unknown>>;

/** Builds each call from the request's parts; throws ExchangeRejection on a malformed one. */
export const prepareCall = {
  /** POST /order with a JSON body: a market order or a stop-loss, by `type`. */
  order(mock: MockExchange, exchangeName: string, bodyText: string): PreparedCall {
    const exchange = knownExchange(mock, exchangeName);
    const body = jsonObject(bodyText);
    if (body.type === 'market') {
      const req = parseMarketOrder(body);
      return {
        call: { exchange, operation: 'placeMarketOrder', symbol: req.symbol },
        execute: () => mock.placeMarketOrder(exchange, req),
      };
    }
    if (body.type === 'stop_market') {
      const req = parseStopLoss(body);
      return {
        call: { exchange, operation: 'placeStopLoss', symbol: req.symbol },
        execute: () => mock.placeStopLoss(exchange, req),
      };
    }
    throw badRequest(`type must be 'market' or 'stop_market', got ${JSON.stringify(body.type)}`);
  },
  getOrder(mock: MockExchange, exchangeName: string, symbol: string, orderId: string): PreparedCall {
    const exchange = knownExchange(mock, exchangeName);
    return {
      call: { exchange, operation: 'getOrder', symbol },
      execute: () => mock.getOrder(exchange, symbol, orderId),
    };
  },
  cancelOrder(mock: MockExchange, exchangeName: string, symbol: string, orderId: string): PreparedCall {
    const exchange = knownExchange(mock, exchangeName);
    return {
      call: { exchange, operation: 'cancelOrder', symbol },
      execute: () => mock.cancelOrder(exchange, symbol, orderId),
    };
  },
  listPositions(mock: MockExchange, exchangeName: string): PreparedCall {
    const exchange = knownExchange(mock, exchangeName);
    return { call: { exchange, operation: 'listPositions' }, execute: () => mock.positions(exchange) };
  },
  /** POST /position/close with the JSON body `{ symbol }`. */
  closePosition(mock: MockExchange, exchangeName: string, bodyText: string): PreparedCall {
    const exchange = knownExchange(mock, exchangeName);
    const symbol = requireSymbol(jsonObject(bodyText));
    return {
      call: { exchange, operation: 'closePosition', symbol },
      execute: () => ({ order: mock.closePosition(exchange, symbol) }),
    };
  },
};

/**
 * Answers one call, applying the first matching fault rule. `signal` ends a hanging call (the
 * caller's abort); without one a hang never answers.
 */
export async function answerCall(
  mock: MockExchange,
  prepare: () => PreparedCall,
  signal?: AbortSignal,
): Promise<ExchangeReply> {
  let prepared: PreparedCall;
  try {
    prepared = prepare();
  } catch (error) {
    return rejectionReply(error);
  }
  const { call, execute } = prepared;
  // Malformed requests never reach here, so they do not use up a scenario's faults.
  const fault = mock.takeFault(call);
  switch (fault?.kind) {
    case undefined:
      break;
    case 'http':
      return { kind: 'error', ...httpFaultResponse(fault) };
    case 'stop-loss-rejected':
      return {
        kind: 'error',
        status: 400,
        code: 'STOP_REJECTED',
        message: fault.message ?? 'stop price would trigger immediately',
      };
    case 'latency':
      // The virtual clock decides when this resumes; no real timer is involved.
      await mock.clock?.sleep(fault.ms, `exchange ${call.exchange} ${call.operation} latency ${fault.ms}ms`);
      break;
    case 'lost-response':
      try {
        execute();
      } catch (error) {
        // The caller never learns the outcome, whichever it was; only our own bugs surface.
        if (!(error instanceof ExchangeRejection)) throw error;
      }
      return { kind: 'no-response' };
    case 'hang':
      await untilAborted(signal);
      return { kind: 'no-response' };
  }
  try {
    return { kind: 'ok', body: execute() };
  } catch (error) {
    return rejectionReply(error);
  }
}

/** Resolves only when the request is aborted (by whoever times it out); never on its own. */
function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function rejectionReply(error: unknown): ExchangeReply {
  if (error instanceof ExchangeRejection) {
    return { kind: 'error', status: error.status, code: error.exchangeCode, message: error.message };
  }
  throw error;
}

function badRequest(message: string): ExchangeRejection {
  return new ExchangeRejection(400, 'BAD_REQUEST', message);
}

/** `exchange` if the mock serves it, else the 404 UNKNOWN_EXCHANGE rejection naming those it serves. */
export function knownExchange(mock: MockExchange, exchange: string): string {
  if (!mock.exchanges.includes(exchange)) {
    throw new ExchangeRejection(
      404,
      'UNKNOWN_EXCHANGE',
      `unknown exchange '${exchange}'; this mock serves: ${mock.exchanges.join(', ')}`,
    );
  }
  return exchange;
}

function jsonObject(text: string): RequestBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('body must be a JSON object');
  }
  return value as RequestBody;
}

function requireSymbol(body: RequestBody): string {
  if (typeof body.symbol !== 'string' || body.symbol === '') throw badRequest('symbol must be a non-empty string');
  return body.symbol;
}

function requireSide(body: RequestBody): OrderSide {
  if (body.side !== 'buy' && body.side !== 'sell') throw badRequest(`side must be 'buy' or 'sell'`);
  return body.side;
}

function requirePositive(body: RequestBody, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw badRequest(`${field} must be a positive number`);
  }
  return value;
}

function parseMarketOrder(body: RequestBody): MarketOrderRequest {
  if (body.reduceOnly !== undefined && typeof body.reduceOnly !== 'boolean') {
    throw badRequest('reduceOnly must be a boolean');
  }
  return {
    symbol: requireSymbol(body),
    side: requireSide(body),
    quantity: requirePositive(body, 'quantity'),
    reduceOnly: body.reduceOnly ?? false,
  };
}

function parseStopLoss(body: RequestBody): StopLossRequest {
  return {
    symbol: requireSymbol(body),
    side: requireSide(body),
    quantity: requirePositive(body, 'quantity'),
    stopPrice: requirePositive(body, 'stopPrice'),
  };
}
