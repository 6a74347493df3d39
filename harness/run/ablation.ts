// Ablation of a named layer set: the set, and the set without each one of its layers, over the
// same scenarios. A layer is necessary when some scenario the full set holds on violates without
// it; that scenario's counterexample is the proof. Computed here so renderers only lay it out.
import { HarnessError } from '../errors/index.ts';
import { NAMED_SETS, type NamedSetId } from '../fixes/index.ts';
import type { Ablation, AblationRow, RunResult } from './result-model.ts';

/** The named sets `--ablation` accepts. */
export function ablationSetNames(): string[] {
  return Object.keys(NAMED_SETS);
}

/** The layer-set specs an ablation of `set` runs: the set itself, then the set minus each layer. */
export function ablationLayerSets(set: string): { readonly full: string; readonly without: readonly { readonly removed: string; readonly spec: string }[] } {
  if (!(set in NAMED_SETS)) {
    throw new HarnessError('E_UNKNOWN_LAYER', `--ablation takes a named layer set, got '${set}'; valid sets: ${ablationSetNames().join(', ')}`);
  }
  const layers: readonly string[] = NAMED_SETS[set as NamedSetId].layers;
  return {
    full: set,
    without: layers.map((removed) => {
      const rest = layers.filter((l) => l !== removed);
      return { removed, spec: rest.length > 0 ? rest.join('+') : 'baseline' };
    }),
  };
}

/** The ablation table of `set` from a run that holds its cells (E_BAD_ARGUMENT if they are missing). */
export function computeAblation(result: RunResult, set: string): Ablation {
  const plan = ablationLayerSets(set);
  const cellsOf = (layers: string) => result.cells.filter((c) => c.layers === layers);
  const full = cellsOf(plan.full);
  if (full.length === 0) throw new HarnessError('E_BAD_ARGUMENT', `the run has no cells of '${set}' to ablate`);
  const holdsFull = new Set(full.filter((c) => c.measured === 'holds' && c.error === undefined).map((c) => c.scenario));
  const rows: AblationRow[] = plan.without.map(({ removed, spec }) => {
    const breaks = cellsOf(spec)
      .filter((c) => c.measured === 'violates' && holdsFull.has(c.scenario))
      .map((c) => ({ scenario: c.scenario, violating: c.violating, schedules: c.schedules, replay: c.counterexample?.replay ?? null, command: c.counterexample?.command ?? null }));
    return { removed, layerSet: spec, necessary: breaks.length > 0, breaks };
  });
  return {
    set,
    layers: plan.without.map((w) => w.removed),
    scenarios: full.length,
    fullHolds: holdsFull.size,
    rows,
  };
}
