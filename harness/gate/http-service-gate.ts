// A local HTTP server that fronts one outside service for process actors: each request is a step
// the hooks hold and release, then a fetch-style handler answers it (for a mock, e.g. msw's
// getResponse over its routes). The actor finds it in RACE_SERVICE_<NAME>_URL (see actorEnv).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fetch-style service: the request in, the response out. */
export type ServiceHandler = (request: Request) => Promise<Response>;

/** One request held at the gate. */
export interface ServiceStep {
  readonly service: string;
  /** 0, 1, 2... in the order requests arrived at this gate. */
  readonly index: number;
  readonly method: string;
  /** Path and query, e.g. `/items?page=2`. */
  readonly path: string;
  readonly body: string;
  /** `POST /orders {"qty":1}`, for traces. */
  readonly detail: string;
}

export type ServiceAnswer = { readonly status: number } | { readonly error: string };

export interface ServiceGateHooks {
  /** Resolve to let the request through to the handler; reject to answer 503 with that message. */
  onRequest(step: ServiceStep): Promise<void>;
  /** The client got its answer (or the handler failed: 502; or it answered Response.error(): the connection closed). */
  onAnswered?(step: ServiceStep, answer: ServiceAnswer): void;
}

export interface ServiceGateOptions {
  /** The service's name, as in RACE_SERVICE_<NAME>_URL. */
  readonly name: string;
  readonly handler: ServiceHandler;
  readonly hooks: ServiceGateHooks;
  readonly host?: string;
  readonly port?: number;
}

export interface StartedServiceGate {
  readonly name: string;
  /** `http://127.0.0.1:port`: the service's base URL for the actor. */
  readonly url: string;
  close(): Promise<void>;
}

/** Hop-by-hop or length headers node sets itself from the body it writes. */
const SKIPPED_HEADERS = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive']);

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toRequest(req: http.IncomingMessage, base: string, body: Buffer): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || SKIPPED_HEADERS.has(k)) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && body.length > 0;
  return new Request(new URL(req.url ?? '/', base), { method, headers, ...(hasBody ? { body } : {}) });
}

async function writeResponse(res: http.ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!SKIPPED_HEADERS.has(key)) headers[key] = value;
  });
  res.writeHead(response.status, headers);
  res.end(body);
}

function plain(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message);
}

/** Starts the gate on 127.0.0.1 (a free port unless given). */
export async function startServiceGate(options: ServiceGateOptions): Promise<StartedServiceGate> {
  const host = options.host ?? '127.0.0.1';
  let base = '';
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = next++;
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      const text = body.toString('utf8');
      const method = req.method ?? 'GET';
      const step: ServiceStep = { service: options.name, index, method, path, body: text, detail: text === '' ? `${method} ${path}` : `${method} ${path} ${text}` };
      try {
        await options.hooks.onRequest(step);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        plain(res, 503, `the harness refused this request to ${options.name}: ${message}`);
        options.hooks.onAnswered?.(step, { status: 503 });
        return;
      }
      let response: Response;
      try {
        response = await options.handler(toRequest(req, base, body));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        plain(res, 502, `the ${options.name} service failed: ${message}`);
        options.hooks.onAnswered?.(step, { error: message });
        return;
      }
      // fetch's Response.error() is a network error: the client sees its connection closed with no
      // answer, as a response lost on the way looks (a mock's "lost response" fault), not a 5xx.
      if (response.type === 'error') {
        req.socket.destroy();
        options.hooks.onAnswered?.(step, { error: 'no response: the service gave a network error, the connection was closed' });
        return;
      }
      await writeResponse(res, response);
      options.hooks.onAnswered?.(step, { status: response.status });
    })().catch((e: unknown) => {
      if (!res.headersSent) plain(res, 500, e instanceof Error ? e.message : String(e));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `http://${host}:${port}`;
  return {
    name: options.name,
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
