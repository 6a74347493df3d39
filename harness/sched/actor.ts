// What an actor is to the engine: a name, the errors it may end with, and code over the ports it
// gets (each statement, service call and sleep a scheduled step).
import type { Clock, SqlClient } from '../ports/index.ts';
import type { RawSqlClient } from './raw-query.ts';

/** What an actor's code gets: the engine's ports, scheduled. */
export interface ActorPorts {
  readonly actor: number;
  readonly sql: SqlClient;
  /** The same session, answering with every result as text (isolation specs need the exact answer). */
  readonly rawSql: RawSqlClient;
  readonly clock: Clock;
  /** The cell's service of that name (see ServiceDefinition), each call a step. */
  service<T extends object = object>(name: string): T;
}

export interface ActorSpec {
  readonly name: string;
  /**
   * SQLSTATEs (`40001`) or classes (`40`) the actor may end with, e.g. a transaction that may be
   * aborted by a serialization failure or as a deadlock victim: checks count it `aborted`, not wrong.
   */
  readonly allowedErrors?: readonly string[];
  run(ports: ActorPorts): Promise<unknown>;
}

/** Thrown into actors of a run that ended; their code unwinds without touching the database. */
export class RunEndedError extends Error {
  readonly code = 'E_RUN_ENDED';
  constructor() {
    super('the scheduled run ended; this actor was stopped');
  }
}

