// One exchange account of a MockExchange as an HTTP face of its service (harness/ports): a program
// raced as a process actor calls `{RACE_SERVICE_EXCHANGE_<ACCOUNT>_URL}/{account}/v1/...` and each
// request is answered by the same msw routes (exchange-routes.ts) the TypeScript bot's fetch uses.
import type { HttpServiceFace } from '../../harness/ports/index.ts';
import { exchangeRoutes } from './exchange-routes.ts';
import type { MockExchange } from './mock-exchange.ts';
import { msw } from './msw-modules.ts';

/** Requests that only read the account (its positions, an order) commute with each other. */
const READS = /^\/[^/]+\/v1\/(positions|order\/[^/]+\/[^/]+)$/;

/** The HTTP face of `mock` for one account: a request for another account is answered 404. */
export function exchangeHttpFace(mock: MockExchange, account: string): HttpServiceFace {
  // The routes are bound to an origin; the gate's origin changes from run to run (keep the last).
  let bound: { origin: string; handlers: ReturnType<typeof exchangeRoutes> } | undefined;
  return {
    async handle(request) {
      const url = new URL(request.url);
      if (url.pathname.split('/')[1] !== encodeURIComponent(account)) {
        return Response.json({ code: 'NOT_FOUND', message: `this service is the ${account} account; no route ${request.method} ${url.pathname}` }, { status: 404 });
      }
      if (bound?.origin !== url.origin) bound = { origin: url.origin, handlers: exchangeRoutes(url.origin, mock) };
      const response = await msw().getResponse(bound.handlers, request);
      if (!response) throw new Error(`no route ${request.method} ${url.pathname}`);
      // HttpResponse.error() (a lost response, an aborted hang) goes back as it is: the gate closes
      // the connection without an answer, what the program would see of the real exchange.
      return response;
    },
    access(method, path) {
      return (method === 'GET' || method === 'HEAD') && READS.test(path.split('?')[0] ?? '') ? { reads: ['*'] } : { writes: ['*'] };
    },
  };
}
