// The three-way verdict: only a finished, unbounded exhaustive search is `proven`; a budget cut,
// a preemption bound or a sample is `inconclusive`, and `--ci` accepts it only where the scenario
// itself declares the sample or the bound.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { judgeCell, runMatrix, type Coverage, type StrategyOptions } from '../../../harness/run/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';

const exhaustive = (complete: boolean, preemptionBound?: number): Coverage => ({
  kind: 'exhaustive',
  complete,
  ...(preemptionBound === undefined ? {} : { preemptionBound }),
  stats: { strategy: 'exhaustive', runs: 10, complete, reduction: preemptionBound === undefined ? 'dpor' : 'none' },
});

describe('judgeCell', () => {
  const base = { expectation: 'holds' as const, violating: 0, schedules: 10, declaredPartial: false };

  it('a violation found before a fault or an error stays violated: its counterexample stands', () => {
    const stopped = judgeCell({ ...base, expectation: 'violates', violating: 18, schedules: 21, coverage: exhaustive(false), stoppedBy: 'E_CONNECTION_LOST: a run lost its session 4 times' });
    expect(stopped).toMatchObject({ verdict: 'violated', agrees: true });
    expect(stopped.verdictReason).toMatch(/18 of 21 schedules violate; the search then stopped \(E_CONNECTION_LOST/);
    expect(judgeCell({ ...base, violating: 1, coverage: exhaustive(false), error: 'the check threw' })).toMatchObject({ verdict: 'violated' });
    // Without a violation, a stopped search proves nothing either way.
    expect(judgeCell({ ...base, coverage: exhaustive(false), stoppedBy: 'E_CONNECTION_LOST: x' })).toMatchObject({ verdict: 'inconclusive', agrees: false });
  });

  it('a finished unbounded search is proven', () => {
    expect(judgeCell({ ...base, coverage: exhaustive(true) })).toMatchObject({ verdict: 'proven', agrees: true });
  });

  it('a search stopped by the budget is inconclusive and never agrees with holds, declared or not', () => {
    for (const declaredPartial of [false, true]) {
      const v = judgeCell({ ...base, declaredPartial, coverage: exhaustive(false) });
      expect(v).toMatchObject({ verdict: 'inconclusive', agrees: false });
      expect(v.verdictReason).toMatch(/budget reached/);
    }
  });

  it('a bounded search is inconclusive ("within ≤ k preemptions"), accepted only when the scenario declares the bound', () => {
    const undeclared = judgeCell({ ...base, coverage: exhaustive(true, 2) });
    expect(undeclared).toMatchObject({ verdict: 'inconclusive', agrees: false });
    expect(undeclared.verdictReason).toMatch(/within ≤ 2 preemptions/);
    expect(judgeCell({ ...base, declaredPartial: true, coverage: exhaustive(true, 2) })).toMatchObject({ verdict: 'inconclusive', agrees: true });
  });

  it('a sample is inconclusive with its PCT bound; a violation is violated; an error is inconclusive and disagrees', () => {
    const sampled: Coverage = { kind: 'sampled', complete: false, stats: { strategy: 'pct', runs: 150, pctBound: { n: 10, k: 80, d: 2, p: 1 / 800 } } };
    const s = judgeCell({ ...base, declaredPartial: true, coverage: sampled });
    expect(s).toMatchObject({ verdict: 'inconclusive', agrees: true });
    expect(s.verdictReason).toMatch(/sampled: 10 pct runs, each finding a depth-2 bug with p ≥ 0.0013/);
    expect(judgeCell({ ...base, violating: 3, coverage: exhaustive(true) })).toMatchObject({ verdict: 'violated', agrees: false });
    expect(judgeCell({ ...base, expectation: 'violates', violating: 3, coverage: exhaustive(false) })).toMatchObject({ verdict: 'violated', agrees: true });
    expect(judgeCell({ ...base, coverage: exhaustive(true), error: 'migration failed' })).toMatchObject({ verdict: 'inconclusive', agrees: false });
  });
});

describe('verdicts of real cells', () => {
  let server: StartedPostgres;
  beforeAll(async () => {
    server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
  });
  afterAll(async () => {
    await server.stop();
  });

  const scenario = (name: string): Scenario => {
    const s = SCENARIOS[name];
    if (!s) throw new Error(`no scenario ${name}`);
    return s;
  };
  const run = async (name: string, layers: string, budget: number, preemptionBound?: number) => {
    const strategyOptions: StrategyOptions = { budget, seed: 1, depth: 2, reduce: true, ...(preemptionBound === undefined ? {} : { preemptionBound }) };
    const r = await runMatrix({ scenarios: [scenario(name)], layers: [layers], strategy: 'exhaustive', strategyOptions, workers: 1, server });
    const [cell] = r.cells;
    if (!cell) throw new Error('no cell');
    return cell;
  };

  it('signal-sync under recommended: proven when the search finishes, inconclusive (and contradicting holds) when the budget cuts it', async () => {
    const full = await run('signal-sync', 'recommended', 5000);
    expect(full).toMatchObject({ verdict: 'proven', agrees: true, measured: 'holds' });
    const cut = await run('signal-sync', 'recommended', 3);
    expect(cut).toMatchObject({ verdict: 'inconclusive', agrees: false, measured: 'holds', schedules: 3 });
  });

  it('a preemption bound the user adds makes a holding cell inconclusive, never proven', async () => {
    const bounded = await run('signal-sync', 'recommended', 5000, 1);
    expect(bounded.coverage.stats.reduction).toBe('none');
    expect(bounded).toMatchObject({ verdict: 'inconclusive', agrees: false });
  });
});
