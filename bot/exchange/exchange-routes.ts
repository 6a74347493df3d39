// The mock exchange's REST face as msw handlers: each route reads the request's parts and hands
// them to the shared calls (exchange-calls.ts), where validation and faults take effect. Handlers
// run while the caller's fetch is pending, in its async context.
//
// Routes, all under `{baseUrl}/{exchange}/v1`, JSON in and out:
//   POST   /order                    { type: 'market', symbol, side, quantity, reduceOnly? }  → Order
//                                    { type: 'stop_market', symbol, side, quantity, stopPrice } → Order
//   GET    /order/:symbol/:orderId                                                          → Order
//   DELETE /order/:symbol/:orderId   cancels an open (`new`) order                           → Order
//   GET    /positions                                                                       → ExchangePosition[]
//   POST   /position/close           { symbol }                                              → { order: Order | null }
// Errors answer `{ code, message }` (see exchange-calls.ts), plus 404 NOT_FOUND for no such route.
// A lost response or an aborted hang is a network error, with no status at all.

import type { HttpHandler, JsonBodyType, PathParams } from 'msw';
import { answerCall, prepareCall, type ExchangeReply, type PreparedCall } from './exchange-calls.ts';
import type { MockExchange } from './mock-exchange.ts';
import { msw } from './msw-modules.ts';

/** msw handlers answering for `mock` under `baseUrl` (an origin, no trailing slash). */
export function exchangeRoutes(baseUrl: string, mock: MockExchange): HttpHandler[] {
  const { http } = msw();
  const api = `${baseUrl}/:exchange/v1`;
  const answer = async (request: Request, prepare: () => PreparedCall) =>
    toResponse(await answerCall(mock, prepare, request.signal));
  return [
    http.post(api + '/order', async ({ request, params }) => {
      const body = await request.text();
      return answer(request, () => prepareCall.order(mock, param(params, 'exchange'), body));
    }),
    http.get(api + '/order/:symbol/:orderId', ({ request, params }) =>
      answer(request, () =>
        prepareCall.getOrder(mock, param(params, 'exchange'), param(params, 'symbol'), param(params, 'orderId')),
      ),
    ),
    http.delete(api + '/order/:symbol/:orderId', ({ request, params }) =>
      answer(request, () =>
        prepareCall.cancelOrder(mock, param(params, 'exchange'), param(params, 'symbol'), param(params, 'orderId')),
      ),
    ),
    http.get(api + '/positions', ({ request, params }) =>
      answer(request, () => prepareCall.listPositions(mock, param(params, 'exchange'))),
    ),
    http.post(api + '/position/close', async ({ request, params }) => {
      const body = await request.text();
      return answer(request, () => prepareCall.closePosition(mock, param(params, 'exchange'), body));
    }),
    http.all(`${baseUrl}/*`, ({ request }) =>
      errorJson(404, 'NOT_FOUND', `no route ${request.method} ${new URL(request.url).pathname}`),
    ),
  ];
}

function toResponse(reply: ExchangeReply): Response {
  const { HttpResponse } = msw();
  switch (reply.kind) {
    case 'ok':
      return HttpResponse.json(reply.body as JsonBodyType);
    case 'error':
      return errorJson(reply.status, reply.code, reply.message);
    case 'no-response':
      return HttpResponse.error();
  }
}

function errorJson(status: number, code: string, message: string): Response {
  return msw().HttpResponse.json({ code, message }, { status });
}

function param(params: PathParams, name: string): string {
  const value = params[name];
  return typeof value === 'string' ? value : '';
}
