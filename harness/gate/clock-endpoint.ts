// The virtual clock served to process actors over HTTP on loopback: a program reads the time and
// sleeps through it (RACE_CLOCK_URL), so a configurable sleep costs a scheduler decision, not
// wall time. GET /now → {"now": ms}; POST /sleep {"ms": N, "label"?: "..."} → {"now": ms} once
// the harness's clock has passed the wake-up.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The engine's clock, as the endpoint needs it. */
export interface ClockHooks {
  /** Virtual milliseconds now. */
  now(): number;
  /** Resolves when the sleeper is woken (the engine moved the virtual clock past it). */
  sleep(ms: number, label: string | undefined): Promise<void>;
}

export interface StartedClockEndpoint {
  /** `http://127.0.0.1:port`, for RACE_CLOCK_URL. */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The sleep request's fields, or the reason it is malformed. */
function parseSleep(text: string): { ms: number; label: string | undefined } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the body must be JSON: {"ms": 3000, "label": "settlement"}';
  }
  if (typeof body !== 'object' || body === null) return 'the body must be a JSON object: {"ms": 3000}';
  const { ms, label } = body as { ms?: unknown; label?: unknown };
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '"ms" must be a number of milliseconds, 0 or more';
  if (label !== undefined && typeof label !== 'string') return '"label" must be a string';
  return { ms, label };
}

async function handle(hooks: ClockHooks, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://clock').pathname;
  if (req.method === 'GET' && path === '/now') return reply(res, 200, { now: hooks.now() });
  if (req.method === 'POST' && path === '/sleep') {
    const parsed = parseSleep(await readBody(req));
    if (typeof parsed === 'string') return reply(res, 400, { error: parsed });
    try {
      await hooks.sleep(parsed.ms, parsed.label);
    } catch (e) {
      return reply(res, 503, { error: `the harness ended the sleep: ${e instanceof Error ? e.message : String(e)}` });
    }
    return reply(res, 200, { now: hooks.now() });
  }
  reply(res, 404, { error: `no ${req.method} ${path} here; the clock serves GET /now and POST /sleep {"ms": N, "label"?: "..."}` });
}

/** Starts the endpoint on 127.0.0.1 (a free port unless given). */
export async function startClockEndpoint(hooks: ClockHooks, options: { host?: string; port?: number } = {}): Promise<StartedClockEndpoint> {
  const server = http.createServer((req, res) => {
    handle(hooks, req, res).catch((e: unknown) => {
      if (!res.headersSent) reply(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
