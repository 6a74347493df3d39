// The timing model as reports state it: only where some cell got odds, in the words of the plugins
// whose scenarios got them, else in the engine's own words.
import { describe, expect, it } from 'vitest';
import { timingDescription } from '../../harness/run/timing-description.ts';
import type { CellResult } from '../../harness/run/index.ts';
import { DEFAULT_TIMING_MODEL, defineScenario, type ScenarioBase, type ScenarioPlugin } from '../../harness/scenario/index.ts';
import { sqlActor } from '../../harness/sched/index.ts';
import { sampleResult } from '../report/sample-result.ts';

const generic = defineScenario({ name: 'generic', actors: [sqlActor('a', ['SELECT 1'])] });
const plugin: ScenarioPlugin = {
  ...generic.plugin,
  name: 'timed',
  simulation: {
    periodicActor: () => false,
    countedActor: () => true,
    simulatedVariant: (v) => v,
    describeTiming: (t) => ({ figures: { everyMs: t.periodicIntervalMs }, text: `ticks every ${t.periodicIntervalMs} ms` }),
  },
} as ScenarioPlugin;
const timed: ScenarioBase = { ...generic, name: 'timed', plugin };
const cell = (scenario: string, withOdds: boolean): CellResult => {
  const { odds: _odds, ...base } = sampleResult.cells[0] as CellResult;
  return { ...base, scenario, ...(withOdds ? { odds: { runs: 1, violating: 0, counted: 1, p: 0, low: 0, high: 1, seed: 1 } } : {}) };
};

describe('timingDescription', () => {
  it('is absent when no cell has odds', () => {
    expect(timingDescription([generic, timed], [cell('generic', false), cell('timed', false)], DEFAULT_TIMING_MODEL)).toBeUndefined();
  });

  it('speaks the words of the plugin whose scenarios got odds', () => {
    expect(timingDescription([generic, timed], [cell('generic', false), cell('timed', true)], DEFAULT_TIMING_MODEL)).toEqual({ figures: { everyMs: 60_000 }, text: 'ticks every 60000 ms' });
  });

  it('says the engine’s own figures for a plugin without words for them', () => {
    const d = timingDescription([generic], [cell('generic', true)], DEFAULT_TIMING_MODEL);
    expect(d?.text).toBe('periodic actors every 60 s, the others within 10 s of the first, service calls 60 ms and SQL 1 ms median (log-normal σ 0.5)');
    expect(Object.keys(d?.figures ?? {})).toEqual(['periodicIntervalMs', 'arrivalWindowMs', 'serviceLatencyMs', 'sqlLatencyMs', 'latencySpread']);
  });
});
