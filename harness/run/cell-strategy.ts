// Which strategy a cell runs: the one asked for, adjusted by what its scenario declares.
import type { Expectation, ScenarioBase } from '../scenario/index.ts';
import type { StrategyName, StrategyOptions } from './strategy-registry.ts';

/**
 * The strategy a cell of `scenario` runs when `requested` is asked for: exhaustive search samples
 * a scenario that declares `sample`, and takes its declared preemption bound unless one is given
 * or the cell is expected to hold: a bound finds bugs fast, but only the whole search proves.
 */
export function cellStrategy(
  scenario: ScenarioBase,
  requested: StrategyName,
  options: StrategyOptions,
  expectation: Expectation = 'violates',
): { strategyName: StrategyName; strategyOptions: StrategyOptions } {
  const sample = requested === 'exhaustive' ? scenario.sample : undefined;
  if (sample) return { strategyName: sample.strategy, strategyOptions: { ...options, budget: Math.min(options.budget, sample.runs) } };
  const bounded = requested === 'exhaustive' && scenario.preemptionBound !== undefined && options.preemptionBound === undefined && expectation !== 'holds';
  return { strategyName: requested, strategyOptions: bounded ? { ...options, preemptionBound: scenario.preemptionBound } : options };
}
