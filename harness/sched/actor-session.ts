// One actor's PostgreSQL session (as in the isolation tester: one connection per actor), reused
// across runs. After each run it is made identical to a fresh connection: its transaction rolled
// back (from the transaction status the server reported, not from the words of the statements
// sent) and everything DISCARD ALL clears reset, so no run sees what an earlier one left.
import pg from 'pg';
import { HeldCommitQuery, OWN_LOCKS_STATEMENT } from './held-commit-query.ts';
import { isConnectionFault, RESET_SESSION, SESSION_STATE } from '../db/index.ts';
import { RawQuery, type RawNotice, type RawNotification, type RawQueryResult } from './raw-query.ts';

/** A relation lock the backend holds: `schema.name`, relkind, lock mode. */
export interface LockRow {
  readonly qualified: string;
  readonly kind: string;
  readonly mode: string;
}

/** Hears the relation locks a statement held before its commit (null: they could not be read). */
export type LocksHeard = (rows: readonly LockRow[] | null) => void;

export class ActorSession {
  /** Backend pid, to match pg_blocking_pids answers. */
  pid = 0;
  /** A statement is on the wire. */
  busy = false;
  /** Left in an unknown state (a statement never returned, the connection died): replace before reuse. */
  tainted = false;
  /**
   * How soon PostgreSQL looks for a lock cycle when this session's next statement waits. The
   * engine asks for `short` when another actor already waits: the session that closes a cycle
   * then finds it first and is always the victim, whatever the machine's load (with one timeout
   * for all, the victim depends on which check fires before the cycle is complete).
   */
  deadlockCheck: 'short' | 'long' = 'long';
  private appliedDeadlockCheck: 'short' | 'long' | 'unknown' = 'unknown';
  /** The applied value was SET inside a transaction block: it lasts only if that block commits. */
  private deadlockCheckInTransaction = false;
  private superuser = false;
  /**
   * The session set deadlock_timeout itself (a spec's `SET deadlock_timeout`, or its connection
   * options): its own value wins, and the harness stops setting one for its victims.
   */
  private ownDeadlockTimeout = false;
  /** The value it set, when its SQL says it plainly (`SET deadlock_timeout = '100s'`). */
  private ownDeadlockMs: number | null = null;
  /** The server's deadlock_timeout (ms): what applies where this session may not set its own. */
  private serverDeadlockMs: number = DEADLOCK_CHECK_MS.long;
  /**
   * The session's default_transaction_isolation as the server reported it after the connection
   * or the last reset: what a plain BEGIN gets (role, database, server, PGOPTIONS settings).
   */
  defaultIsolation = 'read committed';
  /**
   * What the session holds that a run could leave behind (settings it set, role, prepared
   * statements, cursors, temporary relations, LISTEN, advisory locks), as the server reported
   * it after the connection or the last reset: the cross-check compares it with the first run's.
   */
  stateFingerprint = '';
  /** false: after a run only roll back (unsound; for showing that the cross-check catches a carried-over session). */
  resetBetweenRuns = true;
  /** The lock read of held-commit-query.ts is prepared on this session (the reset deallocates it). */
  private ownLocksPrepared = false;
  private ownLocksName = '';
  private ownLocksCount = 0;
  /** The error that killed the connection, if it died. */
  lostWith: unknown = null;
  /** restore() also releases the session-level advisory locks (its actor was stopped before its cleanup). */
  releaseSessionLocks = false;
  private client: pg.Client | null = null;
  /** Hears notices while a raw query is out; notifications wait for the next raw query's end. */
  private noticeListener: ((n: RawNotice) => void) | null = null;
  private notifications: RawNotification[] = [];

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
    client.on('notice', (m) => this.noticeListener?.({ severity: m.severity ?? 'NOTICE', message: m.message ?? '', ...(m.detail ? { detail: m.detail } : {}), ...(m.hint ? { hint: m.hint } : {}) }));
    client.on('notification', (m) => this.notifications.push({ channel: m.channel, payload: m.payload ?? '', processId: m.processId }));
    await client.connect().catch(async (e: unknown) => {
      await client.end().catch(() => undefined);
      throw e;
    });
    const r = await client.query<{ pid: number; su: boolean; dt: number; iso: string; state: string }>(
      `SELECT pg_backend_pid() AS pid, current_setting('is_superuser') = 'on' AS su, (SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout') AS dt, ${SESSION_STATE}`,
    );
    this.pid = r.rows[0]?.pid ?? 0;
    this.defaultIsolation = r.rows[0]?.iso ?? 'read committed';
    this.stateFingerprint = r.rows[0]?.state ?? '';
    // deadlock_timeout is a superuser setting; elsewhere the server's own value applies.
    this.superuser = r.rows[0]?.su === true;
    this.serverDeadlockMs = r.rows[0]?.dt ?? DEADLOCK_CHECK_MS.long;
    this.appliedDeadlockCheck = 'unknown';
    this.deadlockCheckInTransaction = false;
    this.ownDeadlockTimeout = mentionsDeadlockTimeout(safeDecode(this.url));
    this.ownDeadlockMs = this.ownDeadlockTimeout ? deadlockTimeoutSetIn(safeDecode(this.url)) : null;
    this.client = client;
    this.ownLocksPrepared = false;
    this.ownLocksCount = 0;
    this.busy = false;
    this.tainted = false;
    this.lostWith = null;
    this.releaseSessionLocks = false;
  }

  /** The longest PostgreSQL may wait before it looks for a lock cycle this session's statement is in. */
  deadlockCheckBoundMs(): number {
    if (this.ownDeadlockTimeout) return this.ownDeadlockMs ?? Math.max(DEADLOCK_CHECK_MS.long, this.serverDeadlockMs);
    return this.superuser ? DEADLOCK_CHECK_MS.long : this.serverDeadlockMs;
  }

  /** The transaction status the server last reported: idle, in a block, in a failed block. */
  get transactionStatus(): 'I' | 'T' | 'E' {
    const status = this.client?.getTransactionStatus();
    return status === 'T' || status === 'E' ? status : 'I';
  }

  /** True while the server says a transaction is open or failed on this session. */
  get inTransaction(): boolean {
    const status = this.client?.getTransactionStatus();
    return status === 'T' || status === 'E';
  }

  /**
   * Whether this session can hold a lock another session waits on: a statement on the wire, or a
   * transaction block open (as PostgreSQL last reported it, failed blocks included). Outside both,
   * only a session-level lock (pg_advisory_lock) can, and the engine polls for that more slowly.
   */
  mayHoldTransactionLocks(): boolean {
    return this.busy || (this.client !== null && this.client.getTransactionStatus() !== 'I');
  }

  /**
   * Sends at once: pg writes to the socket inside `query` when the connection is idle. With
   * `locks`, a statement outside a transaction block is followed, before its commit, by a read
   * of the locks it holds, which `locks` hears (held-commit-query.ts).
   */
  send(text: string, values: readonly unknown[] | undefined, locks?: LocksHeard): Promise<pg.QueryResult> {
    const client = this.client;
    if (!client) throw new Error('session not connected');
    this.refuseIfLost();
    this.busy = true;
    this.applyDeadlockCheck();
    // SQL that deallocates prepared statements takes the lock read's with it.
    if (NAMES_STATEMENTS.test(text)) this.ownLocksPrepared = false;
    // A read that failed may have left its statement behind, or found it gone: a new name then.
    if (!this.ownLocksPrepared) this.ownLocksName = `${OWN_LOCKS_STATEMENT}_${++this.ownLocksCount}`;
    const heard: LocksHeard | undefined = locks && ((rows) => {
      this.ownLocksPrepared = rows !== null;
      locks(rows);
    });
    const p = heard
      ? new Promise<pg.QueryResult>((resolve, reject) => {
          client.query(new HeldCommitQuery(text, values, heard, this.ownLocksName, this.ownLocksPrepared, (e, r) => (e ? reject(e) : resolve(r))));
        })
      : client.query(text, values ? [...values] : undefined);
    return p.then(
      (r) => {
        this.busy = false;
        this.afterStatement(text);
        return r;
      },
      async (e: unknown) => {
        // PostgreSQL reports an error before it aborts the transaction and releases its locks;
        // until it is ready again, another session may still look blocked by this one. An empty
        // query is answered only after that, and changes nothing.
        await this.client?.query('').catch(() => undefined);
        this.busy = false;
        this.appliedDeadlockCheck = 'unknown';
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
   * A connection known dead (its 'error' event, or a 57P01 answer to one of the harness's own
   * queries, which pg delivers before it sees the socket close: until then the client still
   * takes queries and only queues them) is never sent anything: the statement fails as the session did.
   */
  private refuseIfLost(): void {
    if (this.lostWith !== null) throw this.lostWith;
  }

  /** The harness's own query on the session: a connection fault marks the session lost. */
  private async own<T>(q: Promise<T>): Promise<T> {
    try {
      return await q;
    } catch (e) {
      if (isConnectionFault(e)) {
        this.tainted = true;
        this.lostWith ??= e;
      }
      throw e;
    }
  }

  private applyDeadlockCheck(): void {
    if (!this.client || !this.superuser || this.ownDeadlockTimeout || this.appliedDeadlockCheck === this.deadlockCheck) return;
    // Queued before the statement on the same connection, so it applies to it (one round trip
    // before the statement goes out: pg sends one query at a time).
    this.client.query(`SET deadlock_timeout = '${DEADLOCK_CHECK_MS[this.deadlockCheck]}ms'`).catch(() => undefined);
    this.appliedDeadlockCheck = this.deadlockCheck;
    // The server's status before the SET runs: nothing else is on the wire.
    this.deadlockCheckInTransaction = this.inTransaction;
  }

  /**
   * Whether the engine's deadlock_timeout still holds after `text` ran. A SET made outside a
   * transaction block lasts until something resets settings (RESET, DISCARD); one made inside a
   * block is undone if the block, or a savepoint taken before it, rolls back — which `text` may do
   * and begin another block in the same breath (`ROLLBACK; BEGIN`), so any word that may end a
   * block counts, not only the status the server reports afterwards. A word in a string literal
   * costs one SET more, never one too few.
   */
  private afterStatement(text: string): void {
    if (this.appliedDeadlockCheck === 'unknown') return;
    if (this.deadlockCheckInTransaction ? MAY_END_BLOCK.test(text) : MAY_RESET_SETTINGS.test(text)) {
      this.appliedDeadlockCheck = 'unknown';
      this.deadlockCheckInTransaction = false;
      return;
    }
    this.noteTransactionEnd();
  }

  /**
   * A SET made outside a transaction block lasts; one made inside it is undone if the block rolls
   * back. Once the block it was made in has ended (the server says so), set it again before use.
   */
  private noteTransactionEnd(): void {
    if (this.deadlockCheckInTransaction && !this.inTransaction) {
      this.appliedDeadlockCheck = 'unknown';
      this.deadlockCheckInTransaction = false;
    }
  }

  /**
   * Sends `text` as one simple query and resolves with every result, the error if one ended it,
   * and the notifications received by then; `sent` runs once it is on the wire. The session's
   * own settings are left alone: once its SQL names deadlock_timeout (SET, RESET, set_config),
   * the harness no longer sets its own, as the isolation tester never does.
   */
  async sendRaw(text: string, onNotice: ((n: RawNotice) => void) | undefined, sent: () => void): Promise<RawQueryResult> {
    if (!this.client) throw new Error('session not connected');
    if (mentionsDeadlockTimeout(text)) {
      this.ownDeadlockTimeout = true;
      this.ownDeadlockMs = deadlockTimeoutSetIn(text) ?? this.ownDeadlockMs;
    }
    this.refuseIfLost();
    const q = new RawQuery(text);
    this.busy = true;
    this.applyDeadlockCheck();
    this.noticeListener = onNotice ?? null;
    this.client.query(q);
    sent();
    const error = await q.done;
    // As in send(): the error comes before the transaction is aborted and its locks released.
    if (error) await this.client?.query('').catch(() => undefined);
    this.busy = false;
    this.afterStatement(text);
    this.noticeListener = null;
    const notifications = this.notifications;
    this.notifications = [];
    return { results: q.results, error, notifications, backendPid: this.pid };
  }

  /**
   * The isolation levels the server says apply now (between statements): the session's default,
   * and the open transaction's (null outside one). SHOW takes no snapshot, so asking does not fix
   * a repeatable-read transaction's snapshot early. Null in a failed transaction (nothing runs there).
   */
  async readIsolation(): Promise<{ readonly session: string; readonly transaction: string | null } | null> {
    if (!this.client || this.client.getTransactionStatus() === 'E') return null;
    const inTransaction = this.inTransaction;
    const r = (await this.own(this.client.query(inTransaction ? 'SHOW default_transaction_isolation; SHOW transaction_isolation' : 'SHOW default_transaction_isolation'))) as unknown as
      | pg.QueryResult<Record<string, string>>
      | pg.QueryResult<Record<string, string>>[];
    const results = Array.isArray(r) ? r : [r];
    const session = results[0]?.rows[0]?.['default_transaction_isolation'];
    if (session === undefined) return null;
    this.defaultIsolation = session;
    return { session, transaction: inTransaction ? (results[1]?.rows[0]?.['transaction_isolation'] ?? null) : null };
  }

  /**
   * The isolation level of the open transaction, asked just before the statement that ends it
   * (SHOW takes no snapshot and cannot fail on its own); null in a failed transaction or outside one.
   */
  async transactionIsolation(): Promise<string | null> {
    if (!this.client || this.client.getTransactionStatus() !== 'T') return null;
    const r = await this.own(this.client.query<{ transaction_isolation: string }>('SHOW transaction_isolation'));
    return r.rows[0]?.transaction_isolation ?? null;
  }

  /**
   * After a run: roll back whatever the actor left open (`BEGIN`, `START TRANSACTION`, a failed
   * transaction) and clear what DISCARD ALL clears (settings, SET ROLE and SET SESSION
   * AUTHORIZATION, prepared statements, cursors WITH HOLD, LISTEN, session advisory locks, plans,
   * temporary tables, sequence state) in one round trip; or replace a session left mid-statement
   * or dead. Then read the default isolation a plain BEGIN will get.
   */
  async restore(): Promise<void> {
    if (this.tainted || this.busy || !this.client || this.client.getTransactionStatus() === null) {
      await this.close();
      await this.connect();
      return;
    }
    const release = this.releaseSessionLocks;
    this.releaseSessionLocks = false;
    // DISCARD ALL itself refuses to run in a multi-statement query: its parts, in its order, do not.
    const reset = this.resetBetweenRuns ? RESET_SESSION : release ? 'SELECT pg_advisory_unlock_all()' : '';
    const r = (await this.client.query(`${this.inTransaction ? 'ROLLBACK; ' : ''}${reset}${reset ? '; ' : ''}SELECT ${SESSION_STATE}`)) as unknown as
      | pg.QueryResult<Record<string, string>>[]
      | pg.QueryResult<Record<string, string>>;
    const results = Array.isArray(r) ? r : [r];
    this.noteTransactionEnd();
    if (this.resetBetweenRuns) {
      // DEALLOCATE ALL took the lock read's statement: numbered from the start again, so every
      // run's session shows the same names.
      this.ownLocksPrepared = false;
      this.ownLocksCount = 0;
      // RESET ALL undid any deadlock_timeout this session had set (back to its connection's own).
      this.appliedDeadlockCheck = 'unknown';
      this.ownDeadlockTimeout = mentionsDeadlockTimeout(safeDecode(this.url));
      this.ownDeadlockMs = this.ownDeadlockTimeout ? deadlockTimeoutSetIn(safeDecode(this.url)) : null;
      this.deadlockCheckInTransaction = false;
      this.notifications = [];
    }
    let last = results[results.length - 1]?.rows[0];
    // UNLISTEN takes effect when its transaction ends, after the state was read in the same
    // query: channels still listed then are read again, once the reset is committed.
    if (this.resetBetweenRuns && last?.['state']?.includes('listening=')) {
      last = (await this.client.query<Record<string, string>>(`SELECT ${SESSION_STATE}`)).rows[0];
    }
    this.defaultIsolation = last?.['iso'] ?? 'read committed';
    this.stateFingerprint = last?.['state'] ?? '';
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}

/** Words of the statements that may end a transaction block or roll back to a savepoint (a procedure or DO block may commit). */
const MAY_END_BLOCK = /\b(commit|rollback|abort|end|prepare|call|do|reset|discard)\b/i;
/** Words of the statements that may deallocate prepared statements. */
const NAMES_STATEMENTS = /\b(deallocate|discard)\b/i;
/** Words of the statements that may undo a setting made outside a block. */
const MAY_RESET_SETTINGS = /\b(reset|discard)\b/i;

/** Whether SQL (or connection options) may set deadlock_timeout: any mention counts. */
function mentionsDeadlockTimeout(text: string): boolean {
  return /deadlock_timeout/i.test(text);
}

/** The last plain `deadlock_timeout = <n>[unit]` (or `TO`) in `text`, in ms. */
function deadlockTimeoutSetIn(text: string): number | null {
  const all = [...text.matchAll(/deadlock_timeout\s*(?:=|\bto\b)\s*'?\s*(\d+)\s*(ms|s|min)?\s*'?/gi)];
  const m = all[all.length - 1];
  if (!m) return null;
  const unit = (m[2] ?? 'ms').toLowerCase();
  return Number(m[1]) * (unit === 'min' ? 60_000 : unit === 's' ? 1000 : 1);
}

function safeDecode(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

/** deadlock_timeout per check: short finds a cycle its statement closes; long never races it. */
const DEADLOCK_CHECK_MS = { short: 100, long: 2000 } as const;
