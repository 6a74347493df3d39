// The HTTP service gate: each request of a Python process (urllib) or of fetch is held until the
// test releases it, then answered by a fetch-style handler (msw's getResponse over routes).
import { getResponse, http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceGate, type ServiceAnswer, type ServiceStep, type StartedServiceGate } from '../../harness/gate/index.ts';
import { named, printed, pythonMissing, runPython } from '../support/client-programs.ts';

const routes = [
  http.get('*/prices/:item', ({ params }) => HttpResponse.json({ item: params['item'], price: 100 })),
  http.post('*/orders', async ({ request }) => HttpResponse.json({ accepted: ((await request.json()) as { qty: number }).qty }, { status: 201 })),
];

async function handler(request: Request): Promise<Response> {
  return (await getResponse(routes, request)) ?? new Response('no route', { status: 404 });
}

/** Holds every request until the test lets it through (or refuses it). */
function holdingHooks() {
  const held: { step: ServiceStep; release(): void; refuse(e: Error): void }[] = [];
  const answers: [number, ServiceAnswer][] = [];
  let notify: (() => void) | null = null;
  return {
    answers,
    hooks: {
      onRequest: (step: ServiceStep) =>
        new Promise<void>((release, refuse) => {
          held.push({ step, release, refuse });
          notify?.();
        }),
      onAnswered: (step: ServiceStep, answer: ServiceAnswer) => void answers.push([step.index, answer]),
    },
    async next() {
      while (held.length === 0) await new Promise<void>((r) => (notify = r));
      return held.shift()!;
    },
  };
}

let gate: StartedServiceGate | undefined;
afterEach(async () => {
  await gate?.close();
  gate = undefined;
});

describe('HTTP service gate', () => {
  it.skipIf(pythonMissing('urllib'))(named('a Python process: each request is a step, released in turn and answered by the routes', pythonMissing('urllib')), async () => {
    const h = holdingHooks();
    gate = await startServiceGate({ name: 'price-feed', handler, hooks: h.hooks });
    const run = runPython('service_client.py', undefined, {}, { services: { 'price-feed': gate.url } });
    const first = await h.next();
    expect(first.step).toMatchObject({ service: 'price-feed', index: 0, method: 'GET', path: '/prices/tea', detail: 'GET /prices/tea' });
    expect(h.answers).toEqual([]);
    first.release();
    const second = await h.next();
    expect(second.step).toMatchObject({ index: 1, method: 'POST', path: '/orders', detail: 'POST /orders {"qty": 2}' });
    second.release();
    const exit = await run;
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(printed(exit)).toEqual({ price: { item: 'tea', price: 100 }, order: { status: 201, body: { accepted: 2 } } });
    expect(h.answers).toEqual([
      [0, { status: 200 }],
      [1, { status: 201 }],
    ]);
  });

  it('fetch: a refused request gets 503 with the reason, a failing handler 502', async () => {
    const h = holdingHooks();
    gate = await startServiceGate({ name: 'price-feed', handler, hooks: h.hooks });
    const refused = fetch(`${gate.url}/prices/coffee`);
    (await h.next()).refuse(new Error('the run is over'));
    const r = await refused;
    expect([r.status, await r.text()]).toEqual([503, 'the harness refused this request to price-feed: the run is over']);

    const failing = await startServiceGate({ name: 'broken', handler: () => Promise.reject(new Error('socket hang up')), hooks: { onRequest: async () => {} } });
    try {
      const f = await fetch(`${failing.url}/x`);
      expect([f.status, await f.text()]).toEqual([502, 'the broken service failed: socket hang up']);
    } finally {
      await failing.close();
    }
  });

  it("fetch: a handler's Response.error() closes the connection without an answer, as a lost response looks", async () => {
    const answers: ServiceAnswer[] = [];
    const lossy = await startServiceGate({ name: 'lossy', handler: async () => Response.error(), hooks: { onRequest: async () => {}, onAnswered: (_s, a) => void answers.push(a) } });
    try {
      const error = await fetch(`${lossy.url}/orders`, { method: 'POST', body: '{}' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(String((error as TypeError).message)).toBe('fetch failed');
      expect(answers).toEqual([{ error: 'no response: the service gave a network error, the connection was closed' }]);
    } finally {
      await lossy.close();
    }
  });
});
