// The one read-only model of a run (STYLE section 7): every report renderer reads it and
// computes nothing of its own. Versioned: bump RESULT_SCHEMA_VERSION on any breaking change.
import type { ObservedRow, Violation } from '../check/index.ts';
import type { ActorOutcome, RunOutcome, StrategyStats, TimingModel, TraceStep } from '../sched/index.ts';

export const RESULT_SCHEMA_VERSION = 1;

export type Measured = 'holds' | 'violates';

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

export interface CellResult {
  readonly scenario: string;
  readonly layers: string;
  readonly expectation: Measured;
  readonly measured: Measured;
  /** measured === expectation. */
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
  /** Set when the cell could not run at all (e.g. a migration failed). */
  readonly error?: string;
  /** Production odds: the `simulate` strategy's estimate of a violation (see Odds). */
  readonly odds?: Odds;
}

/**
 * The share of simulated runs (discrete-event simulation over the timing model, seeded) that
 * ended in a violation, with a 95 % Wilson interval. With one Signal in the scenario it is the
 * probability that a Signal arriving at a random moment of the Sync cycle ends in a violation.
 */
export interface Odds {
  readonly runs: number;
  readonly violating: number;
  /** Signal flows in the scenario: the odds are per run of that many. */
  readonly signals: number;
  readonly p: number;
  readonly low: number;
  readonly high: number;
  readonly seed: number;
  /**
   * 1 − p / p(baseline) for the same scenario, when the baseline ran and violated: the share of
   * the baseline's violations this layer set removes — the counterpart of the plan's
   * "effectiveness". Both cells draw the same arrivals and latencies (same seed), so they compare
   * run for run.
   */
  readonly vsBaseline?: number;
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
    /** The timing model of the odds (simulate) runs, when there were any. */
    readonly timing?: TimingModel;
    readonly oddsRuns?: number;
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
  /** `--ablation <set>`: why each layer of the set is needed. */
  readonly ablation?: Ablation;
}

/** The ablation of a named set: the set, and the set without each of its layers, over the same scenarios. */
export interface Ablation {
  readonly set: string;
  readonly layers: readonly string[];
  /** Scenarios run, and how many of them the full set holds on. */
  readonly scenarios: number;
  readonly fullHolds: number;
  readonly rows: readonly AblationRow[];
}

export interface AblationRow {
  /** The layer left out. */
  readonly removed: string;
  /** The layer set that ran without it (`a+b`, or `baseline`). */
  readonly layerSet: string;
  /** Some scenario the full set holds on violates without this layer. */
  readonly necessary: boolean;
  /** Those scenarios, each with the counterexample that shows it. */
  readonly breaks: readonly {
    readonly scenario: string;
    readonly violating: number;
    readonly schedules: number;
    readonly replay: string | null;
    readonly command: string | null;
  }[];
}
