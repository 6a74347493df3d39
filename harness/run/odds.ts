// Production odds of one cell: runs of the `simulate` strategy (timing model, seeded), the share
// that violate, and its 95 % Wilson score interval — honest at 0 and at 1, unlike p ± 1.96·se.
import type { ScenarioBase } from '../scenario/index.ts';
import type { CellResult, Odds } from './result-model.ts';

/** Simulated runs per cell after the search; their timing is the plugin's (SimulationHooks.timing). */
export interface OddsOptions {
  readonly runs: number;
  readonly seed: number;
}

/** 95 % Wilson score interval of `k` successes in `n` trials. */
export function wilsonInterval(k: number, n: number, z = 1.96): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // At the edges the interval ends exactly at the edge (rounding would leave 0.9999…).
  return { low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}

/** The odds from counted runs. */
export function oddsOf(violating: number, runs: number, counted: number, seed: number): Odds {
  const { low, high } = wilsonInterval(violating, runs);
  return { runs, violating, counted, p: runs > 0 ? violating / runs : 0, low, high, seed };
}

/** The actors the scenario's plugin counts per run (the bot: its Signals); every actor without a say. */
export function countedActors(scenario: ScenarioBase, names: readonly string[]): number {
  const hooks = scenario.plugin.simulation;
  return hooks ? names.filter((n) => hooks.countedActor(n)).length : names.length;
}

/** The variant every other one is compared with in `vsBaseline`. */
export const BASELINE_VARIANT = 'baseline';

/** Cells with `odds.vsBaseline` set wherever the same scenario's baseline cell has odds above 0. */
export function withOddsAgainstBaseline(cells: readonly CellResult[]): CellResult[] {
  const baseline = new Map(cells.filter((c) => c.variant === BASELINE_VARIANT && c.odds).map((c) => [c.scenario, c.odds as Odds]));
  return cells.map((c) => {
    const base = baseline.get(c.scenario);
    if (!c.odds || !base || base.p === 0 || c.variant === BASELINE_VARIANT) return c;
    return { ...c, odds: { ...c.odds, vsBaseline: 1 - c.odds.p / base.p } };
  });
}
