// The matrix axes of a RunResult (scenarios × variants, in the run's order), a lookup of its cells
// by coordinates, and the words each part speaks in (its plugin's): what the renderers lay out,
// without deriving any figure.
import type { CellResult, RunResult, ScenarioInfo, VariantInfo } from '../run/index.ts';
import { DEFAULT_REPORT_WORDS, type ReportWords } from '../scenario/index.ts';

export interface ResultGrid {
  readonly scenarios: readonly ScenarioInfo[];
  readonly variants: readonly VariantInfo[];
  /** The cell of one scenario under one variant; undefined when it did not run (e.g. another shard). */
  cell(scenario: string, variant: string): CellResult | undefined;
  /** The cells of one scenario, in variant order. */
  row(scenario: string): CellResult[];
  /** The words of the run as a whole: those of the one plugin all its scenarios share, else the defaults. */
  readonly words: ReportWords;
  /** The words of a scenario's plugin. */
  scenarioWords(scenario: string): ReportWords;
  /** The words of a variant's plugin. */
  variantWords(variant: VariantInfo): ReportWords;
  /** The variant of a cell. */
  variant(id: string): VariantInfo | undefined;
}

/** Indexes the cells; axes also list any scenario or variant that only a cell names. */
export function resultGrid(result: RunResult): ResultGrid {
  const byKey = new Map<string, CellResult>();
  for (const c of result.cells) byKey.set(gridKey(c.scenario, c.variant), c);
  const scenarios = [...result.scenarios];
  const variants = [...result.variants];
  for (const c of result.cells) {
    const plugin = scenarios.find((s) => s.name === c.scenario)?.plugin ?? '';
    if (!scenarios.some((s) => s.name === c.scenario)) scenarios.push({ name: c.scenario, title: c.scenario, description: '', plugin });
    if (!variants.some((v) => v.id === c.variant)) variants.push({ id: c.variant, plugin, origin: '', title: c.variant, claimed: null });
  }
  const wordsOf = (plugin: string | undefined): ReportWords => (plugin !== undefined ? result.words[plugin] : undefined) ?? DEFAULT_REPORT_WORDS;
  const plugins = new Set(scenarios.map((s) => s.plugin));
  return {
    scenarios,
    variants,
    cell: (scenario, variant) => byKey.get(gridKey(scenario, variant)),
    row: (scenario) => variants.map((v) => byKey.get(gridKey(scenario, v.id))).filter((c): c is CellResult => c !== undefined),
    words: plugins.size === 1 ? wordsOf([...plugins][0]) : DEFAULT_REPORT_WORDS,
    scenarioWords: (scenario) => wordsOf(scenarios.find((s) => s.name === scenario)?.plugin),
    variantWords: (variant) => wordsOf(variant.plugin),
    variant: (id) => variants.find((v) => v.id === id),
  };
}

function gridKey(scenario: string, variant: string): string {
  return `${scenario}\u0000${variant}`;
}

/** Variants in the verdict overview's order: the words' `overviewFirst` (those that ran), then the rest in run order. */
export function overviewOrder(variants: readonly VariantInfo[], words: ReportWords): VariantInfo[] {
  const first = words.overviewFirst ?? [];
  const rank = (id: string) => {
    const i = first.indexOf(id);
    return i < 0 ? first.length : i;
  };
  return variants.map((v, i) => ({ v, i })).sort((a, b) => rank(a.v.id) - rank(b.v.id) || a.i - b.i).map((x) => x.v);
}
