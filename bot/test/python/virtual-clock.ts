// A virtual clock the test drives, for the TypeScript bot directly and for Python actors over HTTP
// (the RACE_CLOCK_URL contract: GET /now, POST /sleep). A sleep ends at once, unless the test holds
// the next sleep of a label: then the sleeper waits until the test releases it. No real timer.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '../../../harness/ports/index.ts';

export interface RecordedSleep {
  readonly ms: number;
  readonly label: string;
}

/** A sleep the test holds: the sleeper resumes on `release()`, and `now()` advances by its length. */
export interface HeldSleep extends RecordedSleep {
  release(): void;
}

interface Hold {
  readonly label: string;
  readonly parked: (sleep: HeldSleep) => void;
}

export class VirtualClock implements Clock {
  readonly sleeps: RecordedSleep[] = [];
  #now = 0;
  #holds: Hold[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, label = ''): Promise<void> {
    this.sleeps.push({ ms, label });
    const i = this.#holds.findIndex((h) => h.label === label);
    if (i < 0) {
      this.#now += ms;
      return Promise.resolve();
    }
    const [hold] = this.#holds.splice(i, 1);
    return new Promise((resolve) => {
      hold?.parked({
        ms,
        label,
        release: () => {
          this.#now += ms;
          resolve();
        },
      });
    });
  }

  /** Holds the next sleep labelled `label`; resolves when a sleeper is parked in it. */
  holdNext(label: string): { parked: Promise<HeldSleep>; cancel(): void } {
    let hold: Hold | undefined;
    const parked = new Promise<HeldSleep>((resolve) => {
      hold = { label, parked: resolve };
      this.#holds.push(hold);
    });
    return { parked, cancel: () => (this.#holds = this.#holds.filter((h) => h !== hold)) };
  }
}

/** `clock` over HTTP on 127.0.0.1, as a process actor's RACE_CLOCK_URL. */
export async function serveVirtualClock(clock: VirtualClock): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const reply = (status: number, value: unknown) => {
      const body = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (req.method === 'GET' && req.url === '/now') return reply(200, { now: clock.now() });
    if (req.method === 'POST' && req.url === '/sleep') {
      void readJson(req).then(
        async (body) => {
          const { ms, label } = body as { ms?: unknown; label?: unknown };
          if (typeof ms !== 'number' || ms < 0) return reply(400, { code: 'BAD_REQUEST', message: 'ms must be a non-negative number' });
          await clock.sleep(ms, typeof label === 'string' ? label : '');
          reply(200, { now: clock.now() });
        },
        () => reply(400, { code: 'BAD_REQUEST', message: 'body is not JSON' }),
      );
      return;
    }
    reply(404, { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}
