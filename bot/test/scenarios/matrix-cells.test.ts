// runMatrix with the exhaustive strategy on the real database: the baseline breaks Scenario B with
// a replayable counterexample, `recommended` is proven over every interleaving, Option 1 breaks re-opening.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { runMatrix, runReplay, type CellResult, type StrategyOptions } from '../../../harness/run/index.ts';
import { Schedule } from '../../../harness/sched/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(async () => {
  await server.stop();
});

function scenario(name: string): Scenario {
  const s = SCENARIOS[name];
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

/** One exhaustive cell per layer set; `budget` caps the runs of each. */
async function cells(name: string, layerSets: readonly string[], budget: number): Promise<CellResult[]> {
  const strategyOptions: StrategyOptions = { budget, seed: 1, depth: 2, reduce: true };
  const result = await runMatrix({ scenarios: [scenario(name)], layers: layerSets, strategy: 'exhaustive', strategyOptions, workers: 2, server });
  expect(result.cells.map((c) => c.variant).sort()).toEqual([...layerSets].sort());
  return [...result.cells];
}

const cellFor = (cs: readonly CellResult[], layers: string): CellResult => {
  const c = cs.find((x) => x.variant === layers);
  if (!c) throw new Error(`no cell for ${layers}`);
  return c;
};

describe('signal-sync (Scenario B, APTUSDT)', () => {
  it('violates on the baseline within a few schedules, with a counterexample that replays to the same violation', async () => {
    const [cell] = await cells('signal-sync', ['baseline'], 20);
    expect(cell?.measured).toBe('violates');
    expect(cell?.expectation).toBe('violates');
    expect(cell?.agrees).toBe(true);
    expect(cell?.violating).toBeGreaterThan(0);
    const cx = cell?.counterexample;
    expect(cx?.replay.startsWith('signal-sync@baseline:')).toBe(true);
    expect(cx?.command).toBe(`npm run scenarios -- --replay '${cx?.replay}'`);
    expect(cx?.foundAtRun).toBeLessThan(20);
    expect(cx?.violations.length).toBeGreaterThan(0);
    expect(cx?.violations.map((v) => v.invariant).every((i) => ['no-duplicate-open', 'no-unhandled-db-error'].includes(i))).toBe(true);

    const replay = await runReplay(server, scenario('signal-sync'), 'baseline', Schedule.parse(cx?.schedule ?? ''));
    expect(replay.run.schedule.toString()).toBe(cx?.schedule);
    expect(replay.run.trace.map((s) => [s.actor, s.label, s.result])).toEqual(cx?.trace.map((s) => [s.actor, s.label, s.result]));
    expect(replay.violations.map((v) => v.invariant)).toEqual(cx?.violations.map((v) => v.invariant));
  });

  it('holds under recommended (and under its Layer 1 alone) over every interleaving: coverage is complete, no run violates', async () => {
    const cs = await cells('signal-sync', ['recommended', 'check-open-statuses'], 1000);
    for (const cell of cs) {
      expect(cell.measured, cell.counterexample?.replay).toBe('holds');
      expect(cell.agrees).toBe(true);
      expect(cell.violating).toBe(0);
      expect(cell.counterexample).toBeNull();
      expect(cell.coverage.kind).toBe('exhaustive');
      expect(cell.coverage.complete).toBe(true);
      expect(cell.coverage.stats.runs).toBeLessThan(1000);
      expect(cell.schedules).toBeGreaterThan(1);
      expect(cell.cleanShare).toBe(100);
    }
  });

  it('a budget too small to finish the search is reported as incomplete coverage, not as a proof', async () => {
    const [cell] = await cells('signal-sync', ['recommended'], 3);
    expect(cell?.measured).toBe('holds');
    expect(cell?.coverage.complete).toBe(false);
    expect(cell?.coverage.stats.runs).toBe(3);
  });
});

describe('close-reopen (Option 1 breaks re-opening a closed symbol)', () => {
  it('violates under full-unique-index (the new row hits 23505) and holds under the baseline', async () => {
    const cs = await cells('close-reopen', ['baseline', 'full-unique-index'], 50);
    const baseline = cellFor(cs, 'baseline');
    const option1 = cellFor(cs, 'full-unique-index');

    expect(baseline.measured).toBe('holds');
    expect(baseline.agrees).toBe(true);
    expect(baseline.coverage.complete).toBe(true);

    expect(option1.measured).toBe('violates');
    expect(option1.agrees).toBe(true);
    expect(option1.counterexample?.replay.startsWith('close-reopen@full-unique-index:')).toBe(true);
    const messages = option1.counterexample?.violations.map((v) => `${v.invariant} ${v.message}`).join('\n') ?? '';
    expect(messages).toContain('23505');
    // The earlier closed row is kept; the re-open never got a row of its own.
    const positions = option1.counterexample?.finalTables.find((t) => t.name === 'monitoring.positions')?.rows ?? [];
    expect(positions.filter((r) => r['symbol'] === 'BTCUSDT' && r['exchange'] === 'binance').map((r) => r['status'])).toEqual(['closed']);
  });
});

describe('proposed (README "What to ship")', () => {
  it.each(['signal-signal', 'stop-loss-rollback', 'close-while-adding'])(
    'holds on %s, searched to its end without a preemption bound, where the baseline violates',
    async (name) => {
      const cs = await cells(name, ['proposed', 'baseline'], 300);
      const proposed = cellFor(cs, 'proposed');
      expect(proposed.measured, proposed.counterexample?.replay).toBe('holds');
      expect(proposed.agrees).toBe(true);
      expect(proposed.coverage.complete).toBe(true);
      expect(proposed.coverage.preemptionBound).toBeUndefined();
      expect(cellFor(cs, 'baseline').measured).toBe('violates');
    },
  );
});
