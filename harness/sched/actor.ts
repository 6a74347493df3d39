// What an actor is to the engine: a name, the errors it may end with, and code over the ports it
// gets (each statement, service call and sleep a scheduled step).
import type { Clock, ServiceDefinition, SqlClient } from '../ports/index.ts';
import type { RawSqlClient } from './raw-query.ts';

/** What an actor's code gets: the engine's ports, scheduled. */
export interface ActorPorts {
  readonly actor: number;
  /** The cell's database (a program's wire gate forwards to it). */
  readonly databaseUrl: string;
  readonly sql: SqlClient;
  /** The same session, answering with every result as text (isolation specs need the exact answer). */
  readonly rawSql: RawSqlClient;
  readonly clock: Clock;
  /** The cell's service of that name (see ServiceDefinition), each call a step. */
  service<T extends object = object>(name: string): T;
  /**
   * For an actor that declares `lanes` (a program behind gates, see harness/gate): the port of
   * its lane `i`, through which its driver reports the program's steps.
   */
  lane(i: number): LanePort;
  /**
   * For an actor with lanes: how the engine learns whether the program is still computing, and
   * (`busyWith`) what of it was last found running, in words, for the report of a run that hung.
   */
  quiescence(probe: QuiescenceProbe, busyWith?: () => string | null): void;
  /** The cell's service of that name, as its definition gives it (for a driver that serves it to a program). */
  serviceDefinition(name: string): ServiceDefinition | undefined;
  /** Aborted when the run ends: a driver stops its program. */
  readonly ended: AbortSignal;
}

/**
 * True when the program has nothing running (every thread waits) and every byte it sent has
 * reached the gates: what it asks for next is already held at a gate, or never comes by itself.
 */
export type QuiescenceProbe = () => boolean | Promise<boolean>;

/** A SQL statement of an external step, with the values bound to it. */
export interface LaneStatement {
  /** Null when the driver never saw its text (a statement prepared before it watched): it may touch anything. */
  readonly text: string | null;
  readonly values: readonly unknown[];
}

/** A step of a program, as its driver describes it. */
export type LaneStep =
  | {
      readonly kind: 'sql';
      readonly label: string;
      /** For traces: the SQL with its values written in. */
      readonly detail: string;
      /** What it executes; empty for a step that only prepares, describes or syncs. */
      readonly statements: readonly LaneStatement[];
      /**
       * `flush`: the batch ended at a Flush, not a Sync — outside a transaction block, what it ran
       * stays in an implicit transaction that the next Sync commits.
       */
      readonly end?: 'query' | 'sync' | 'flush';
    }
  | { readonly kind: 'service'; readonly label: string; readonly detail: string; readonly footprint: readonly string[] }
  | { readonly kind: 'connect'; readonly label: string; readonly detail: string };

/** How a program's session started, as the server said before the program's first request. */
export interface SessionStart {
  /** `SHOW default_transaction_isolation`. */
  readonly defaultIsolation: string;
  /** `current_user / search_path`; null when it could not be read. */
  readonly nameResolution: string | null;
}

/**
 * What to run once a released step outside a transaction block has been answered and before its
 * implicit transaction commits (the run-time cross-check of the locks it took).
 */
export type BeforeCommit = () => Promise<void>;

/**
 * One lane of an actor with lanes: a sequence of steps the driver holds (`step`), reports sent
 * and finished, and the database session the lane runs on (for blocked detection).
 */
export interface LanePort {
  /**
   * Holds the step until the engine releases it; rejects with RunEndedError when the run ended.
   * A step ending at a Sync outside a transaction block may resolve with a BeforeCommit: the
   * driver then sends it with a Flush in place of its Sync, runs it once the answer is in, and
   * sends the Sync after (a driver that cannot simply ignores it).
   */
  step(step: LaneStep): Promise<BeforeCommit | undefined>;
  /** The released step reached the server: from here it can wait on a lock. */
  sent(): void;
  /** The step ended; `error` keeps its SQLSTATE in `code`. */
  finished(result: string, error?: unknown, rows?: string): void;
  /** A sleep on the virtual clock: a step, then parked until the engine wakes it. */
  sleep(ms: number, label: string): Promise<void>;
  /**
   * The lane's database session: its backend pid and transaction status (I, T, E); when it is
   * new, how it started (what a plain BEGIN gets there, whose names it resolves).
   */
  session(pid: number | null, txStatus: 'I' | 'T' | 'E', started?: SessionStart): void;
  /** The lane's session died under it (the server terminated it): the run lost a session. */
  fault(error: unknown): void;
  /** The lane's connection closed: a step it held is withdrawn, one in flight ends with it. */
  closed(): void;
  /**
   * The program did something on its own clock that the harness does not schedule (`what`: it
   * sent a CancelRequest): when it happens decides the outcome, so no search over it proves anything.
   */
  ownTiming(what: string): void;
}

export interface ActorSpec {
  readonly name: string;
  /**
   * SQLSTATEs (`40001`) or classes (`40`) the actor may end with, e.g. a transaction that may be
   * aborted by a serialization failure or as a deadlock victim: checks count it `aborted`, not wrong.
   */
  readonly allowedErrors?: readonly string[];
  /**
   * Lanes of an actor whose steps come from outside (a program and its connections, see
   * harness/gate): each is a thread of the schedule, named in traces `<actor>/<lane>`. Without
   * lanes the actor's code is its one lane.
   */
  readonly lanes?: readonly string[];
  run(ports: ActorPorts): Promise<unknown>;
}

/** Thrown into actors of a run that ended; their code unwinds without touching the database. */
export class RunEndedError extends Error {
  readonly code = 'E_RUN_ENDED';
  constructor() {
    super('the scheduled run ended; this actor was stopped');
  }
}

