// The strategy port (STYLE section 4): the engine asks which runnable actor goes next; adding a
// strategy never touches the engine. The engine records the choices made as the run's Schedule.
import { footprintsConflict, type Footprint } from '../footprint/index.ts';

export type StepKind = 'sql' | 'service' | 'sleep' | 'wake' | 'connect';

/** The step an actor waits to take, as strategies see it. */
export interface ActorView {
  /** Stable index of the actor in its scenario (what schedules record). */
  readonly actor: number;
  /**
   * Which of its actor's steps this is in the run (0, 1, ...): the same step keeps it while it
   * waits to be chosen. A step offered and then gone without running (a program that closed the
   * connection a statement was held on) is told apart from the next one by it.
   */
  readonly seq?: number;
  readonly name: string;
  readonly kind: StepKind;
  readonly label: string;
  /**
   * What the step may touch, for partial-order reduction (see footprint.ts): derived from the SQL
   * itself, the service called, or the clock; never from what a scenario declares.
   */
  readonly footprint: Footprint;
  /** For a `wake` step: the virtual time the sleeper is due (a simulation orders by it). */
  readonly wakeAt?: number;
  /**
   * For a step of a program with several lanes: the program's key, and whether the step is all the
   * program has going (no other lane with a step waiting, in flight or asleep, no LISTEN that could
   * bring it news). Then nothing of the program can happen before this step returns: whatever
   * it does next on any lane follows from it (program order), as an in-process actor's next step
   * follows its last.
   */
  readonly program?: { readonly key: string; readonly sole: boolean };
}

/** Returned by `next` to abandon a run whose remaining interleavings are already covered. */
export const ABANDON = -1;

/**
 * Returned by `next` to release nothing yet: the engine waits until an in-flight statement
 * finishes (as the isolation tester waits for a blocked session before its next step), then asks
 * again; a run where nothing finishes within the hang limit ends as `hang`.
 */
export const WAIT = -2;

export interface Strategy {
  readonly name: string;
  /** Called before each run; false when the strategy has nothing left to explore. */
  beginRun(): boolean;
  /** Index into `runnable` of the step to release, or ABANDON, or WAIT. */
  next(runnable: readonly ActorView[], step: number): number;
  /**
   * Optional: the engine has settled with nothing to release, every live actor waiting on a
   * lock. A strategy that reports what it sees (the isolation tester's `<waiting ...>`) looks
   * here; the engine then waits for PostgreSQL to move (a deadlock broken, a lock timeout).
   */
  settledBlocked?(): void;
  /**
   * Optional: the step released at `step` turned out to touch more than its footprint said when
   * it was offered (a statement that failed inside a block released the block's locks at once):
   * `footprint` is what it touched in all. Called before the next step is chosen.
   */
  grew?(step: number, footprint: readonly string[]): void;
  /** Called after each run with how many steps it took. */
  endRun(steps: number): void;
  /** Figures for reports: coverage, bounds, counts. */
  stats(): StrategyStats;
  /**
   * A strategy that keeps its own virtual time (the `simulate` discrete-event simulation): the
   * time at which the step it just picked starts. The engine's clock follows it, so sleeps and
   * wake-ups are measured on the same time line.
   */
  now?(): number;
}

export interface StrategyStats {
  readonly strategy: string;
  readonly runs: number;
  /** Exhaustive: every interleaving (up to the reduction) was covered. */
  readonly complete?: boolean;
  readonly pruned?: number;
  readonly abandoned?: number;
  /** Exhaustive: `dpor` (dynamic partial-order reduction with sleep sets) or `none`. */
  readonly reduction?: 'dpor' | 'none';
  /** PCT: the per-run lower bound 1/(n·k^(d−1)) of hitting a given depth-d bug. */
  readonly pctBound?: { readonly n: number; readonly k: number; readonly d: number; readonly p: number };
  readonly seed?: number;
}

/** Steps of different actors whose footprints do not conflict commute. */
export function independent(a: ActorView, b: ActorView): boolean {
  return a.actor !== b.actor && !footprintsConflict(a.footprint, b.footprint);
}
