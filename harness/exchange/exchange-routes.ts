// The mock exchange's REST face as msw handlers, and where injected faults take effect. Handlers
// run inside the caller's fetch, so its AsyncLocalStorage context (the acting actor) reaches clock.sleep.
//
// Routes, all under `{baseUrl}/{exchange}/v1`, JSON in and out:
//   POST   /order                    { type: 'market', symbol, side, quantity, reduceOnly? }  → Order
//                                    { type: 'stop_market', symbol, side, quantity, stopPrice } → Order
//   GET    /order/:symbol/:orderId                                                          → Order
//   DELETE /order/:symbol/:orderId   cancels an open (`new`) order                           → Order
//   GET    /positions                                                                       → ExchangePosition[]
//   POST   /position/close           { symbol }                                              → { order: Order | null }
// Errors answer `{ code, message }`: 400 BAD_REQUEST (malformed body), 400 REDUCE_ONLY_REJECTED,
// 400 ORDER_NOT_CANCELLABLE, 400 STOP_REJECTED (fault), 404 UNKNOWN_EXCHANGE, 404 ORDER_NOT_FOUND,
// 404 NOT_FOUND (no such route), 429 RATE_LIMITED and 5xx SERVER_ERROR (faults). A lost response
// or an aborted hang is a network error, with no status at all.

import { http, HttpResponse, type HttpHandler, type JsonBodyType, type PathParams } from 'msw';
import type { MarketOrderRequest, OrderSide, StopLossRequest } from '../bot/index.ts';
import { httpFaultResponse, type ExchangeCall } from './exchange-fault.ts';
import { ExchangeRejection } from './exchange-rejection.ts';
import type { MockExchange } from './mock-exchange.ts';

/** A parsed, valid request: what a fault rule matches on, and the work it may skip or repeat. */
interface PreparedCall {
  readonly call: ExchangeCall;
  readonly execute: () => unknown;
}

/** msw handlers answering for `mock` under `baseUrl` (an origin, no trailing slash). */
export function exchangeRoutes(baseUrl: string, mock: MockExchange): HttpHandler[] {
  const api = `${baseUrl}/:exchange/v1`;
  return [
    http.post(api + '/order', ({ request, params }) =>
      handle(mock, request, async () => {
        const exchange = knownExchange(mock, params);
        const body = await jsonBody(request);
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
      }),
    ),
    http.get(api + '/order/:symbol/:orderId', ({ request, params }) =>
      handle(mock, request, async () => {
        const exchange = knownExchange(mock, params);
        const symbol = param(params, 'symbol');
        const orderId = param(params, 'orderId');
        return {
          call: { exchange, operation: 'getOrder', symbol },
          execute: () => mock.getOrder(exchange, symbol, orderId),
        };
      }),
    ),
    http.delete(api + '/order/:symbol/:orderId', ({ request, params }) =>
      handle(mock, request, async () => {
        const exchange = knownExchange(mock, params);
        const symbol = param(params, 'symbol');
        const orderId = param(params, 'orderId');
        return {
          call: { exchange, operation: 'cancelOrder', symbol },
          execute: () => mock.cancelOrder(exchange, symbol, orderId),
        };
      }),
    ),
    http.get(api + '/positions', ({ request, params }) =>
      handle(mock, request, async () => {
        const exchange = knownExchange(mock, params);
        return {
          call: { exchange, operation: 'listPositions' },
          execute: () => mock.positions(exchange),
        };
      }),
    ),
    http.post(api + '/position/close', ({ request, params }) =>
      handle(mock, request, async () => {
        const exchange = knownExchange(mock, params);
        const symbol = requireSymbol(await jsonBody(request));
        return {
          call: { exchange, operation: 'closePosition', symbol },
          execute: () => ({ order: mock.closePosition(exchange, symbol) }),
        };
      }),
    ),
    http.all(`${baseUrl}/*`, ({ request }) =>
      errorJson(404, 'NOT_FOUND', `no route ${request.method} ${new URL(request.url).pathname}`),
    ),
  ];
}

async function handle(
  mock: MockExchange,
  request: Request,
  prepare: () => Promise<PreparedCall>,
): Promise<Response> {
  let prepared: PreparedCall;
  try {
    prepared = await prepare();
  } catch (error) {
    return rejectionResponse(error);
  }
  const { call, execute } = prepared;
  // Malformed requests never reach here, so they do not use up a scenario's faults.
  const fault = mock.takeFault(call);
  switch (fault?.kind) {
    case undefined:
      break;
    case 'http': {
      const { status, code, message } = httpFaultResponse(fault);
      return errorJson(status, code, message);
    }
    case 'stop-loss-rejected':
      return errorJson(400, 'STOP_REJECTED', fault.message ?? 'stop price would trigger immediately');
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
      return HttpResponse.error();
    case 'hang':
      await untilAborted(request.signal);
      return HttpResponse.error();
  }
  try {
    return HttpResponse.json(execute() as JsonBodyType);
  } catch (error) {
    return rejectionResponse(error);
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

function rejectionResponse(error: unknown): Response {
  if (error instanceof ExchangeRejection) return errorJson(error.status, error.exchangeCode, error.message);
  throw error;
}

function errorJson(status: number, code: string, message: string): Response {
  return HttpResponse.json({ code, message }, { status });
}

function badRequest(message: string): ExchangeRejection {
  return new ExchangeRejection(400, 'BAD_REQUEST', message);
}

function param(params: PathParams, name: string): string {
  const value = params[name];
  return typeof value === 'string' ? value : '';
}

function knownExchange(mock: MockExchange, params: PathParams): string {
  const exchange = param(params, 'exchange');
  if (!mock.exchanges.includes(exchange)) {
    throw new ExchangeRejection(
      404,
      'UNKNOWN_EXCHANGE',
      `unknown exchange '${exchange}'; this mock serves: ${mock.exchanges.join(', ')}`,
    );
  }
  return exchange;
}

async function jsonBody(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function requireSymbol(body: Record<string, unknown>): string {
  if (typeof body.symbol !== 'string' || body.symbol === '') throw badRequest('symbol must be a non-empty string');
  return body.symbol;
}

function requireSide(body: Record<string, unknown>): OrderSide {
  if (body.side !== 'buy' && body.side !== 'sell') throw badRequest(`side must be 'buy' or 'sell'`);
  return body.side;
}

function requirePositive(body: Record<string, unknown>, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw badRequest(`${field} must be a positive number`);
  }
  return value;
}

function parseMarketOrder(body: Record<string, unknown>): MarketOrderRequest {
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

function parseStopLoss(body: Record<string, unknown>): StopLossRequest {
  return {
    symbol: requireSymbol(body),
    side: requireSide(body),
    quantity: requirePositive(body, 'quantity'),
    stopPrice: requirePositive(body, 'stopPrice'),
  };
}
