// computeAblation: a layer is necessary exactly when a scenario the full set holds on violates
// without it; the layer sets an ablation runs; a set that is not a named set is bad input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NAMED_SETS } from '../../layers/index.ts';
import { ablationPlan, ablationSetNames, computeAblation, type CellResult, type RunResult } from '../../../harness/run/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { defineScenario } from '../../../harness/scenario/index.ts';
import { sampleResult } from '../../../test/report/sample-result.ts';
import { harnessErrorOf } from '../../../test/support/harness-error-of.ts';

const base = sampleResult.cells[0] as CellResult;
/** A cell; one that holds is proven unless `searched` says its search stopped short. */
const cell = (scenario: string, layers: string, measured: 'holds' | 'violates', searched: 'whole' | 'cut' = 'whole'): CellResult => ({
  ...base,
  scenario,
  variant: layers,
  measured,
  verdict: measured === 'violates' ? 'violated' : searched === 'whole' ? 'proven' : 'inconclusive',
  violating: measured === 'violates' ? 3 : 0,
  schedules: 10,
  counterexample: measured === 'violates' ? { ...(base.counterexample as NonNullable<CellResult['counterexample']>), replay: `${scenario}@${layers}:0x3` } : null,
});
const run = (cells: readonly CellResult[]): RunResult => ({ ...sampleResult, cells });

const botScenarios = Object.values(SCENARIOS);
const ablationLayerSets = (set: string) => ablationPlan(botScenarios, set);

describe('ablationPlan', () => {
  it('lists the named set, then the set without each of its layers, in the set order', () => {
    const plan = ablationLayerSets('proposed');
    const layers = NAMED_SETS.proposed.layers;
    expect(plan.full).toBe('proposed');
    expect(plan.without.map((w) => w.removed)).toEqual([...layers]);
    for (const w of plan.without) expect(w.variant.split('+')).toEqual(layers.filter((l) => l !== w.removed));
  });

  it.each(['nope', 'check-open-statuses', 'proposed+baseline', '', 'constructor'])('%j is not a named set: E_BAD_ARGUMENT naming the valid sets', (name) => {
    const error = harnessErrorOf(() => ablationLayerSets(name));
    expect(error.code).toBe('E_BAD_ARGUMENT');
    for (const set of Object.keys(NAMED_SETS)) expect(error.message).toContain(set);
  });

  it('takes its named sets from the scenarios\' plugins; scenarios without any have none', () => {
    expect(ablationSetNames(botScenarios)).toEqual(Object.keys(NAMED_SETS));
    const plain = defineScenario({ name: 'plain', schema: 'CREATE TABLE t (x int)', actors: [{ name: 'a', run: async () => undefined }], check: () => [] });
    expect(ablationSetNames([plain])).toEqual([]);
    expect(harnessErrorOf(() => ablationPlan([plain], 'proposed')).message).toContain('none of the chosen scenarios');
  });
});

describe('computeAblation', () => {
  const layers = NAMED_SETS.proposed.layers;
  const plan = ablationLayerSets('proposed');
  const specs = plan.without.map((w) => w.variant);

  it('marks a layer necessary with the scenarios that break without it, and unneeded otherwise', () => {
    const a = computeAblation(
      run([
        cell('s1', 'proposed', 'holds'),
        cell('s2', 'proposed', 'holds'),
        cell('s3', 'proposed', 'violates'),
        cell('s1', specs[0] as string, 'violates'),
        cell('s2', specs[0] as string, 'holds'),
        cell('s3', specs[0] as string, 'violates'),
        cell('s1', specs[1] as string, 'holds'),
        cell('s2', specs[1] as string, 'holds'),
        cell('s2', specs[2] as string, 'violates'),
      ]),
      plan,
    );
    expect(a).toMatchObject({ set: 'proposed', parts: [...layers], scenarios: 3, fullHolds: 2 });
    expect(a.rows.map((r) => [r.removed, r.necessary, r.breaks.map((b) => b.scenario)])).toEqual([
      [layers[0], true, ['s1']],
      [layers[1], false, []],
      [layers[2], true, ['s2']],
    ]);
    expect(a.rows[0]?.breaks[0]?.replay).toBe(`s1@${specs[0]}:0x3`);
    expect(a.rows.map((r) => r.necessity)).toEqual(['necessary', 'not-needed', 'necessary']);
  });

  it('says unknown, not "not needed", when a search without the layer or with the full set stopped short', () => {
    const cutWithout = computeAblation(run([cell('s1', 'proposed', 'holds'), cell('s1', specs[1] as string, 'holds', 'cut')]), plan);
    expect(cutWithout.rows[1]).toMatchObject({ necessary: false, necessity: 'unknown' });
    const cutFull = computeAblation(run([cell('s1', 'proposed', 'holds', 'cut'), cell('s1', specs[1] as string, 'holds')]), plan);
    expect(cutFull.rows[1]).toMatchObject({ necessary: false, necessity: 'unknown' });
    // A scenario whose cell without the layer did not run at all proves nothing either.
    const missing = computeAblation(run([cell('s1', 'proposed', 'holds'), cell('s2', 'proposed', 'holds'), cell('s1', specs[1] as string, 'holds')]), plan);
    expect(missing.rows[1]?.necessity).toBe('unknown');
  });

  it('counts a violation found before a fault stopped the cell: the counterexample stands', () => {
    const faulted = { ...cell('s1', specs[0] as string, 'violates'), error: 'E_CONNECTION_LOST: the server went away', verdict: 'inconclusive' as const };
    const a = computeAblation(run([cell('s1', 'proposed', 'holds'), faulted]), plan);
    expect(a.rows[0]).toMatchObject({ necessary: true, necessity: 'necessary' });
  });

  it('for any measurements, a layer is necessary exactly when it has a break, and every break is a scenario the full set holds on', () => {
    const scenarios = ['s1', 's2', 's3'];
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: scenarios.length * (specs.length + 1), maxLength: scenarios.length * (specs.length + 1) }), (bits) => {
        const cells = ['proposed', ...specs].flatMap((layers, i) => scenarios.map((s, j) => cell(s, layers, bits[i * scenarios.length + j] ? 'violates' : 'holds')));
        const a = computeAblation(run(cells), plan);
        const fullHolds = new Set(scenarios.filter((_, j) => !bits[j]));
        expect(a.fullHolds).toBe(fullHolds.size);
        for (const row of a.rows) {
          expect(row.necessary).toBe(row.breaks.length > 0);
          expect(row.necessity === 'necessary').toBe(row.necessary);
          for (const b of row.breaks) expect(fullHolds.has(b.scenario)).toBe(true);
        }
      }),
    );
  });

  it('refuses a run without cells of the set', () => {
    expect(() => computeAblation(run([cell('s1', 'baseline', 'holds')]), plan)).toThrow(/no cells of 'proposed'/);
  });
});
