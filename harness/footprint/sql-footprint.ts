// Footprints derived from the SQL itself, parsed by PostgreSQL's own parser (libpg-query), for
// one actor's session: tables read and written, advisory-lock keys from their arguments,
// sequences, and what COMMIT makes visible. Whatever is not understood touches everything, so
// the reduction stays sound whatever a scenario declares.
import { SQL_ANYTHING, type Footprint } from './footprint.ts';
import { Collector, constantOf } from './sql-collector.ts';
import type { SqlCatalog } from './sql-catalog.ts';
import { parsedStatements, type Node } from './sql-parse.ts';

export { loadSqlParser } from './sql-parse.ts';

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

/** An isolation level as the server names it (`SHOW transaction_isolation`), in the footprints' terms. */
export function isolationNamed(name: string): Isolation {
  const n = name.trim().toLowerCase();
  if (n === 'repeatable read' || n === 'serializable') return n;
  return 'read committed';
}

const SNAPSHOT_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt', 'DeclareCursorStmt']);
/**
 * Statements footprinted here that take the transaction's snapshot (under REPEATABLE READ and
 * SERIALIZABLE, the first one fixes it): the statements that read or write, and EXPLAIN, which
 * PostgreSQL runs with a snapshot even without ANALYZE. (Other utility statements touch everything.)
 */
const TAKES_SNAPSHOT = new Set([...SNAPSHOT_STATEMENTS, 'ExplainStmt']);
/** Utility statements that neither create nor rename relations, nor change name resolution. */
const NAME_PRESERVING_UTILITY = new Set([
  'TruncateStmt', 'NotifyStmt', 'ListenStmt', 'UnlistenStmt', 'VacuumStmt', 'CheckPointStmt', 'ExplainStmt',
  'FetchStmt', 'ClosePortalStmt', 'PrepareStmt', 'ExecuteStmt', 'DeallocateStmt',
]);

/** A transaction about to end: what its statements claimed, the level assumed at its first snapshot (null: none taken), its texts. */
export interface TransactionEnd {
  readonly claims: ReadonlySet<string>;
  readonly assumed: Isolation | null;
  readonly statements: readonly string[];
}

/**
 * One actor session's footprint tracker. It follows the transaction the session is in (its
 * isolation level, what it wrote so far), because COMMIT publishes those writes and releases
 * those locks, and a repeatable-read snapshot reads the whole database at once.
 */
export class SqlFootprinter {
  private inTransaction = false;
  private isolation: Isolation = 'read committed';
  private sessionIsolation: Isolation = 'read committed';
  private snapshotTaken = false;
  /** The open transaction ran a snapshot-taking statement (at whatever level). */
  private firstSnapshotSeen = false;
  /** The level the footprints assumed when the open transaction took its first snapshot. */
  private assumedAtSnapshot: Isolation | null = null;
  /** Claimed (read or written) in the open transaction. */
  private claimed = new Set<string>();
  /** The texts sent in the open transaction, and the one being footprinted. */
  private texts: string[] = [];
  private currentText = '';
  private ending: TransactionEnd | null = null;
  /** Written or locked in the open transaction. */
  private written = new Set<string>();
  /**
   * Name resolution can no longer be trusted: relations created or renamed (lasts), or search_path
   * changed — by SET, set_config, or code we cannot see into — (until the session is reset).
   */
  private lost = false;
  private lostToSettings = false;
  /** A statement may have changed the isolation a plain BEGIN gets, or the open transaction's: ask the server. */
  private settingsChanged = false;
  /** A statement ran at SERIALIZABLE since the last `takeSerializable`. */
  private serializable = false;
  /** A statement may have taken a session-level lock since the last `takeSessionLocks`. */
  private sessionLocks = false;
  /**
   * The advisory keys this session may hold at session level, for what pg_advisory_unlock_all
   * releases (asyncpg's pool calls it on every release); null once something it cannot see into
   * ran (a function, a utility statement), which may have locked any key.
   */
  private heldAdvisory: Set<string> | null = new Set();

  constructor(
    private readonly catalog: SqlCatalog,
    /** Written by every statement: what reads of pg_stat_activity and the like depend on. */
    private readonly activityKey: string,
    /** The session's default_transaction_isolation, as the server reports it (never assumed). */
    sessionIsolation = 'read committed',
  ) {
    this.sessionIsolation = isolationNamed(sessionIsolation);
    this.isolation = this.sessionIsolation;
  }

  /** The footprint of `text` (one or more statements) sent with `values`, and the session's state after it. */
  footprint(text: string, values?: readonly unknown[]): Footprint {
    const statements = parsedStatements(text);
    // PostgreSQL will reject it too, but we do not guess what a statement we cannot read does.
    if (statements === null) return this.unseen();
    const keys = new Set<string>([this.activityKey]);
    this.currentText = text;
    for (const stmt of statements) for (const k of this.statement(stmt, values ?? [])) keys.add(k);
    if (this.inTransaction) this.texts.push(text);
    // Code we cannot see into (set_config, DO, a function with SET clauses) may change settings too.
    if (keys.has('db:*')) this.settingsChanged = true;
    return [...keys];
  }

  /** Inside a transaction block (BEGIN ... COMMIT), as this session's statements say. */
  get inTransactionBlock(): boolean {
    return this.inTransaction;
  }

  /**
   * A step that only prepares (Parse, Describe): PostgreSQL analyses the statement with a
   * snapshot, and under REPEATABLE READ or SERIALIZABLE the transaction's first one is fixed
   * there. Before that snapshot is taken, the step reads everything, as the statement would.
   */
  prepares(): Footprint {
    if (!this.inTransaction || this.isolation === 'read committed' || this.snapshotTaken) return [this.activityKey];
    this.snapshotTaken = true;
    if (!this.firstSnapshotSeen) {
      this.firstSnapshotSeen = true;
      this.assumedAtSnapshot = this.isolation;
    }
    return [this.activityKey, ...this.record(['r:*'])];
  }

  /** A statement whose text is unknown (or unreadable): it may touch, lock or set anything. */
  unseen(): Footprint {
    this.settingsChanged = true;
    this.sessionLocks = true;
    this.heldAdvisory = null;
    return this.record(SQL_ANYTHING);
  }

  /**
   * Forgets the transaction and what the session set (the engine rolled it back and reset it
   * after a run); `sessionIsolation` is the default the server reports after the reset.
   */
  reset(sessionIsolation?: string): void {
    this.endTransaction();
    if (sessionIsolation !== undefined) this.sessionIsolation = isolationNamed(sessionIsolation);
    this.isolation = this.sessionIsolation;
    this.lostToSettings = false;
    this.settingsChanged = false;
    this.ending = null;
    // The engine's reset released the session's advisory locks (pg_advisory_unlock_all).
    this.heldAdvisory = new Set();
  }

  private endTransaction(): void {
    this.assumedAtSnapshot = null;
    this.texts = [];
    this.inTransaction = false;
    this.snapshotTaken = false;
    this.firstSnapshotSeen = false;
    this.written = new Set();
    this.claimed = new Set();
    this.isolation = this.sessionIsolation;
  }

  /** Whether a statement since the last call may have changed the isolation levels: the engine then asks the server. */
  takeSettingsChanged(): boolean {
    const changed = this.settingsChanged;
    this.settingsChanged = false;
    return changed;
  }

  /** The isolation levels the server reported after a step: they replace what the statements' text suggested. */
  serverIsolation(session: string, transaction: string | null): void {
    this.sessionIsolation = isolationNamed(session);
    this.isolation = this.inTransaction && transaction !== null ? isolationNamed(transaction) : this.sessionIsolation;
  }

  /** Whether a statement may have taken a session-level lock (one that outlives the run) since the last call. */
  takeSessionLocks(): boolean {
    const taken = this.sessionLocks;
    this.sessionLocks = false;
    return taken;
  }

  /** Whether a statement ran at SERIALIZABLE since the last call (whose predicate locks depend on the tables' physical layout). */
  takeSerializable(): boolean {
    const seen = this.serializable;
    this.serializable = false;
    return seen;
  }

  private record(keys: Footprint): Footprint {
    if (this.inTransaction) {
      for (const k of keys) {
        if (!k.startsWith('r:')) this.written.add(k);
        this.claimed.add(k);
      }
    }
    return keys;
  }

  /**
   * When the text last footprinted ends a transaction (COMMIT, ROLLBACK, ...): what that
   * transaction claimed, once. The run-time cross-check holds the server's account to it just
   * before the text is sent, while the transaction still holds its locks.
   */
  takeTransactionEnd(): TransactionEnd | null {
    const ending = this.ending;
    this.ending = null;
    return ending;
  }

  private statement(stmt: Node, values: readonly unknown[]): Footprint {
    const [type, body] = Object.entries(stmt)[0] ?? ['', {}];
    const node = body as Node;
    if (type === 'TransactionStmt') return this.transaction(node);
    if (type === 'VariableSetStmt') {
      this.setting(node);
      this.settingsChanged = true;
      return [];
    }
    if (type === 'DiscardStmt') this.settingsChanged = true;
    if (type === 'VariableShowStmt') return [];
    // Session-local: closing its own cursors, dropping its own LISTENs (asyncpg's pool sends
    // `CLOSE ALL; UNLISTEN *;` on every release) touches nothing another session sees.
    if (type === 'ClosePortalStmt' || type === 'UnlistenStmt') return [];
    const autocommit = !this.inTransaction;
    if ((autocommit ? this.sessionIsolation : this.isolation) === 'serializable') this.serializable = true;
    let keys: string[];
    if (SNAPSHOT_STATEMENTS.has(type) || type === 'LockStmt' || type === 'ExplainStmt' || type === 'NotifyStmt') {
      const collector = this.lost || this.lostToSettings ? null : new Collector(this.catalog, values);
      keys = collector ? collector.statement(type, node) : [...SQL_ANYTHING];
      if (!collector || collector.mayLockSession) this.sessionLocks = true;
      if (!collector || collector.opaque) {
        this.heldAdvisory = null;
        // set_config('search_path', ...) (its arguments may be computed), also inside a function
        // or trigger, or code we cannot see into, may have moved the search_path as SET does.
        this.lostToSettings = true;
      }
      else for (const k of collector.sessionAdvisory) this.heldAdvisory?.add(k);
      if (collector?.unlocksAll) {
        // Another session sees only the locks this one held at session level go.
        keys.push(...(this.heldAdvisory ?? ['db:a:*']));
        this.heldAdvisory?.clear();
      }
      if (!autocommit && TAKES_SNAPSHOT.has(type) && !this.firstSnapshotSeen) {
        this.firstSnapshotSeen = true;
        this.assumedAtSnapshot = this.isolation;
      }
      if (!autocommit && TAKES_SNAPSHOT.has(type) && this.isolation !== 'read committed' && !this.snapshotTaken) {
        // The transaction's snapshot is taken here: every later read sees the database as of now.
        keys.push('r:*');
        this.snapshotTaken = true;
      }
    } else {
      if (!NAME_PRESERVING_UTILITY.has(type)) this.lost = true;
      keys = [...SQL_ANYTHING];
      this.sessionLocks = true;
      this.heldAdvisory = null;
    }
    // Under SERIALIZABLE a commit may fail another transaction through any rw-dependency chain.
    if (autocommit && this.sessionIsolation === 'serializable') keys.push(...SQL_ANYTHING);
    return this.record(keys);
  }

  private transaction(node: Node): Footprint {
    const kind = String(node['kind']);
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
      this.inTransaction = true;
      this.snapshotTaken = false;
      this.firstSnapshotSeen = false;
      this.written = new Set();
      this.claimed = new Set();
      this.isolation = isolationOf(node['options']) ?? this.sessionIsolation;
      return [];
    }
    if (kind === 'TRANS_STMT_SAVEPOINT' || kind === 'TRANS_STMT_RELEASE') return [];
    if (this.inTransaction && kind !== 'TRANS_STMT_ROLLBACK_TO') {
      this.ending = { claims: new Set(this.claimed), assumed: this.assumedAtSnapshot, statements: [...this.texts, this.currentText] };
    }
    // COMMIT publishes what the transaction wrote and releases its locks; ROLLBACK (also to a
    // savepoint) releases its locks. Under SERIALIZABLE it may abort others: it touches everything.
    const keys = this.isolation === 'serializable' ? [...SQL_ANYTHING] : [...this.written];
    if (kind === 'TRANS_STMT_ROLLBACK_TO') return keys;
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
      if (node['chain'] === true) {
        this.snapshotTaken = false;
        this.firstSnapshotSeen = false;
        this.assumedAtSnapshot = null;
        this.claimed = new Set();
        this.texts = [];
      } else {
        this.endTransaction();
      }
      return keys;
    }
    // PREPARE TRANSACTION, COMMIT PREPARED, ...: outside what we model.
    this.endTransaction();
    return [...SQL_ANYTHING];
  }

  private setting(node: Node): void {
    const name = String(node['name'] ?? '').toLowerCase();
    const kind = String(node['kind']);
    if (kind === 'VAR_RESET_ALL') {
      // Back to the session's defaults (asyncpg's pool resets every connection it takes back): the
      // search_path the catalog was read with; the isolation is read again from the server, as
      // after any settings change.
      return;
    }
    // The default search_path begins with "$user": another role (SET ROLE, SET SESSION
    // AUTHORIZATION) may see its own schema's tables under the same names.
    if (name === 'search_path' || name === 'role' || name === 'session_authorization') {
      this.lostToSettings = true;
      return;
    }
    if (name === 'transaction') {
      this.isolation = isolationOf(node['args']) ?? this.isolation;
    } else if (name === 'session characteristics') {
      this.sessionIsolation = isolationOf(node['args']) ?? this.sessionIsolation;
    } else if (name === 'transaction_isolation' || name === 'default_transaction_isolation') {
      const level = isolationOf([{ DefElem: { defname: 'transaction_isolation', arg: (node['args'] as unknown[] | undefined)?.[0] } }]);
      if (name === 'transaction_isolation') this.isolation = level ?? this.isolation;
      else this.sessionIsolation = level ?? this.sessionIsolation;
    }
    if (!this.inTransaction) this.isolation = this.sessionIsolation;
  }
}

function isolationOf(options: unknown): Isolation | null {
  if (!Array.isArray(options)) return null;
  for (const o of options as Node[]) {
    const def = o['DefElem'] as Node | undefined;
    if (!def || def['defname'] !== 'transaction_isolation') continue;
    const text = constantOf(def['arg'], []);
    if (text === 'read uncommitted' || text === 'read committed') return 'read committed';
    if (text === 'repeatable read' || text === 'serializable') return text;
  }
  return null;
}
