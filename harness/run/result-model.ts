// The one read-only model of a run (STYLE section 7): every report renderer reads it and
// computes nothing of its own. Versioned: bump RESULT_SCHEMA_VERSION on any breaking change.
import type { ObservedRow, Violation } from '../check/index.ts';
import type { ActorOutcome, RunOutcome, StrategyStats, TraceStep } from '../sched/index.ts';

export const RESULT_SCHEMA_VERSION = 2;

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
  /** `<scenario>@<layers>:<schedule>`. */
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
  /** The positions table after the run. */
  readonly finalRows: readonly ObservedRow[];
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
  readonly layers: string;
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
  /** The plan's guessed effectiveness for this layer set (percent), if any. */
  readonly claimedEffectiveness: number | null;
  /** 100 × (1 − violating / schedules): the measured counterpart of the plan's figure. */
  readonly measuredEffectiveness: number | null;
  readonly counterexample: Counterexample | null;
  readonly elapsedMs: number;
  /** Set when the cell could not run at all (e.g. a migration failed) or was stopped by a fault. */
  readonly error?: string;
  /** Connection faults met and retried (the first 20); `outcomes['connection-lost']` counts them. */
  readonly faults?: readonly FaultRecord[];
  /**
   * The cell did not finish because of an infrastructure fault: `fault` (retries exhausted, figures
   * are partial) or `not-run` (its worker or the server was lost before it ran). Never `agrees`.
   */
  readonly incomplete?: 'fault' | 'not-run';
}

export interface LayerInfo {
  readonly id: string;
  readonly seedOption: string;
  readonly title: string;
  readonly claimedEffectiveness: number | null;
}

export interface ScenarioInfo {
  readonly name: string;
  readonly title: string;
  readonly plan: string;
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
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly options: {
    readonly strategy: string;
    readonly budget: number;
    readonly seed: number;
    readonly workers: number;
    readonly database: string;
    readonly shard?: string;
  };
  readonly scenarios: readonly ScenarioInfo[];
  readonly layerSets: readonly LayerInfo[];
  readonly cells: readonly CellResult[];
  readonly totals: {
    readonly cells: number;
    readonly schedules: number;
    readonly disagreements: number;
    readonly elapsedMs: number;
  };
  /** Set when the run stopped early or met an internal error; its cells are marked `incomplete`. */
  readonly failure?: RunFailure;
}
