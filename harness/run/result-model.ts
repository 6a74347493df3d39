// The one read-only model of a run (STYLE section 7): every report renderer reads it and
// computes nothing of its own. Versioned: bump RESULT_SCHEMA_VERSION on any breaking change.
import type { ObservedRow, Violation } from '../check/index.ts';
import type { ActorOutcome, RunOutcome, StrategyStats, TraceStep } from '../sched/index.ts';
import type { FinalTable } from '../scenario/index.ts';

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
  /** A generic scenario's tables after the run (rows capped). */
  readonly finalTables?: readonly FinalTable[];
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
  /** Set when the cell could not run at all (e.g. a migration failed), or its setup or check threw. */
  readonly error?: string;
  /** Every distinct outcome of the runs, sorted. */
  readonly distinctOutcomes?: readonly DistinctOutcome[];
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
}
