// A scenario that is not deterministic (a threaded program whose connections come ready in
// varying order) makes the exhaustive search diverge: an error of the scenario, named, that ends
// its cell only, never an internal error of the harness.
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';
import { ExhaustiveStrategy, type ActorView } from '../../harness/sched/index.ts';

const view = (actor: number, name: string, label: string): ActorView => ({ actor, name, kind: 'sql', label, footprint: [`t:${actor}`, 'db:t:public.x'] });

describe('an exhaustive search that diverges', () => {
  it('is the scenario\'s error, naming the step it expected and what was ready instead', () => {
    const s = new ExhaustiveStrategy();
    expect(s.beginRun()).toBe(true);
    const a = view(0, 'p/db0', 'UPDATE x SET n = 1');
    const b = view(1, 'p/db1', 'UPDATE x SET n = 2');
    expect(s.next([a, b], 0)).toBe(0);
    expect(s.next([b], 1)).toBe(0);
    s.endRun(2);
    expect(s.beginRun()).toBe(true);
    // The backtrack tries p/db1 first, where both were ready; this time only p/db0 is.
    let error: unknown;
    try {
      s.next([a], 0);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('E_SCENARIO_CODE');
    expect((error as Error).message).toMatch(/p\/db\d was to take "UPDATE x SET n = \d", but ready were: p\/db\d/);
  });
});
