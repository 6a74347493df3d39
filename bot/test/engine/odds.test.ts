// The odds' 95 % Wilson interval: always within [0, 1] and around the estimate, exact at the
// edges, close to a textbook value; the timing model's flags parse with their ranges.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countedActors, mergeRunResults, oddsOf, wilsonInterval, withOddsAgainstBaseline, type CellResult } from '../../../harness/run/index.ts';
import { DEFAULT_TIMING_MODEL, TIMING_PARAMETERS, parseTimingModel } from '../../plugin/index.ts';
import { harnessErrorOf } from '../../../test/support/harness-error-of.ts';
import { defineScenario } from '../../../harness/scenario/index.ts';
import { signalSync } from '../../scenarios/signal-sync.ts';
import { sampleResult } from '../../../test/report/sample-result.ts';

describe('wilsonInterval', () => {
  it('contains the estimate and stays within [0, 1] for every count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))), ([n, k]) => {
        const { low, high } = wilsonInterval(k, n);
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeLessThanOrEqual(1);
        expect(low).toBeLessThanOrEqual(k / n + 1e-12);
        expect(high).toBeGreaterThanOrEqual(k / n - 1e-12);
      }),
    );
  });

  it('is 0 at the bottom with no violation and 1 at the top with all, with a finite width', () => {
    expect(wilsonInterval(0, 100).low).toBe(0);
    expect(wilsonInterval(0, 100).high).toBeCloseTo(0.037, 3);
    expect(wilsonInterval(100, 100).high).toBe(1);
    expect(wilsonInterval(100, 100).low).toBeCloseTo(0.963, 3);
  });

  it('matches the textbook interval for 12 of 200 (6 %)', () => {
    const { low, high } = wilsonInterval(12, 200);
    expect(low).toBeCloseTo(0.0347, 4);
    expect(high).toBeCloseTo(0.1019, 4);
  });

  it('oddsOf carries the counts, the share and the interval', () => {
    expect(oddsOf(12, 200, 1, 7)).toMatchObject({ runs: 200, violating: 12, counted: 1, p: 0.06, seed: 7 });
  });

  it('counts the actors the plugin counts (the bot: its Signals, never the Sync); every actor without a plugin say', () => {
    expect(countedActors(signalSync, ['signal', 'sync'])).toBe(1);
    expect(countedActors(signalSync, ['signal-a', 'signal-b', 'sync-1', 'close'])).toBe(2);
    const plain = defineScenario({ name: 'plain', schema: 'CREATE TABLE t (x int)', actors: [{ name: 'a', run: async () => undefined }], check: () => [] });
    expect(countedActors(plain, ['a', 'b'])).toBe(2);
  });
});

describe('parseTimingModel', () => {
  it('gives the documented defaults without flags', () => {
    expect(parseTimingModel({})).toEqual(DEFAULT_TIMING_MODEL);
    expect(DEFAULT_TIMING_MODEL).toEqual({ periodicIntervalMs: 60_000, arrivalWindowMs: 10_000, serviceLatencyMs: 60, sqlLatencyMs: 1, latencySpread: 0.5, settlementMs: 3000 });
  });

  it.each(TIMING_PARAMETERS.map((p) => [p.flag, p] as const))('--%s accepts its bounds and refuses values outside them', (_flag, p) => {
    expect(parseTimingModel({ [p.flag]: String(p.min) })[p.field]).toBe(p.min);
    expect(parseTimingModel({ [p.flag]: String(p.max) })[p.field]).toBe(p.max);
    for (const bad of [String(p.min - 1), String(p.max * 2 + 1), 'x', '']) {
      const error = harnessErrorOf(() => parseTimingModel({ [p.flag]: bad }));
      expect(error.code, `${p.flag}=${bad}`).toBe('E_BAD_ARGUMENT');
      expect(error.message).toContain(`from ${p.min} to ${p.max}`);
    }
  });
});

describe('odds against the baseline', () => {
  const base = sampleResult.cells[0] as CellResult;
  const at = (scenario: string, layers: string, violating: number): CellResult => ({ ...base, scenario, variant: layers, odds: oddsOf(violating, 100, 1, 1) });

  it('gives each cell the share of its scenario’s baseline violations it removes, and nothing without a violating baseline', () => {
    const cells = withOddsAgainstBaseline([at('a', 'baseline', 6), at('a', 'poll-settlement', 1), at('a', 'proposed', 0), at('b', 'baseline', 0), at('b', 'proposed', 0)]);
    expect(cells.map((c) => c.odds?.vsBaseline)).toEqual([undefined, expect.closeTo(5 / 6, 9), 1, undefined, undefined]);
  });

  it('merging shards compares each cell with the baseline of the whole run, whichever shard held it', () => {
    const shard = (cells: CellResult[]) => ({ ...sampleResult, cells });
    const merged = mergeRunResults([shard([at('a', 'baseline', 6)]), shard(withOddsAgainstBaseline([at('a', 'poll-settlement', 3)]))]);
    expect(merged.cells.find((c) => c.variant === 'poll-settlement')?.odds?.vsBaseline).toBeCloseTo(0.5, 9);
  });
});
