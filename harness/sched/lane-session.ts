// The database session a lane runs on, as the engine needs it: the backend pid for blocked
// detection and whether it may hold locks. The engine's own sessions (ActorSession) are one kind;
// a program's connection through the wire gate, reported by its driver, is the other.

export interface LaneSession {
  /** Backend pid (0 when the lane has no session yet). */
  readonly pid: number;
  /** A statement is on the wire. */
  readonly busy: boolean;
  /** The error that killed the connection, if it died. */
  readonly lostWith: unknown;
  /** How soon PostgreSQL looks for a lock cycle when this session's next statement waits (see ActorSession). */
  deadlockCheck: 'short' | 'long';
  mayHoldTransactionLocks(): boolean;
  deadlockCheckBoundMs(): number;
}

/** A program's session behind the wire gate, as its driver reports it. */
export class ExternalLaneSession implements LaneSession {
  pid = 0;
  busy = false;
  lostWith: unknown = null;
  /** The driver cannot set the program's deadlock_timeout: the server's own applies. */
  deadlockCheck: 'short' | 'long' = 'long';
  txStatus: 'I' | 'T' | 'E' = 'I';
  /** What a plain BEGIN gets in the session, as its gate read it from the server (null: not told). */
  defaultIsolation: string | null = null;
  /** `current_user / search_path` of the session as it started (null: not told). */
  nameResolution: string | null = null;

  constructor(private readonly serverDeadlockMs: number) {}

  mayHoldTransactionLocks(): boolean {
    return this.busy || this.txStatus !== 'I';
  }

  deadlockCheckBoundMs(): number {
    return this.serverDeadlockMs;
  }
}
