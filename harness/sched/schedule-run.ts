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

export interface ScheduleRun {
  readonly outcome: RunOutcome;
  readonly schedule: Schedule;
  readonly trace: readonly TraceStep[];
  readonly actors: readonly ActorOutcome[];
  /** Virtual milliseconds the run took. */
  readonly virtualTime: number;
  /** Steps that waited on another actor's lock. */
  readonly blockedSteps: number;
  /** Set when the outcome is `connection-lost`. */
  readonly fault?: SessionFault;
}

