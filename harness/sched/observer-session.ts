// The scheduler's own session: blocked detection (pg_blocking_pids), setup, reset and checks run
// on it. A connection that dies is replaced before its next use, waiting for the server within the
// reconnect bound; a loss nobody's query reported is told to `onReplaced`.
import pg from 'pg';
import { connectWithin } from '../db/index.ts';

/** A server that accepts a connection but never answers counts as down (then retried within the reconnect bound). */
const CONNECT_TIMEOUT_MS = 10_000;

export class ObserverSession {
  /** Told when a lost session is replaced without a failed query having reported it. */
  onReplaced: (error: unknown) => void = () => undefined;
  private current: pg.Client | null = null;
  private pid = 0;
  /** The connection died (an 'error' event): replace it before its next use. */
  private lost = false;
  /** What killed the connection (57P01...), when pg told us: more telling than the next query's error. */
  private lostWith: unknown = null;
  /** The loss is already a run's fault (a failed poll): replacing it reports nothing more. */
  private lossReported = false;

  private constructor(
    private readonly url: string,
    private readonly reconnectTimeoutMs: number | undefined,
  ) {}

  static async open(url: string, reconnectTimeoutMs?: number): Promise<ObserverSession> {
    const s = new ObserverSession(url, reconnectTimeoutMs);
    await s.connect();
    return s;
  }

  get client(): pg.Client {
    if (!this.current) throw new Error('the observer session is closed');
    return this.current;
  }

  /** A query on it failed with a connection fault: the caller reports it; returns the error that tells most. */
  failed(e: unknown): unknown {
    this.lost = true;
    this.lossReported = true;
    return this.lostWith ?? e;
  }

  /** Replaces the session if its connection died (or `force`: it is stuck in a statement). */
  async reconnect(force = false): Promise<void> {
    if (!this.current || (!this.lost && !force)) return;
    // A connection that died between uses (its 'error' event, no failed query) is a fault too.
    if (!force && !this.lossReported) this.onReplaced(this.lostWith ?? new Error('the observer session was lost'));
    const old = this.current;
    const oldPid = this.pid;
    this.current = null;
    await old.end().catch(() => undefined);
    await this.connect();
    // A replaced session may have been stuck in a statement whose backend lives on: end it.
    if (force && oldPid) await this.client.query('SELECT pg_terminate_backend($1)', [oldPid]).catch(() => undefined);
  }

  async close(): Promise<void> {
    const c = this.current;
    this.current = null;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.current = await connectWithin(
      'observer session',
      async () => {
        const client = new pg.Client({ connectionString: this.url, application_name: 'prh-observer', connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
        // A terminated backend must not crash the process; the session is replaced before its next use.
        client.on('error', (e) => {
          if (this.current !== client) return;
          this.lost = true;
          this.lostWith ??= e;
        });
        try {
          await client.connect();
          this.pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
        } catch (e) {
          await client.end().catch(() => undefined);
          throw e;
        }
        return client;
      },
      this.reconnectTimeoutMs,
    );
    this.lost = false;
    this.lostWith = null;
    this.lossReported = false;
  }
}
