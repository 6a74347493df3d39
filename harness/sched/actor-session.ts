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
   * A session-level advisory lock may be held: an actor stopped by the end of its run unwinds
   * without reaching its unlock, and the lock must not outlive the run.
   */
  private sessionLocks = false;
  private client: pg.Client | null = null;

  constructor(private readonly url: string) {}

  async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    // A backend terminated under us must not crash the process; the next query reports it.
    client.on('error', () => {
      this.tainted = true;
    });
    await client.connect();
    const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    this.pid = r.rows[0]?.pid ?? 0;
    this.client = client;
    this.inTransaction = false;
    this.busy = false;
    this.tainted = false;
    this.sessionLocks = false;
  }

  /** Sends at once: pg writes to the socket inside `query` when the connection is idle. */
  send(text: string, values: readonly unknown[] | undefined): Promise<pg.QueryResult> {
    if (!this.client) throw new Error('session not connected');
    const verb = text.trimStart().slice(0, 8).toUpperCase();
    if (SESSION_LOCK.test(text)) this.sessionLocks = true;
    this.busy = true;
    const p = this.client.query(text, values ? [...values] : undefined);
    return p.then(
      (r) => {
        this.busy = false;
        if (verb.startsWith('BEGIN')) this.inTransaction = true;
        else if (verb.startsWith('COMMIT') || verb.startsWith('ROLLBACK')) this.inTransaction = false;
        return r;
      },
      (e: unknown) => {
        this.busy = false;
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
    if (this.sessionLocks) {
      await this.client.query('SELECT pg_advisory_unlock_all()');
      this.sessionLocks = false;
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}

/** pg_advisory_lock / pg_try_advisory_lock (and their _shared forms): held until unlocked or the session ends. */
const SESSION_LOCK = /pg_(try_)?advisory_lock(_shared)?\s*\(/i;
