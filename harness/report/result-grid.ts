// The matrix axes of a RunResult (scenarios × layer sets, in the run's order) and a lookup of
// its cells by coordinates: what the renderers lay out, without deriving any figure.
import type { CellResult, LayerInfo, RunResult, ScenarioInfo } from '../run/index.ts';

export interface ResultGrid {
  readonly scenarios: readonly ScenarioInfo[];
  readonly layerSets: readonly LayerInfo[];
  /** The cell of one scenario under one layer set; undefined when it did not run (e.g. another shard). */
  cell(scenario: string, layers: string): CellResult | undefined;
  /** The cells of one scenario, in layer-set order. */
  row(scenario: string): CellResult[];
}

/** Indexes the cells; axes also list any scenario or layer set that only a cell names. */
export function resultGrid(result: RunResult): ResultGrid {
  const byKey = new Map<string, CellResult>();
  for (const c of result.cells) byKey.set(gridKey(c.scenario, c.layers), c);
  const scenarios = [...result.scenarios];
  const layerSets = [...result.layerSets];
  for (const c of result.cells) {
    if (!scenarios.some((s) => s.name === c.scenario)) scenarios.push({ name: c.scenario, title: c.scenario, plan: '' });
    if (!layerSets.some((l) => l.id === c.layers)) layerSets.push({ id: c.layers, seedOption: '', title: c.layers, claimedEffectiveness: c.claimedEffectiveness });
  }
  return {
    scenarios,
    layerSets,
    cell: (scenario, layers) => byKey.get(gridKey(scenario, layers)),
    row: (scenario) => layerSets.map((l) => byKey.get(gridKey(scenario, l.id))).filter((c): c is CellResult => c !== undefined),
  };
}

function gridKey(scenario: string, layers: string): string {
  return `${scenario}\u0000${layers}`;
}

/** The verdict overview's row order: the set to ship first, then the plan's, then the code before any fix. */
const OVERVIEW_FIRST: readonly string[] = ['proposed', 'recommended', 'baseline'];

/** Layer sets in overview order: OVERVIEW_FIRST (those that ran), then the rest in run order. */
export function overviewOrder(layerSets: readonly LayerInfo[]): LayerInfo[] {
  const rank = (id: string) => {
    const i = OVERVIEW_FIRST.indexOf(id);
    return i < 0 ? OVERVIEW_FIRST.length : i;
  };
  return layerSets.map((l, i) => ({ l, i })).sort((a, b) => rank(a.l.id) - rank(b.l.id) || a.i - b.i).map((x) => x.l);
}
