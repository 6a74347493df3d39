// One actor's PostgreSQL session (as in the isolation tester: one connection per actor),
// reused across runs; it tracks whether a transaction is open so a run can be cleaned up.
import pg from 'pg';
import { RawQuery, type RawNotice, type RawNotification, type RawQueryResult } from './raw-query.ts';

export class ActorSession {
  /** Backend pid, to match pg_blocking_pids answers. */
  pid = 0;
  inTransaction = false;
  /** A statement is on the wire. */
  busy = false;
  /** Left in an unknown state (a statement never returned): replace before reuse. */
  tainted = false;
  private client: pg.Client | null = null;
  /** Hears notices while a raw query is out; notifications wait for the next raw query's end. */
  private noticeListener: ((n: RawNotice) => void) | null = null;
  private notifications: RawNotification[] = [];

  constructor(private readonly url: string) {}

  async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    // A backend terminated under us must not crash the process; the next query reports it.
    client.on('error', () => {
      this.tainted = true;
    });
    client.on('notice', (m) => this.noticeListener?.({ severity: m.severity ?? 'NOTICE', message: m.message ?? '', ...(m.detail ? { detail: m.detail } : {}), ...(m.hint ? { hint: m.hint } : {}) }));
    client.on('notification', (m) => this.notifications.push({ channel: m.channel, payload: m.payload ?? '', processId: m.processId }));
    await client.connect();
    const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    this.pid = r.rows[0]?.pid ?? 0;
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

  /**
   * Sends `text` as one simple query and resolves with every result, the error if one ended it,
   * and the notifications received by then; `sent` runs once it is on the wire.
   */
  async sendRaw(text: string, onNotice: ((n: RawNotice) => void) | undefined, sent: () => void): Promise<RawQueryResult> {
    if (!this.client) throw new Error('session not connected');
    const q = new RawQuery(text);
    this.busy = true;
    this.noticeListener = onNotice ?? null;
    this.client.query(q);
    sent();
    const error = await q.done;
    this.busy = false;
    this.noticeListener = null;
    // Several statements may have begun or ended transactions: let restore() roll back to be sure.
    this.inTransaction = true;
    const notifications = this.notifications;
    this.notifications = [];
    return { results: q.results, error, notifications, backendPid: this.pid };
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
