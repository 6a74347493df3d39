// The one read-only model of a run (STYLE section 7): every report renderer reads it and
// computes nothing of its own. Versioned: bump RESULT_SCHEMA_VERSION on any breaking change.
// Its words are generic (variant, check, claim); a plugin's own words travel in `RunResult.words`.
import type { Violation } from '../check/index.ts';
import type { ActorOutcome, RunOutcome, StrategyStats, TraceStep } from '../sched/index.ts';
import type { FinalTable, ReportWords, TimingDescription } from '../scenario/index.ts';

/** 3: generic words (`variant`, `variants`, `cleanShare`, `claimed`, `words`, `title`), final tables only. */
export const RESULT_SCHEMA_VERSION = 3;

export type Measured = 'holds' | 'violates';

/**
 * What a cell's search establishes. `violated`: a schedule broke a check (the counterexample
 * shows it). `proven`: an exhaustive search over a sound reduction finished with no bound and
 * found no violation — the only verdict that says "holds for every interleaving". `inconclusive`:
 * no violation in what ran, but that was not everything (budget reached, a preemption bound,
 * sampled runs, or the cell could not run).
 */
export type Verdict = 'violated' | 'proven' | 'inconclusive';

export interface Counterexample {
  /** `<scenario>@<variant>:<schedule>`. */
  readonly replay: string;
  /** The command that reproduces it. */
  readonly command: string;
  readonly schedule: string;
  /** Index of the run (0-based) that found it. */
  readonly foundAtRun: number;
  readonly outcome: RunOutcome;
  readonly violations: readonly Violation[];
  readonly actors: readonly { readonly name: string; readonly outcome: ActorOutcome }[];
  readonly trace: readonly TraceStep[];
  /** The tables the scenario's plugin shows after the run (rows capped; rows a violation names flagged). */
  readonly finalTables: readonly FinalTable[];
}

/**
 * One distinct way a cell's runs ended. The set of them (not their counts) is what an
 * expected-outcomes file records: a sound search finds the same set however it prunes.
 */
export interface DistinctOutcome {
  /** Checks the run broke, sorted (empty: it held). */
  readonly violated: readonly string[];
  readonly run: RunOutcome;
  /** How each actor ended, e.g. `a: ok; b: aborted 40001`. */
  readonly actors: string;
  /** The final state's signature. */
  readonly state: string;
}

export interface Coverage {
  /** `exhaustive`: every interleaving (up to partial-order reduction) ran when `complete`. */
  readonly kind: 'exhaustive' | 'sampled' | 'replay';
  readonly complete: boolean;
  /** Exhaustive search was limited to runs with at most this many preemptions. */
  readonly preemptionBound?: number;
  readonly stats: StrategyStats;
}

/** An infrastructure fault a cell met and retried past (or not: see `CellResult.incomplete`). */
export interface FaultRecord {
  /** Schedules the cell had finished when it happened. */
  readonly run: number;
  /** Where: the reset and setup before a run, the run itself, or the invariant checks after it. */
  readonly phase: 'setup' | 'run' | 'check';
  /** `actor 1 (sync)` or `observer`. */
  readonly session: string;
  /** SQLSTATE (57P01, 08006) or errno (ECONNRESET), when known. */
  readonly code: string | null;
  readonly message: string;
}

export interface CellResult {
  readonly scenario: string;
  /** The variant's id (see RunResult.variants). */
  readonly variant: string;
  readonly expectation: Measured;
  /** Whether any schedule violated a check (`verdict` says how far a `holds` reaches). */
  readonly measured: Measured;
  readonly verdict: Verdict;
  /** What was covered, in words: why a cell is inconclusive, or what its proof spans. */
  readonly verdictReason: string;
  /**
   * The verdict meets the expectation: `violates` needs `violated`; `holds` needs `proven`, or
   * `inconclusive` where the scenario itself declares that it is sampled or preemption-bounded.
   */
  readonly agrees: boolean;
  /** Runs that ran to an outcome (abandoned duplicates excluded). */
  readonly schedules: number;
  readonly violating: number;
  readonly outcomes: Readonly<Partial<Record<RunOutcome, number>>>;
  readonly violationsByInvariant: Readonly<Record<string, number>>;
  readonly coverage: Coverage;
  /**
   * 100 × (1 − violating / schedules): the share (percent) of explored schedules without a
   * violation — a property of the search, not a probability. Null when no schedule ran.
   */
  readonly cleanShare: number | null;
  readonly counterexample: Counterexample | null;
  readonly elapsedMs: number;
  /** Set when the cell could not run at all (e.g. a migration failed), was stopped by a fault, or its setup or check threw. */
  readonly error?: string;
  /** Connection faults met and retried (the first 20); `outcomes['connection-lost']` counts them. */
  readonly faults?: readonly FaultRecord[];
  /**
   * The cell did not finish because of an infrastructure fault: `fault` (retries exhausted, figures
   * are partial) or `not-run` (its worker or the server was lost before it ran). Never `agrees`.
   */
  readonly incomplete?: 'fault' | 'not-run';
  /** Every distinct outcome of the runs, sorted. */
  readonly distinctOutcomes?: readonly DistinctOutcome[];
  /** Production odds: the `simulate` strategy's estimate of a violation (see Odds). */
  readonly odds?: Odds;
}

/**
 * The share of simulated runs (discrete-event simulation over the timing model, seeded) that
 * ended in a violation, with a 95 % Wilson interval. With one counted actor in the scenario it is
 * the probability that one such actor, arriving at a random moment of the periodic actors' cycle,
 * ends in a violation.
 */
export interface Odds {
  readonly runs: number;
  readonly violating: number;
  /** The actors the scenario's plugin counts (the bot: its Signals): the odds are per run of that many. */
  readonly counted: number;
  readonly p: number;
  readonly low: number;
  readonly high: number;
  readonly seed: number;
  /**
   * 1 − p / p(baseline) for the same scenario, when the baseline ran and violated: the share of
   * the baseline's violations this variant removes (the measured counterpart of a figure a
   * variant claims). Both cells draw the same arrivals and latencies (same seed), so they compare
   * run for run.
   */
  readonly vsBaseline?: number;
}

/** One variant a run ran (the bot: a layer set). */
export interface VariantInfo {
  readonly id: string;
  /** The plugin whose variant it is: its words are `RunResult.words[plugin]`. */
  readonly plugin: string;
  /** Where it comes from, shown beside its id (the bot: the plan's option); '' for nothing. */
  readonly origin: string;
  readonly title: string;
  /** A figure (percent) claimed for it, named by its plugin's `words.claim`; null: none. */
  readonly claimed: number | null;
}

export interface ScenarioInfo {
  readonly name: string;
  readonly title: string;
  /** What the race is, or where it is described (the bot: the plan's section); '' for nothing. */
  readonly description: string;
  /** The plugin that runs it: its words are `RunResult.words[plugin]`. */
  readonly plugin: string;
}

/** Why a run stopped early or had an internal error (the cells say which did not finish). */
export interface RunFailure {
  readonly code: string;
  readonly message: string;
  /** Only for internal errors (bugs of the harness): the CLI prints it with --debug. */
  readonly stack?: string;
  /** True when it stopped every remaining cell (the server was lost). */
  readonly stopsRun?: boolean;
}

export interface RunResult {
  readonly schemaVersion: typeof RESULT_SCHEMA_VERSION;
  /** The project the run is of (a configuration's `title`, or its package name): reports are titled after it. */
  readonly title: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly options: {
    readonly strategy: string;
    readonly budget: number;
    readonly seed: number;
    readonly workers: number;
    readonly database: string;
    readonly shard?: string;
    /** The timing model of the simulated runs, in the words of the scenarios' plugin: only when some cell has odds. */
    readonly timing?: TimingDescription;
    readonly oddsRuns?: number;
  };
  /** How reports speak of each plugin's scenarios, by plugin name (defaults filled in). */
  readonly words: Readonly<Record<string, ReportWords>>;
  readonly scenarios: readonly ScenarioInfo[];
  readonly variants: readonly VariantInfo[];
  readonly cells: readonly CellResult[];
  readonly totals: {
    readonly cells: number;
    readonly schedules: number;
    readonly disagreements: number;
    readonly elapsedMs: number;
  };
  /** Set when the run stopped early or met an internal error; its cells are marked `incomplete`. */
  readonly failure?: RunFailure;
  /** `--ablation <set>`: why each part of the set is needed. */
  readonly ablation?: Ablation;
}

/** The ablation of a named set: the set, and the set without each of its parts, over the same scenarios. */
export interface Ablation {
  readonly set: string;
  /** The parts of the set (the bot: its layers). */
  readonly parts: readonly string[];
  /** Scenarios run, and how many of them the full set holds on. */
  readonly scenarios: number;
  readonly fullHolds: number;
  readonly rows: readonly AblationRow[];
}

export interface AblationRow {
  /** The part left out. */
  readonly removed: string;
  /** The variant that ran without it (the bot: `a+b`, or `baseline`). */
  readonly variant: string;
  /** Some scenario the full set holds on violates without this part. */
  readonly necessary: boolean;
  /**
   * `necessary` (a break shows it), `not-needed` (every scenario the full set is proven on was also
   * proven without it), or `unknown` (some search without it was bounded, sampled or cut short).
   */
  readonly necessity: 'necessary' | 'not-needed' | 'unknown';
  /** Those scenarios, each with the counterexample that shows it. */
  readonly breaks: readonly {
    readonly scenario: string;
    readonly violating: number;
    readonly schedules: number;
    readonly replay: string | null;
    readonly command: string | null;
  }[];
}
