// One actor's PostgreSQL session (as in the isolation tester: one connection per actor), reused
// across runs. Before each run it is made clean from what the server itself reports (the
// transaction status of its last ReadyForQuery), not from the words of the statements sent.
import pg from 'pg';
import { isConnectionFault } from '../db/index.ts';

export class ActorSession {
  /** Backend pid, to match pg_blocking_pids answers. */
  pid = 0;
  /** A statement is on the wire. */
  busy = false;
  /** Left in an unknown state (a statement never returned, the connection died): replace before reuse. */
  tainted = false;
  /** The error that killed the connection, if it died. */
  lostWith: unknown = null;
  private client: pg.Client | null = null;

  /** `applicationName` shows in pg_stat_activity (`prh-actor-<i>`): who is who on the server. */
  constructor(
    private readonly url: string,
    private readonly applicationName = 'prh-actor',
  ) {}

  async connect(): Promise<void> {
    // A server that accepts the connection but never answers counts as down, not as a hang.
    const client = new pg.Client({ connectionString: this.url, application_name: this.applicationName, connectionTimeoutMillis: 10_000 });
    // A backend terminated under us must not crash the process; the next query reports it.
    client.on('error', (e) => {
      this.tainted = true;
      this.lostWith ??= e;
    });
    await client.connect().catch(async (e: unknown) => {
      await client.end().catch(() => undefined);
      throw e;
    });
    const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    this.pid = r.rows[0]?.pid ?? 0;
    this.client = client;
    this.busy = false;
    this.tainted = false;
    this.lostWith = null;
  }

  /** True while the server says a transaction is open or failed on this session. */
  get inTransaction(): boolean {
    const status = this.client?.getTransactionStatus();
    return status === 'T' || status === 'E';
  }

  /** Sends at once: pg writes to the socket inside `query` when the connection is idle. */
  send(text: string, values: readonly unknown[] | undefined): Promise<pg.QueryResult> {
    if (!this.client) throw new Error('session not connected');
    this.busy = true;
    const p = this.client.query(text, values ? [...values] : undefined);
    return p.then(
      (r) => {
        this.busy = false;
        return r;
      },
      (e: unknown) => {
        this.busy = false;
        // The socket's own 'error' event may come later than this rejection: mark it now.
        if (isConnectionFault(e)) {
          this.tainted = true;
          this.lostWith ??= e;
        }
        throw e;
      },
    );
  }

  /**
   * After a run: roll back whatever the actor left open (`BEGIN`, `START TRANSACTION`, a failed
   * transaction), or replace a session left mid-statement or dead.
   */
  async restore(): Promise<void> {
    if (this.tainted || this.busy || !this.client || this.client.getTransactionStatus() === null) {
      await this.close();
      await this.connect();
      return;
    }
    if (this.inTransaction) await this.client.query('ROLLBACK');
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
