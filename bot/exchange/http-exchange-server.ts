// Serves a MockExchange over real local HTTP (127.0.0.1, a free port): each request is answered by
// msw's getResponse over the same exchangeRoutes the in-process msw server uses, so a process
// actor in any language reaches exactly the routes, errors and faults the TypeScript bot does.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FetchExchangeClient, type ExchangeClient } from '../flow/index.ts';
import { knownExchange } from './exchange-calls.ts';
import { exchangeRoutes } from './exchange-routes.ts';
import type { MockExchange } from './mock-exchange.ts';
import { msw } from './msw-modules.ts';

/** A MockExchange listening on a local port until `close()`. */
export interface HttpExchangeServer {
  readonly mock: MockExchange;
  /** e.g. `http://127.0.0.1:40123`; routes are `{baseUrl}/{exchange}/v1/...`. */
  readonly baseUrl: string;
  /** A FetchExchangeClient over real HTTP for one exchange account of the mock. */
  client(exchange: string): ExchangeClient;
  /** Stops listening and drops open connections (a hanging request ends as a network error). Idempotent. */
  close(): Promise<void>;
}

/** Starts serving `mock` on 127.0.0.1 and a port the OS picks. */
export async function startHttpExchangeServer(mock: MockExchange): Promise<HttpExchangeServer> {
  const sockets = new Set<Socket>();
  let baseUrl = '';
  let handlers: ReturnType<typeof exchangeRoutes> = [];
  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      // Only our own bugs get here (the routes answer every exchange error): say so, do not hang.
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    // A client that goes away ends a hanging call (the `hang` fault waits for this abort).
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const method = req.method ?? 'GET';
    const request = new Request(`${baseUrl}${req.url ?? '/'}`, {
      method,
      headers: headersOf(req),
      ...(method === 'GET' || method === 'HEAD' || body.length === 0 ? {} : { body }),
      signal: abort.signal,
    });
    const response = await msw().getResponse(handlers, request);
    if (response === undefined) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${method} ${req.url ?? '/'}` });
      return;
    }
    if (response.type === 'error') {
      // HttpResponse.error(): a lost response or an aborted hang, which the client sees as a network error.
      req.socket.destroy();
      return;
    }
    const payload = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, {
      'content-type': response.headers.get('content-type') ?? 'application/json',
      'content-length': payload.length,
    });
    res.end(payload);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handlers = exchangeRoutes(baseUrl, mock);

  let closed: Promise<void> | undefined;
  return {
    mock,
    baseUrl,
    client(exchange) {
      // The global fetch itself: msw's in-process server (if any) passes unknown origins through.
      return new FetchExchangeClient({ baseUrl, exchange: knownExchange(mock, exchange) });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return headers;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const payload = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': payload.length });
  res.end(payload);
}
