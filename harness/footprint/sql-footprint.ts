// Footprints derived from the SQL itself, parsed by PostgreSQL's own parser (libpg-query), for
// one actor's session: tables read and written, advisory-lock keys from their arguments,
// sequences, and what COMMIT makes visible. Whatever is not understood touches everything, so
// the reduction stays sound whatever a scenario declares.
import { isRead, SQL_ANYTHING, type Footprint } from './footprint.ts';
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
/**
 * Statements that, sent alone outside a transaction block, run and commit in one implicit
 * transaction whether the protocol is simple or extended (DECLARE fails outside a block).
 */
const COMMITS_ALONE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt']);
/**
 * Utility statements PostgreSQL runs without a snapshot (PlannedStmtRequiresSnapshot); every other
 * one takes the transaction's snapshot, which under REPEATABLE READ the first one fixes.
 */
const NO_SNAPSHOT_UTILITY = new Set(['TransactionStmt', 'LockStmt', 'VariableSetStmt', 'VariableShowStmt', 'ConstraintsSetStmt', 'FetchStmt', 'ListenStmt', 'NotifyStmt', 'UnlistenStmt', 'CheckPointStmt']);
/** Utility statements that run code prepared or declared earlier, which may change settings as any code may. */
const RUNS_EARLIER_CODE = new Set(['ExecuteStmt', 'FetchStmt']);
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
  /** What RESET brings back: the level the server gave the session as it started. */
  private readonly startupIsolation: Isolation;
  /** The session's default as the open transaction began: a ROLLBACK brings it back. */
  private isolationAtBegin: Isolation = 'read committed';
  /** The open transaction changed the session's default (a SET its ROLLBACK would undo). */
  private defaultSetInBlock = false;
  /** The server reported the open block failed: its COMMIT will roll it back. */
  private blockFailed = false;
  /** The default a COMMIT just footprinted brings back if it fails (null: nothing to undo). */
  private undoOnFailure: Isolation | null = null;
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
  /** The text last footprinted, when it was one statement outside a transaction block that reads or writes (COMMITS_ALONE). */
  private alone: TransactionEnd | null = null;
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
    /** False for a session whose user or search_path differs from the catalog's: names resolve elsewhere. */
    private readonly namesResolve = true,
  ) {
    this.lostToSettings = !namesResolve;
    this.sessionIsolation = isolationNamed(sessionIsolation);
    this.startupIsolation = this.sessionIsolation;
    this.isolation = this.sessionIsolation;
  }

  /** The footprint of `text` (one or more statements) sent with `values`, and the session's state after it. */
  footprint(text: string, values?: readonly unknown[]): Footprint {
    this.alone = null;
    this.undoOnFailure = null;
    const statements = parsedStatements(text);
    // PostgreSQL will reject it too, but we do not guess what a statement we cannot read does.
    if (statements === null) return this.unseen();
    const keys = new Set<string>([this.activityKey]);
    this.currentText = text;
    const wasInTransaction = this.inTransaction;
    // Statements of one text before a BEGIN in it run in its implicit transaction, which the BEGIN
    // turns into the block: what they locked is held, and their snapshot kept, until it ends.
    const implicit: string[] = [];
    let implicitSnapshot = false;
    for (const stmt of statements) {
      const before = this.inTransaction;
      const type = Object.keys(stmt)[0] ?? '';
      const stmtKeys = this.statement(stmt, values ?? []);
      if (!before && this.inTransaction && (implicit.length > 0 || implicitSnapshot)) this.adoptImplicit(implicit, implicitSnapshot);
      if (!this.inTransaction) {
        implicit.push(...stmtKeys);
        if (TAKES_SNAPSHOT.has(type) || (type !== '' && !NO_SNAPSHOT_UTILITY.has(type) && !NAME_PRESERVING_UTILITY.has(type))) implicitSnapshot = true;
      }
      for (const k of stmtKeys) keys.add(k);
    }
    // Decided by the text and the block alone, never by what the analysis could resolve: the
    // same statement is sent the same way in every run.
    const only = statements.length === 1 ? Object.keys(statements[0] ?? {})[0] : undefined;
    this.alone =
      !wasInTransaction && !this.inTransaction && only !== undefined && COMMITS_ALONE.has(only) ? { claims: new Set(keys), assumed: null, statements: [text] } : null;
    if (this.inTransaction) this.texts.push(text);
    // Code we cannot see into (set_config, DO, a function with SET clauses) may change settings too.
    if (keys.has('db:*')) this.settingsChanged = true;
    return [...keys];
  }

  /** The level a statement outside a block runs at, and a plain BEGIN gets. */
  get defaultIsolation(): Isolation {
    return this.sessionIsolation;
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
    this.lostToSettings = !this.namesResolve;
    this.settingsChanged = false;
    this.ending = null;
    this.alone = null;
    // The engine's reset released the session's advisory locks (pg_advisory_unlock_all).
    this.heldAdvisory = new Set();
  }

  private endTransaction(): void {
    this.blockFailed = false;
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

  /** The open transaction as it stands (what it claimed, the level assumed, its texts); null outside one. */
  openTransaction(): TransactionEnd | null {
    return this.inTransaction ? { claims: new Set(this.claimed), assumed: this.assumedAtSnapshot, statements: [...this.texts] } : null;
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

  /** The implicit transaction of a text's first statements became the block a BEGIN in it opened. */
  private adoptImplicit(keys: readonly string[], tookSnapshot: boolean): void {
    for (const k of keys) {
      if (!isRead(k)) this.written.add(k);
      this.claimed.add(k);
    }
    if (tookSnapshot) {
      // The block runs at the level its first statement ran at: the session's default.
      this.isolation = this.sessionIsolation;
      this.firstSnapshotSeen = true;
      this.assumedAtSnapshot = this.isolation;
      this.snapshotTaken = this.isolation !== 'read committed';
    }
  }

  /**
   * When the text last footprinted is one statement that reads or writes, sent outside a
   * transaction block (it commits on its own): its claims, once. The cross-check holds the locks
   * it took to them before its commit.
   */
  takeAutocommit(): TransactionEnd | null {
    const alone = this.alone;
    this.alone = null;
    return alone;
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
    // `CLOSE ALL; UNLISTEN *;` on every release) touches nothing another session sees — but CLOSE
    // takes the transaction's snapshot, as most utility statements do.
    if (type === 'UnlistenStmt') return [];
    if (type === 'ClosePortalStmt') return this.record(this.snapshot([]));
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
      if (TAKES_SNAPSHOT.has(type)) this.snapshot(keys);
      // LOCK TABLE waits for every lock another transaction holds on the table until it ends:
      // it conflicts with those ends (see releases()), not only with the statements that took them.
      if (type === 'LockStmt') for (const k of [...keys]) if (k.startsWith('db:t:')) keys.push(`db:lk:${k.slice(5)}`);
    } else {
      if (!NAME_PRESERVING_UTILITY.has(type)) this.lost = true;
      keys = [...SQL_ANYTHING];
      this.sessionLocks = true;
      this.heldAdvisory = null;
      if (!NO_SNAPSHOT_UTILITY.has(type)) this.snapshot(keys);
      if (RUNS_EARLIER_CODE.has(type)) {
        // A prepared statement or a cursor's query may call set_config('search_path', ...).
        this.lostToSettings = true;
        this.settingsChanged = true;
      }
    }
    // Under SERIALIZABLE a commit may fail another transaction through any rw-dependency chain.
    if (autocommit && this.sessionIsolation === 'serializable') keys.push(...SQL_ANYTHING);
    return this.record(keys);
  }

  /**
   * The statement takes the transaction's snapshot: the first one is where the level the
   * footprints assume is checked, and under REPEATABLE READ and SERIALIZABLE it fixes what every
   * later read of the transaction sees (it reads everything as of now).
   */
  private snapshot(keys: string[]): string[] {
    if (!this.inTransaction) return keys;
    if (!this.firstSnapshotSeen) {
      this.firstSnapshotSeen = true;
      this.assumedAtSnapshot = this.isolation;
    }
    if (this.isolation !== 'read committed' && !this.snapshotTaken) {
      keys.push('r:*');
      this.snapshotTaken = true;
    }
    return keys;
  }

  /**
   * What the open transaction's end touches: what it wrote (published, its row and advisory
   * locks released) and the table locks it holds, reads' included (a LOCK TABLE waits for them).
   * Under SERIALIZABLE it may abort others: everything. A statement that fails inside the block
   * ends it the same way (its locks go at the error).
   */
  releases(): Footprint {
    if (!this.inTransaction) return [];
    if (this.isolation === 'serializable') return [...SQL_ANYTHING];
    const keys = new Set(this.written);
    for (const c of this.claimed) {
      const k = isRead(c) ? c.slice(2) : c;
      if (k.startsWith('db:t:')) keys.add(`r:db:lk:${k.slice(5)}`);
      else if (k === '*' || k === 'db:*') keys.add('r:db:lk:*');
    }
    return [...keys];
  }

  /**
   * Follows the transaction status the server reported after a step: a COMMIT it skipped (an
   * error earlier in the same pipeline) left the block open, with what it holds unknown to us.
   */
  followServer(status: 'I' | 'T' | 'E'): void {
    this.blockFailed = status === 'E';
    const open = status !== 'I';
    if (open === this.inTransaction) return;
    if (!open) {
      this.endTransaction();
      return;
    }
    this.inTransaction = true;
    this.written = new Set(SQL_ANYTHING);
    this.claimed = new Set(SQL_ANYTHING);
    this.isolation = 'serializable';
    this.snapshotTaken = true;
    this.firstSnapshotSeen = true;
    this.assumedAtSnapshot = null;
  }

  /** The step last footprinted failed: a COMMIT that did rolled its block back, SETs included. */
  statementFailed(): void {
    if (this.undoOnFailure === null) return;
    this.sessionIsolation = this.undoOnFailure;
    if (!this.inTransaction) this.isolation = this.sessionIsolation;
    this.undoOnFailure = null;
    this.settingsChanged = true;
  }

  private transaction(node: Node): Footprint {
    const kind = String(node['kind']);
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
      const level = isolationOf(node['options']);
      if (this.inTransaction) {
        // A BEGIN inside a block only warns: the same transaction goes on. Its level applies
        // before the first snapshot (after it, the BEGIN fails, and the failure ends the block).
        if (level && !this.firstSnapshotSeen) this.isolation = level;
        return [];
      }
      this.inTransaction = true;
      this.snapshotTaken = false;
      this.firstSnapshotSeen = false;
      this.written = new Set();
      this.claimed = new Set();
      this.isolationAtBegin = this.sessionIsolation;
      this.defaultSetInBlock = false;
      this.isolation = level ?? this.sessionIsolation;
      return [];
    }
    if (kind === 'TRANS_STMT_SAVEPOINT' || kind === 'TRANS_STMT_RELEASE') return [];
    if (this.inTransaction && kind !== 'TRANS_STMT_ROLLBACK_TO') {
      this.ending = { claims: new Set(this.claimed), assumed: this.assumedAtSnapshot, statements: [...this.texts, this.currentText] };
    }
    const keys = this.releases();
    if (kind === 'TRANS_STMT_ROLLBACK_TO') {
      // It undoes the SETs made after the savepoint, which may be any of the block's: the most
      // cautious level until the server is asked again (a program's session never is).
      if (this.defaultSetInBlock) {
        this.settingsChanged = true;
        this.sessionIsolation = 'serializable';
      }
      return keys;
    }
    // ROLLBACK undoes what SET did to the session's default inside the block, and so does a
    // COMMIT of a failed block (its answer is ROLLBACK); a COMMIT that fails (a deferred
    // constraint) too, which the step's error tells (statementFailed).
    const rollback = kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_ROLLBACK_PREPARED' || (this.blockFailed && kind !== 'TRANS_STMT_PREPARE');
    this.undoOnFailure = !rollback && this.defaultSetInBlock ? this.isolationAtBegin : null;
    if (rollback && this.defaultSetInBlock) {
      this.sessionIsolation = this.isolationAtBegin;
      this.settingsChanged = true;
    }
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
      if (node['chain'] === true) {
        // The chained transaction begins with the default as it now stands.
        this.isolationAtBegin = this.sessionIsolation;
        this.defaultSetInBlock = false;
        this.blockFailed = false;
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
      // Back to the session's defaults (asyncpg's pool resets every connection it takes back):
      // the search_path the catalog was read with, the level the session started with.
      this.setDefault(this.startupIsolation);
      return;
    }
    // The default search_path begins with "$user": another role (SET ROLE, SET SESSION
    // AUTHORIZATION) may see its own schema's tables under the same names.
    if (name === 'search_path' || name === 'role' || name === 'session_authorization') {
      this.lostToSettings = true;
      return;
    }
    // SET LOCAL of a default lasts until the transaction ends, before the next BEGIN reads it.
    const local = node['is_local'] === true;
    const reset = kind === 'VAR_RESET' || kind === 'VAR_SET_DEFAULT';
    if (name === 'transaction' || name === 'transaction_isolation') {
      if (kind === 'VAR_SET_MULTI' || kind === 'VAR_SET_VALUE') {
        const level = name === 'transaction' ? isolationOf(node['args']) : levelOf(node['args']);
        if (level !== null || kind === 'VAR_SET_VALUE') this.isolation = level ?? 'serializable';
      }
    } else if (name === 'session characteristics') {
      const level = isolationOf(node['args']);
      if (level !== null) this.setDefault(level);
    } else if (name === 'default_transaction_isolation' && !local && kind !== 'VAR_SET_CURRENT') {
      this.setDefault(reset ? this.startupIsolation : (levelOf(node['args']) ?? 'serializable'));
    }
    if (!this.inTransaction) this.isolation = this.sessionIsolation;
  }

  /** The session's default level, set by a statement (inside a block, until a ROLLBACK undoes it). */
  private setDefault(level: Isolation): void {
    if (this.inTransaction) this.defaultSetInBlock = true;
    this.sessionIsolation = level;
  }
}

/** A level as a SET gives it (one argument, any case); null when it is not a constant we read. */
function levelOf(args: unknown): Isolation | null {
  return isolationOf([{ DefElem: { defname: 'transaction_isolation', arg: (args as unknown[] | undefined)?.[0] } }]);
}

function isolationOf(options: unknown): Isolation | null {
  if (!Array.isArray(options)) return null;
  for (const o of options as Node[]) {
    const def = o['DefElem'] as Node | undefined;
    if (!def || def['defname'] !== 'transaction_isolation') continue;
    // PostgreSQL reads enum settings in any case ('REPEATABLE READ', what psycopg2 sends).
    const text = constantOf(def['arg'], [])?.toLowerCase();
    if (text === 'read uncommitted' || text === 'read committed') return 'read committed';
    if (text === 'repeatable read' || text === 'serializable') return text;
  }
  return null;
}
