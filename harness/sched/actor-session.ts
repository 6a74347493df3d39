// One actor's PostgreSQL session (as in the isolation tester: one connection per actor),
// reused across runs; it tracks whether a transaction is open so a run can be cleaned up.
import pg from 'pg';

export class ActorSession {
  /** Backend pid, to match pg_blocking_pids answers. */
  pid = 0;
  inTransaction = false;
  /** A statement is on the wire. */
  busy = false;
  /** Left in an unknown state (a statement never returned): replace before reuse. */
  tainted = false;
  /**
   * How soon PostgreSQL looks for a lock cycle when this session's next statement waits. The
   * engine asks for `short` when another actor already waits: the session that closes a cycle
   * then finds it first and is always the victim, whatever the machine's load (with one timeout
   * for all, the victim depends on which check fires before the cycle is complete).
   */
  deadlockCheck: 'short' | 'long' = 'long';
  private appliedDeadlockCheck: 'short' | 'long' | 'unknown' = 'unknown';
  private superuser = false;
  private client: pg.Client | null = null;

  constructor(private readonly url: string) {}

  async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    // A backend terminated under us must not crash the process; the next query reports it.
    client.on('error', () => {
      this.tainted = true;
    });
    await client.connect();
    const r = await client.query<{ pid: number; su: boolean }>("SELECT pg_backend_pid() AS pid, current_setting('is_superuser') = 'on' AS su");
    this.pid = r.rows[0]?.pid ?? 0;
    // deadlock_timeout is a superuser setting; elsewhere the server's own value applies.
    this.superuser = r.rows[0]?.su === true;
    this.appliedDeadlockCheck = 'unknown';
    this.client = client;
    this.inTransaction = false;
    this.busy = false;
    this.tainted = false;
  }

  /** Sends at once: pg writes to the socket inside `query` when the connection is idle. */
  send(text: string, values: readonly unknown[] | undefined): Promise<pg.QueryResult> {
    if (!this.client) throw new Error('session not connected');
    const verb = text.trimStart().slice(0, 8).toUpperCase();
    this.busy = true;
    if (this.superuser && this.appliedDeadlockCheck !== this.deadlockCheck) {
      // Queued before the statement on the same connection, so it applies to it; no extra wait.
      this.client.query(`SET deadlock_timeout = '${DEADLOCK_CHECK_MS[this.deadlockCheck]}ms'`).catch(() => undefined);
      this.appliedDeadlockCheck = this.deadlockCheck;
    }
    // A SET inside a transaction is undone by its rollback: after any error or transaction end, set it again.
    if (verb.startsWith('COMMIT') || verb.startsWith('ROLLBACK') || verb.startsWith('END') || verb.startsWith('ABORT')) this.appliedDeadlockCheck = 'unknown';
    const p = this.client.query(text, values ? [...values] : undefined);
    return p.then(
      (r) => {
        this.busy = false;
        if (verb.startsWith('BEGIN')) this.inTransaction = true;
        else if (verb.startsWith('COMMIT') || verb.startsWith('ROLLBACK')) this.inTransaction = false;
        return r;
      },
      async (e: unknown) => {
        // PostgreSQL reports an error before it aborts the transaction and releases its locks;
        // until it is ready again, another session may still look blocked by this one. An empty
        // query is answered only after that, and changes nothing.
        await this.client?.query('').catch(() => undefined);
        this.busy = false;
        this.appliedDeadlockCheck = 'unknown';
        if (verb.startsWith('COMMIT') || verb.startsWith('ROLLBACK')) this.inTransaction = false;
        throw e;
      },
    );
  }

  /** After a run: roll back what the actor left open, or replace a session left mid-statement. */
  async restore(): Promise<void> {
    if (this.tainted || this.busy || !this.client) {
      await this.close();
      await this.connect();
      return;
    }
    if (this.inTransaction) {
      await this.client.query('ROLLBACK');
      this.inTransaction = false;
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}

/** deadlock_timeout per check: short finds a cycle its statement closes; long never races it. */
const DEADLOCK_CHECK_MS = { short: 100, long: 2000 } as const;
