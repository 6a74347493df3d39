// Serves MockExchange instances over HTTP through one msw server per process: msw patches the
// global fetch once, so each instance gets its own base URL and parallel runs never share state.

import type { SetupServer } from 'msw/node';
import type { HttpHandler } from 'msw';
import { FetchExchangeClient } from '../flow/index.ts';
import type { ExchangeClient } from '../flow/index.ts';
import { exchangeRoutes } from './exchange-routes.ts';
import { knownExchange } from './exchange-calls.ts';
import type { MockExchangeConnection } from './exchange-transport.ts';
import type { MockExchange } from './mock-exchange.ts';
import { mswNode } from './msw-modules.ts';

/** A MockExchange reachable over fetch until `close()`. */
export interface ServedMockExchange extends MockExchangeConnection {
  readonly transport: 'http';
  /** Origin of this instance, e.g. `http://x3.mock-exchange.test`. */
  readonly baseUrl: string;
  /** A fetch-based client for one exchange account of the mock. */
  client(exchange: string): ExchangeClient;
  /** Stops answering on `baseUrl`; the msw server stops with the last served instance. Idempotent. */
  close(): void;
}

let server: SetupServer | undefined;
const served = new Map<string, readonly HttpHandler[]>();
let nextHost = 1;

/** Starts serving `mock` on a fresh base URL, starting the process's msw server if needed. */
export function serveMockExchange(mock: MockExchange): ServedMockExchange {
  const baseUrl = `http://x${nextHost++}.mock-exchange.test`;
  served.set(baseUrl, exchangeRoutes(baseUrl, mock));
  server ??= startServer();
  installHandlers(server);

  let open = true;
  return {
    baseUrl,
    mock,
    transport: 'http',
    client(exchange) {
      return new FetchExchangeClient({ baseUrl, exchange: knownExchange(mock, exchange) });
    },
    close() {
      if (!open) return;
      open = false;
      served.delete(baseUrl);
      if (served.size === 0) {
        server?.close();
        server = undefined;
      } else if (server !== undefined) {
        installHandlers(server);
      }
    },
  };
}

/** Whether the shared msw server runs, and for which base URLs; for leak checks at teardown. */
export function mockExchangeServerState(): { readonly listening: boolean; readonly baseUrls: readonly string[] } {
  return { listening: server !== undefined, baseUrls: [...served.keys()] };
}

function startServer(): SetupServer {
  // A fresh server per start: msw does not promise that listen() works again after close().
  const started = mswNode().setupServer();
  // Anything that is not one of our base URLs goes to the real network untouched.
  started.listen({ onUnhandledRequest: 'bypass' });
  return started;
}

function installHandlers(target: SetupServer): void {
  target.resetHandlers(...[...served.values()].flat());
}
