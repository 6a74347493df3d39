// Each layer beyond the plan names the counterexample that motivated it: replayed today, that
// schedule still breaks a check of its scenario under the layer set it names, so the motivation
// stays a fact of the current harness and not a string from an older one.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { LAYERS, type FixLayer } from '../../layers/index.ts';
import { runReplay } from '../../../harness/run/index.ts';
import { parseReplayTarget } from '../../../harness/sched/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(async () => {
  await server.stop();
});

const motivated = Object.values(LAYERS as Record<string, FixLayer>).filter((l) => l.motivation !== undefined);

describe('the counterexample behind each layer beyond the plan', () => {
  it('covers every layer that has one', () => {
    expect(motivated.map((l) => l.id)).toEqual(['refuse-open-signal', 'symbol-flow-lock', 'sync-per-symbol', 'close-settled-only', 'quantity-delta']);
  });

  it.each(motivated.map((l) => [l.id, l.motivation?.replay ?? ''] as const))('%s: %s replays to a violation', async (_id, replay) => {
    const target = parseReplayTarget(replay);
    const scenario = SCENARIOS[target.scenario] as Scenario;
    const result = await runReplay(server, scenario, target.layers, target.schedule);
    expect(result.violations.length, replay).toBeGreaterThan(0);
  });
});
