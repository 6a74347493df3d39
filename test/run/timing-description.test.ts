// The timing model as reports state it: only where some cell got odds, in the words of the plugins
// whose scenarios got them (from their own options), else in the engine's own words.
import { describe, expect, it } from 'vitest';
import { timingDescription } from '../../harness/run/timing-description.ts';
import type { CellResult } from '../../harness/run/index.ts';
import { defineScenario, type ScenarioBase, type ScenarioPlugin } from '../../harness/scenario/index.ts';
import { DEFAULT_SIMULATION_TIMING, sqlActor } from '../../harness/sched/index.ts';
import { sampleResult } from '../report/sample-result.ts';

const generic = defineScenario({ name: 'generic', actors: [sqlActor('a', ['SELECT 1'])] });
const plugin: ScenarioPlugin = {
  ...generic.plugin,
  name: 'timed',
  simulation: {
    periodicActor: () => false,
    countedActor: () => true,
    timing: () => DEFAULT_SIMULATION_TIMING,
    simulatedVariant: (v) => v,
    describeTiming: (options) => {
      const everyMs = (options as { everyMs?: number } | undefined)?.everyMs ?? 60_000;
      return { figures: { everyMs }, text: `ticks every ${everyMs} ms` };
    },
  },
} as ScenarioPlugin;
const timed: ScenarioBase = { ...generic, name: 'timed', plugin };
const cell = (scenario: string, withOdds: boolean): CellResult => {
  const { odds: _odds, ...base } = sampleResult.cells[0] as CellResult;
  return { ...base, scenario, ...(withOdds ? { odds: { runs: 1, violating: 0, counted: 1, p: 0, low: 0, high: 1, seed: 1 } } : {}) };
};

describe('timingDescription', () => {
  it('is absent when no cell has odds', () => {
    expect(timingDescription([generic, timed], [cell('generic', false), cell('timed', false)], {})).toBeUndefined();
  });

  it('speaks the words of the plugin whose scenarios got odds, about the timing its options set', () => {
    expect(timingDescription([generic, timed], [cell('generic', false), cell('timed', true)], {})).toEqual({ figures: { everyMs: 60_000 }, text: 'ticks every 60000 ms' });
    expect(timingDescription([generic, timed], [cell('timed', true)], { timed: { everyMs: 5000 } })?.text).toBe('ticks every 5000 ms');
  });

  it('says the engine’s own figures for a plugin without words for them', () => {
    const d = timingDescription([generic], [cell('generic', true)], {});
    expect(d?.text).toBe('periodic actors every 60 s, the others within 10 s of the first, service calls 60 ms and SQL 1 ms median (log-normal σ 0.5)');
    expect(Object.keys(d?.figures ?? {})).toEqual(['periodicIntervalMs', 'arrivalWindowMs', 'serviceLatencyMs', 'sqlLatencyMs', 'latencySpread']);
  });
});
