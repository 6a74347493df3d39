// The odds pass: simulated runs of a cell's scenario (the `simulate` strategy over the timing
// model) after its search, estimating how often production would hit the violation.
import { SimulateStrategy, type SimulationTiming } from '../sched/index.ts';
import type { ScenarioBase } from '../scenario/index.ts';
import type { CellHarness } from './cell-harness.ts';
import { runRetryingFaults } from './fault-retry.ts';
import { countedActors, oddsOf, type OddsOptions } from './odds.ts';
import type { Odds } from './result-model.ts';

/** Simulated runs of the scenario (the `simulate` strategy over the timing model) on an open harness. */
export async function estimateOdds(harness: CellHarness, scenario: ScenarioBase, o: OddsOptions, timing: SimulationTiming): Promise<Odds> {
  const hooks = scenario.plugin.simulation;
  const actors = harness.actors(scenario);
  const strategy = new SimulateStrategy(o.seed, o.runs, timing, (name) => hooks?.periodicActor(name) ?? false);
  let runs = 0;
  let violating = 0;
  while (strategy.beginRun()) {
    const run = await runRetryingFaults(harness, scenario, actors, strategy, () => undefined);
    strategy.endRun();
    if (run.outcome === 'abandoned') continue;
    runs++;
    const { violations } = await harness.inspect(scenario, run, actors, { reset: true });
    if (violations.length > 0) violating++;
  }
  return oddsOf(violating, runs, countedActors(scenario, actors.map((a) => a.name)), o.seed);
}
