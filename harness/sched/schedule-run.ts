// What one scheduled run gives: its outcome, the schedule that reproduces it, the trace, how
// each actor ended, and the session fault that ended it, if one did.
import type { Schedule } from './schedule.ts';
import type { ActorOutcome, RunOutcome, TraceStep } from './trace.ts';

/** The session whose connection died in a `connection-lost` run, and how. */
export interface SessionFault {
  /** `actor 1 (sync)` or `observer`. */
  readonly session: string;
  /** SQLSTATE or errno, when the error had one. */
  readonly code: string | null;
  readonly message: string;
}

/** A lane of the run (a thread of the schedule): its name in traces and the actor it belongs to. */
export interface LaneInfo {
  /** `<actor>` or `<actor>/<lane>`. */
  readonly name: string;
  /** Index of its actor in the scenario. */
  readonly actor: number;
}

/**
 * PostgreSQL's account of a run showed more than the footprints claimed (a relation locked by a
 * transaction none of whose statements claimed it, another isolation level than assumed, a
 * session that did not start as in the first run): the reduction may have skipped an order.
 */
export interface FootprintMiss {
  /**
   * `lock`/`isolation`: a footprint claimed less than PostgreSQL shows (it voids a reduced search);
   * `session`: a run began from state an earlier run left (it voids any search); `timing`: a
   * program acted on its own clock, which the harness does not schedule (it voids any search).
   */
  readonly kind: 'lock' | 'isolation' | 'session' | 'timing';
  /** Lane index. */
  readonly actor: number;
  /** The statement after which it was seen (or what the run began with). */
  readonly statement: string;
  /** What PostgreSQL showed it touched beyond its claims. */
  readonly touched: string;
}

export interface ScheduleRun {
  readonly outcome: RunOutcome;
  readonly schedule: Schedule;
  readonly trace: readonly TraceStep[];
  /** How each actor ended (one per actor, whatever its lanes). */
  readonly actors: readonly ActorOutcome[];
  /**
   * Present when an actor has lanes (a program): the lanes by index, which is what the schedule
   * records and each trace step's `actor` is. Otherwise lanes and actors are the same.
   */
  readonly lanes?: readonly LaneInfo[];
  /** Virtual milliseconds the run took. */
  readonly virtualTime: number;
  /** Steps that waited on another actor's lock. */
  readonly blockedSteps: number;
  /** Set when the outcome is `connection-lost`. */
  readonly fault?: SessionFault;
  /** What the run-time cross-check found beyond the footprints (absent: nothing). */
  readonly footprintMisses?: readonly FootprintMiss[];
}

