// Ablation of a named set: the set, and the set without each one of its parts, over the same
// scenarios. A part is necessary when some scenario the full set holds on violates without it;
// that scenario's counterexample is the proof. The scenarios' plugins say what a named set is
// (the bot: its layer sets); computed here so renderers only lay it out.
import { HarnessError } from '../errors/index.ts';
import type { AblationPlan, ScenarioBase } from '../scenario/index.ts';
import type { Ablation, AblationRow, RunResult } from './result-model.ts';

/** Every named set the scenarios' plugins can ablate. */
export function ablationSetNames(scenarios: readonly ScenarioBase[]): string[] {
  return [...new Set(scenarios.flatMap((s) => s.plugin.ablation?.sets() ?? []))];
}

/** The variants an ablation of `set` runs; E_BAD_ARGUMENT naming the valid sets when none of the plugins knows it. */
export function ablationPlan(scenarios: readonly ScenarioBase[], set: string): AblationPlan {
  for (const s of scenarios) {
    const plan = s.plugin.ablation?.plan(set);
    if (plan) return plan;
  }
  const valid = ablationSetNames(scenarios);
  throw new HarnessError(
    'E_BAD_ARGUMENT',
    valid.length > 0
      ? `--ablation takes a named set, got '${set}'; valid sets: ${valid.join(', ')}`
      : `--ablation takes a named set, got '${set}', but none of the chosen scenarios' plugins has named sets`,
  );
}

/** The ablation table of `plan` from a run that holds its cells (E_BAD_ARGUMENT if they are missing). */
export function computeAblation(result: RunResult, plan: AblationPlan): Ablation {
  const cellsOf = (variant: string) => result.cells.filter((c) => c.variant === variant);
  const full = cellsOf(plan.full);
  if (full.length === 0) throw new HarnessError('E_BAD_ARGUMENT', `the run has no cells of '${plan.set}' to ablate`);
  // Where the full set found no violation; a break there is a counterexample, whatever else the
  // cell met (a violation once found is final, even in a cell a fault stopped later).
  const holdsFull = new Set(full.filter((c) => c.violating === 0 && c.error === undefined).map((c) => c.scenario));
  const provenFull = new Set(full.filter((c) => c.verdict === 'proven').map((c) => c.scenario));
  const rows: AblationRow[] = plan.without.map(({ removed, variant }) => {
    const cells = cellsOf(variant).filter((c) => holdsFull.has(c.scenario));
    const breaks = cells
      .filter((c) => c.violating > 0)
      .map((c) => ({ scenario: c.scenario, violating: c.violating, schedules: c.schedules, replay: c.counterexample?.replay ?? null, command: c.counterexample?.command ?? null }));
    // Not needed only where the proofs say so: every scenario, with and without the part, proven.
    const provenWithout = holdsFull.size > 0 && cells.every((c) => c.verdict === 'proven') && cells.length === holdsFull.size && [...holdsFull].every((s) => provenFull.has(s));
    const necessity = breaks.length > 0 ? 'necessary' : provenWithout ? 'not-needed' : 'unknown';
    return { removed, variant, necessary: breaks.length > 0, necessity, breaks };
  });
  return { set: plan.set, parts: plan.without.map((w) => w.removed), scenarios: full.length, fullHolds: holdsFull.size, rows };
}
