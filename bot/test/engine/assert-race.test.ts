// assertRace on the plan's Signal + Sync race (Scenario B): proven under the layer sets that fix
// it, an AssertionError with the verdict, the violated checks, the trace and the replay where it
// is asked to hold on the baseline; the scenario's own declared expectation when not told
// otherwise; and on a generic SQL race, as a user's test would call it.
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../../harness/scenario/index.ts';
import { sqlActor } from '../../../harness/sched/index.ts';
import { RaceAssertionError, assertRace } from '../../../harness/vitest/index.ts';
import { signalSync } from '../../scenarios/signal-sync.ts';

async function failure(p: Promise<unknown>): Promise<RaceAssertionError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RaceAssertionError);
  return e as RaceAssertionError;
}

describe('assertRace on signal-sync', () => {
  it('passes where the search proves the race fixed (recommended, Layer 1 alone)', async () => {
    const report = await assertRace(signalSync, { layers: ['recommended', 'check-open-statuses'] });
    expect(report.verdict).toBe('proven');
    expect(report.cells.map((c) => [c.variant, c.violating, c.coverage.complete])).toEqual([
      ['recommended', 0, true],
      ['check-open-statuses', 0, true],
    ]);
  });

  it("expect: 'holds' throws on the baseline an AssertionError with the verdict, the violated checks, the trace and the replay", async () => {
    // A violation is a violation however little was searched: a small budget keeps this quick.
    const e = await failure(assertRace(signalSync, { layers: ['baseline'], budget: 40, expect: 'holds' }));
    expect(e.name).toBe('AssertionError');
    expect(e.verdict).toBe('violated');
    expect(e.replay).toMatch(/^signal-sync@baseline:/);
    expect(e.message).toMatch(/^Race 'signal-sync' @ baseline: expected it to hold, got violated \(\d+ of \d+ schedules violated\)/);
    expect(e.message).toContain('no-duplicate-open');
    expect(e.message).toContain('createPosition:insert');
    expect(e.message).toContain('ERR 23505 duplicate key value violates unique constraint "idx_unique_active_position"');
    expect(e.message).toContain(`Replay it: assertRace(scenario, { replay: '${e.replay}' })`);

    // The replay runs exactly that schedule and fails with its trace.
    const again = await failure(assertRace(signalSync, { replay: e.replay ?? '' }));
    expect(again.message).toContain(`replayed ${e.replay}: violated`);
    expect(again.message).toMatch(/violations:\n {2}\[(no-duplicate-open|no-unhandled-db-error)\]/);
  });

  it("without `expect` the scenario's declaration decides: signal-sync declares it violates on the baseline, so the known bug passes", async () => {
    const report = await assertRace(signalSync, { layers: ['baseline'], budget: 40 });
    expect(report.verdict).toBe('violated');
    expect(report.cells[0]?.expectation).toBe('violates');
    expect(report.cells[0]?.counterexample?.violations.length).toBeGreaterThan(0);
  });

  it("expect: 'violates' fails where the race holds, saying so", async () => {
    const e = await failure(assertRace(signalSync, { layers: ['recommended'], expect: 'violates' }));
    expect(e.verdict).toBe('proven');
    expect(e.message).toContain("Race 'signal-sync' @ recommended: expected it to be violated, got proven");
  });

  it('a search cut short by its budget is inconclusive, not a proof', async () => {
    const e = await failure(assertRace(signalSync, { layers: ['recommended'], budget: 3 }));
    expect(e.verdict).toBe('inconclusive');
    expect(e.message).toContain('did not finish within its budget, so it proves nothing');
    // Sampling asks less: no run violated.
    await expect(assertRace(signalSync, { layers: ['recommended'], strategy: 'pct', budget: 20 })).resolves.toMatchObject({ verdict: 'inconclusive' });
  });
});

describe('assertRace on a generic SQL race', () => {
  const counter = (name: string, step: string) =>
    defineScenario({
      name,
      schema: 'CREATE TABLE hits (id int PRIMARY KEY, n int NOT NULL)',
      setup: ({ sql }) => sql('INSERT INTO hits VALUES (1, 0)'),
      actors: ['a', 'b'].map((who) => sqlActor(who, ["SELECT set_config('app.n', n::text, false) FROM hits", step])),
      check: async ({ sql }) => {
        const { rows } = await sql<{ n: number }>('SELECT n FROM hits');
        return rows[0]?.n === 2 ? [] : [`n = ${rows[0]?.n}`];
      },
    });

  it('proves the atomic increment and finds the lost update', async () => {
    await expect(assertRace(counter('hits-atomic', 'UPDATE hits SET n = n + 1'))).resolves.toMatchObject({ verdict: 'proven' });
    const e = await failure(assertRace(counter('hits-lost', "UPDATE hits SET n = current_setting('app.n')::int + 1")));
    expect(e.message).toContain('[scenario:hits-lost] n = 1');
    expect(e.message).toContain('public.hits after the run:');
  });
});
