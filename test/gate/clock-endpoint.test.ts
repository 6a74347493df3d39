// The clock endpoint: a Python process (urllib) and fetch read the virtual time and sleep through
// it; a sleep answers only when the harness wakes it, whatever the wall clock does.
import { afterEach, describe, expect, it } from 'vitest';
import { startClockEndpoint, type StartedClockEndpoint } from '../../harness/gate/index.ts';
import { named, printed, pythonMissing, runPython } from '../support/client-programs.ts';

interface Sleeper {
  readonly ms: number;
  readonly label: string | undefined;
  wake(): void;
  fail(e: Error): void;
}

/** A hand-driven clock: the test moves time and wakes sleepers. */
function manualClock() {
  const state = { now: 1000 };
  const sleepers: Sleeper[] = [];
  let notify: (() => void) | null = null;
  return {
    state,
    hooks: {
      now: () => state.now,
      sleep: (ms: number, label: string | undefined) =>
        new Promise<void>((wake, fail) => {
          sleepers.push({ ms, label, wake, fail });
          notify?.();
        }),
    },
    /** The next sleeper, once one asks. */
    async sleeper(): Promise<Sleeper> {
      while (sleepers.length === 0) await new Promise<void>((r) => (notify = r));
      return sleepers.shift()!;
    },
  };
}

let endpoint: StartedClockEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe('clock endpoint', () => {
  it.skipIf(pythonMissing('urllib'))(named('a Python process reads the time and sleeps 3 s of virtual time at no wall cost', pythonMissing('urllib')), async () => {
    const clock = manualClock();
    endpoint = await startClockEndpoint(clock.hooks);
    const run = runPython('clock_client.py', undefined, {}, { clockUrl: endpoint.url });
    const sleeper = await clock.sleeper();
    expect([sleeper.ms, sleeper.label]).toEqual([3000, 'settlement']);
    clock.state.now += 3000;
    sleeper.wake();
    const exit = await run;
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(printed(exit)).toEqual({ before: 1000, woke: 4000 });
  });

  it('fetch: /now, a sleep that waits for its wake-up, and bad requests that say what is expected', async () => {
    const clock = manualClock();
    endpoint = await startClockEndpoint(clock.hooks);
    expect(await (await fetch(`${endpoint.url}/now`)).json()).toEqual({ now: 1000 });

    let answered = false;
    const slept = fetch(`${endpoint.url}/sleep`, { method: 'POST', body: JSON.stringify({ ms: 50 }) }).then(async (r) => ((answered = true), r.json()));
    const sleeper = await clock.sleeper();
    expect([sleeper.ms, sleeper.label, answered]).toEqual([50, undefined, false]);
    clock.state.now = 1050;
    sleeper.wake();
    expect(await slept).toEqual({ now: 1050 });

    const bad = await fetch(`${endpoint.url}/sleep`, { method: 'POST', body: '{"ms": -1}' });
    expect([bad.status, await bad.json()]).toEqual([400, { error: '"ms" must be a number of milliseconds, 0 or more' }]);
    const notJson = await fetch(`${endpoint.url}/sleep`, { method: 'POST', body: 'soon' });
    expect(notJson.status).toBe(400);
    const elsewhere = await fetch(`${endpoint.url}/time`);
    expect([elsewhere.status, ((await elsewhere.json()) as { error: string }).error]).toEqual([404, 'no GET /time here; the clock serves GET /now and POST /sleep {"ms": N, "label"?: "..."}']);

    const ended = fetch(`${endpoint.url}/sleep`, { method: 'POST', body: '{"ms": 10}' });
    (await clock.sleeper()).fail(new Error('the run is over'));
    const r = await ended;
    expect([r.status, await r.json()]).toEqual([503, { error: 'the harness ended the sleep: the run is over' }]);
  });
});
