// Which search a cell runs: a declared sample replaces exhaustive search; a declared preemption
// bound applies to cells expected to violate (a bound finds bugs fast) but not to cells expected
// to hold, whose verdict needs the whole search; a bound given on the command line always applies.
import { describe, expect, it } from 'vitest';
import { cellStrategy, type StrategyOptions } from '../../../harness/run/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';

const options: StrategyOptions = { budget: 5000, seed: 1, depth: 2, reduce: true };
const signalSignal = SCENARIOS['signal-signal'] as Scenario;

describe('cellStrategy', () => {
  it('bounds a cell expected to violate and searches a cell expected to hold whole', () => {
    expect(signalSignal.preemptionBound).toBe(2);
    expect(cellStrategy(signalSignal, 'exhaustive', options, 'violates').strategyOptions.preemptionBound).toBe(2);
    expect(cellStrategy(signalSignal, 'exhaustive', options, 'holds').strategyOptions.preemptionBound).toBeUndefined();
  });

  it('keeps a bound given on the command line, whatever the expectation', () => {
    expect(cellStrategy(signalSignal, 'exhaustive', { ...options, preemptionBound: 1 }, 'holds').strategyOptions.preemptionBound).toBe(1);
  });

  it('samples a scenario that declares a sample, within the budget', () => {
    const storm = SCENARIOS['signal-storm'] as Scenario;
    expect(cellStrategy(storm, 'exhaustive', options, 'holds')).toMatchObject({ strategyName: 'pct', strategyOptions: { budget: 50 } });
    expect(cellStrategy(storm, 'exhaustive', { ...options, budget: 10 }, 'holds').strategyOptions.budget).toBe(10);
  });
});
