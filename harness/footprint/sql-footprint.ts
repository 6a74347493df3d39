// Footprints derived from the SQL itself, parsed by PostgreSQL's own parser (libpg-query), for
// one actor's session: tables read and written, advisory-lock keys from their arguments,
// sequences, and what COMMIT makes visible. Whatever is not understood touches everything, so
// the reduction stays sound whatever a scenario declares.
import { SQL_ANYTHING, type Footprint } from './footprint.ts';
import { Collector, constantOf } from './sql-collector.ts';
import type { SqlCatalog } from './sql-catalog.ts';
import { parsedStatements, type Node } from './sql-parse.ts';

export { loadSqlParser } from './sql-parse.ts';

type Isolation = 'read committed' | 'repeatable read' | 'serializable';

const SNAPSHOT_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt', 'DeclareCursorStmt']);
/** Utility statements that neither create nor rename relations, nor change name resolution. */
const NAME_PRESERVING_UTILITY = new Set([
  'TruncateStmt', 'NotifyStmt', 'ListenStmt', 'UnlistenStmt', 'VacuumStmt', 'CheckPointStmt', 'ExplainStmt',
  'FetchStmt', 'ClosePortalStmt', 'PrepareStmt', 'ExecuteStmt', 'DeallocateStmt',
]);

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
  /** Written or locked in the open transaction. */
  private written = new Set<string>();
  /** Name resolution can no longer be trusted (search_path changed, relations created). */
  private lost = false;
  /** A statement ran at SERIALIZABLE since the last `takeSerializable`. */
  private serializable = false;
  /** A statement may have taken a session-level lock since the last `takeSessionLocks`. */
  private sessionLocks = false;

  constructor(
    private readonly catalog: SqlCatalog,
    /** Written by every statement: what reads of pg_stat_activity and the like depend on. */
    private readonly activityKey: string,
  ) {}

  /** The footprint of `text` (one or more statements) sent with `values`, and the session's state after it. */
  footprint(text: string, values?: readonly unknown[]): Footprint {
    const statements = parsedStatements(text);
    // PostgreSQL will reject it too, but we do not guess what a statement we cannot read does.
    if (statements === null) return this.record(SQL_ANYTHING);
    const keys = new Set<string>([this.activityKey]);
    for (const stmt of statements) for (const k of this.statement(stmt, values ?? [])) keys.add(k);
    return [...keys];
  }

  /** Forgets the transaction (the engine rolled the session back after a run). */
  reset(): void {
    this.inTransaction = false;
    this.snapshotTaken = false;
    this.written = new Set();
    this.isolation = this.sessionIsolation;
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
    if (this.inTransaction) for (const k of keys) if (!k.startsWith('r:')) this.written.add(k);
    return keys;
  }

  private statement(stmt: Node, values: readonly unknown[]): Footprint {
    const [type, body] = Object.entries(stmt)[0] ?? ['', {}];
    const node = body as Node;
    if (type === 'TransactionStmt') return this.transaction(node);
    if (type === 'VariableSetStmt') {
      this.setting(node);
      return [];
    }
    if (type === 'VariableShowStmt') return [];
    // Session-local: closing its own cursors, dropping its own LISTENs (asyncpg's pool sends
    // `CLOSE ALL; UNLISTEN *;` on every release) touches nothing another session sees.
    if (type === 'ClosePortalStmt' || type === 'UnlistenStmt') return [];
    const autocommit = !this.inTransaction;
    if ((autocommit ? this.sessionIsolation : this.isolation) === 'serializable') this.serializable = true;
    let keys: string[];
    if (SNAPSHOT_STATEMENTS.has(type) || type === 'LockStmt' || type === 'ExplainStmt' || type === 'NotifyStmt') {
      const collector = this.lost ? null : new Collector(this.catalog, values);
      keys = collector ? collector.statement(type, node) : [...SQL_ANYTHING];
      if (!collector || collector.mayLockSession) this.sessionLocks = true;
      if (!autocommit && SNAPSHOT_STATEMENTS.has(type) && this.isolation !== 'read committed' && !this.snapshotTaken) {
        // The transaction's snapshot is taken here: every later read sees the database as of now.
        keys.push('r:*');
        this.snapshotTaken = true;
      }
    } else {
      if (!NAME_PRESERVING_UTILITY.has(type)) this.lost = true;
      keys = [...SQL_ANYTHING];
      this.sessionLocks = true;
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
      this.written = new Set();
      this.isolation = isolationOf(node['options']) ?? this.sessionIsolation;
      return [];
    }
    if (kind === 'TRANS_STMT_SAVEPOINT' || kind === 'TRANS_STMT_RELEASE') return [];
    // COMMIT publishes what the transaction wrote and releases its locks; ROLLBACK (also to a
    // savepoint) releases its locks. Under SERIALIZABLE it may abort others: it touches everything.
    const keys = this.isolation === 'serializable' ? [...SQL_ANYTHING] : [...this.written];
    if (kind === 'TRANS_STMT_ROLLBACK_TO') return keys;
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
      if (node['chain'] === true) {
        this.snapshotTaken = false;
      } else {
        this.reset();
      }
      return keys;
    }
    // PREPARE TRANSACTION, COMMIT PREPARED, ...: outside what we model.
    this.reset();
    return [...SQL_ANYTHING];
  }

  private setting(node: Node): void {
    const name = String(node['name'] ?? '').toLowerCase();
    const kind = String(node['kind']);
    if (kind === 'VAR_RESET_ALL') {
      // Back to the session's defaults (asyncpg's pool resets every connection it takes back):
      // the search_path the catalog was read with, and the default isolation.
      this.sessionIsolation = 'read committed';
      if (!this.inTransaction) this.isolation = this.sessionIsolation;
      return;
    }
    if (name === 'search_path') {
      this.lost = true;
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
