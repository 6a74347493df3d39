// How reports speak of a plugin's scenarios: what a variant is called, the figure a variant may
// claim, the question its matrix answers. A plugin gives only what differs from these defaults.

export interface ReportWords {
  /** What one variant is called (the bot: `layer set`). */
  readonly variant: string;
  /** …and several (the bot: `layer sets`). */
  readonly variants: string;
  /** What one part of a named set of variants is called, in an ablation (the bot: `layer`). */
  readonly part: string;
  /**
   * A figure (percent) the plugin's variants may claim, to stand beside what was measured: its
   * short name (the bot: `plan`) and what it is (the bot: `the effectiveness the fix plan claims`).
   * Absent: the variants claim nothing and reports show no column for it.
   */
  readonly claim?: { readonly name: string; readonly description: string };
  /** What a matrix row shows, as a phrase (the bot: layer sets, with the plan option they come from and ...). */
  readonly rows: string;
  /** The question the run's matrix answers, its report's heading (absent: the project's title heads it). */
  readonly question?: string;
  /** One or two sentences under the heading. */
  readonly lede: string;
  /** The matrix's heading (the bot: `Effectiveness matrix`). */
  readonly matrix: string;
  /** The actors the production odds count per run, one and several (the bot: `Signal`, `Signals`). */
  readonly counted: { readonly one: string; readonly many: string };
  /** What 1 − odds is called, e.g. `95.9 % clean` (the bot: `effective`). */
  readonly oddsComplement: string;
  /** Variants the verdict overview lists first, in this order (the bot: the set to ship, the plan's, the baseline). */
  readonly overviewFirst?: readonly string[];
}

export const DEFAULT_REPORT_WORDS: ReportWords = {
  variant: 'variant',
  variants: 'variants',
  part: 'part',
  rows: 'variants',
  lede: 'Every cell counts the schedules that broke a check among the interleavings explored against a real PostgreSQL. Every failure comes with a replayable counterexample.',
  matrix: 'Matrix',
  counted: { one: 'actor', many: 'actors' },
  oddsComplement: 'clean',
};

/** The defaults with a plugin's own words over them. */
export function reportWords(own: Partial<ReportWords> | undefined): ReportWords {
  if (!own) return DEFAULT_REPORT_WORDS;
  // A plugin that names its variants and says nothing of its rows has rows of those variants.
  return { ...DEFAULT_REPORT_WORDS, rows: own.variants ?? DEFAULT_REPORT_WORDS.rows, ...own };
}
