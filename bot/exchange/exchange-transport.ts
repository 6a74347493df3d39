// How the bot's ExchangeClient reaches a MockExchange: over HTTP through msw (the reference, what
// production code does) or directly in-process (the fast path of scheduled runs). One typed map.

import type { ExchangeClient } from '../flow/index.ts';
import { DirectExchangeClient } from './direct-exchange-client.ts';
import { knownExchange } from './exchange-calls.ts';
import type { MockExchange } from './mock-exchange.ts';
import { serveMockExchange } from './mock-exchange-server.ts';

export type ExchangeTransport = 'http' | 'direct';

/** A MockExchange reachable through one transport until `close()`. */
export interface MockExchangeConnection {
  readonly transport: ExchangeTransport;
  readonly mock: MockExchange;
  /** A client for one exchange account of the mock; throws UNKNOWN_EXCHANGE for another. */
  client(exchange: string): ExchangeClient;
  /** Idempotent. */
  close(): void;
}

export interface ExchangeTransportEntry {
  readonly description: string;
  connect(mock: MockExchange): MockExchangeConnection;
}

export const EXCHANGE_TRANSPORTS: Record<ExchangeTransport, ExchangeTransportEntry> = {
  http: {
    description: 'fetch through msw, as production code talks to an exchange (the reference)',
    connect: (mock) => serveMockExchange(mock),
  },
  direct: {
    description: 'in-process calls to the mock exchange, same rules and errors, no HTTP (default of scheduled runs)',
    connect: (mock) => ({
      transport: 'direct',
      mock,
      client: (exchange) => new DirectExchangeClient({ mock, exchange: knownExchange(mock, exchange) }),
      close: () => undefined,
    }),
  },
};

/** Connects `mock` through `transport`. */
export function connectMockExchange(mock: MockExchange, transport: ExchangeTransport): MockExchangeConnection {
  return EXCHANGE_TRANSPORTS[transport].connect(mock);
}
