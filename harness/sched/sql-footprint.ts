// Footprints derived from the SQL itself, parsed by PostgreSQL's own parser (libpg-query), for
// one actor's session: tables read and written, advisory-lock keys from their arguments,
// sequences, and what COMMIT makes visible. Whatever is not understood touches everything, so
// the reduction stays sound whatever a scenario declares.
import { loadModule, parseSync } from 'libpg-query';
import { SQL_ANYTHING, type Footprint } from './footprint.ts';
import type { SqlCatalog } from './sql-catalog.ts';

type Isolation = 'read committed' | 'repeatable read' | 'serializable';
type Node = Record<string, unknown>;

let parserReady: Promise<void> | null = null;

/** Loads the parser (WebAssembly) once; footprints need it before the first statement. */
export function loadSqlParser(): Promise<void> {
  parserReady ??= loadModule();
  return parserReady;
}

/**
 * Parse trees by SQL text (null: it does not parse). A scenario sends the same few statements in
 * every run, so each is parsed once rather than on every step; the trees are only read.
 */
const PARSED = new Map<string, readonly Node[] | null>();
const PARSED_LIMIT = 4096;

function parsedStatements(text: string): readonly Node[] | null {
  const known = PARSED.get(text);
  if (known !== undefined) return known;
  let statements: readonly Node[] | null;
  try {
    const parsed = parseSync(text) as { stmts?: { stmt: Node }[] };
    statements = (parsed.stmts ?? []).map((s) => s.stmt);
  } catch {
    statements = null;
  }
  // Bounded: texts with inlined values (spec steps, user SQL) would otherwise grow it forever.
  if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
  PARSED.set(text, statements);
  return statements;
}

/** Volatile builtins whose effect on other sessions we know. */
const ADVISORY = /^pg_(try_)?advisory_(xact_)?(lock|unlock)(_shared)?$/;
const SESSION_LOCAL = new Set([
  'random', 'random_normal', 'setseed', 'gen_random_uuid', 'clock_timestamp', 'timeofday', 'statement_timestamp',
  'currval', 'lastval', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'txid_current', 'pg_current_xact_id',
  'txid_current_if_assigned', 'pg_current_xact_id_if_assigned', 'uuidv4', 'uuidv7',
]);
const SNAPSHOT_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt', 'DeclareCursorStmt']);
const WRITE_TARGET_STATEMENTS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
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
    const autocommit = !this.inTransaction;
    if ((autocommit ? this.sessionIsolation : this.isolation) === 'serializable') this.serializable = true;
    let keys: string[];
    if (SNAPSHOT_STATEMENTS.has(type) || type === 'LockStmt' || type === 'ExplainStmt' || type === 'NotifyStmt') {
      keys = this.lost ? [...SQL_ANYTHING] : new Collector(this.catalog, values).statement(type, node);
      if (!autocommit && SNAPSHOT_STATEMENTS.has(type) && this.isolation !== 'read committed' && !this.snapshotTaken) {
        // The transaction's snapshot is taken here: every later read sees the database as of now.
        keys.push('r:*');
        this.snapshotTaken = true;
      }
    } else {
      if (!NAME_PRESERVING_UTILITY.has(type)) this.lost = true;
      keys = [...SQL_ANYTHING];
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
    if (name === 'search_path' || kind === 'VAR_RESET_ALL') {
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

/** The value of a constant or a bound parameter, else undefined. */
function constantOf(n: unknown, values: readonly unknown[]): string | undefined {
  if (!n || typeof n !== 'object') return undefined;
  const node = n as Node;
  const c = node['A_Const'] as Node | undefined;
  if (c) {
    const ival = c['ival'] as Node | undefined;
    if (ival) return String(ival['ival'] ?? 0);
    const sval = c['sval'] as Node | undefined;
    if (sval) return String(sval['sval'] ?? '');
    const fval = c['fval'] as Node | undefined;
    if (fval) return String(fval['fval'] ?? '');
    return undefined;
  }
  const p = node['ParamRef'] as Node | undefined;
  if (p) {
    const v = values[Number(p['number']) - 1];
    return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
  }
  const cast = node['TypeCast'] as Node | undefined;
  if (cast) return constantOf(cast['arg'], values);
  const expr = node['A_Expr'] as Node | undefined;
  if (expr && expr['kind'] === 'AEXPR_OP' && expr['lexpr'] === undefined) {
    const name = (expr['name'] as Node[] | undefined)?.[0]?.['String'] as Node | undefined;
    const inner = constantOf(expr['rexpr'], values);
    if (name?.['sval'] === '-' && inner !== undefined) return inner.startsWith('-') ? inner.slice(1) : `-${inner}`;
  }
  return undefined;
}

function canonicalInteger(v: string): string | undefined {
  try {
    return BigInt(v).toString();
  } catch {
    return undefined;
  }
}

/** Walks one statement's parse tree and collects what it reads and writes. */
class Collector {
  private readonly keys = new Set<string>();
  private readonly cteNames = new Set<string>();

  constructor(
    private readonly catalog: SqlCatalog,
    private readonly values: readonly unknown[],
  ) {}

  statement(type: string, node: Node): string[] {
    this.walk({ [type]: node }, false);
    return [...this.keys];
  }

  private walk(n: unknown, writing: boolean): void {
    if (Array.isArray(n)) {
      for (const x of n) this.walk(x, writing);
      return;
    }
    if (!n || typeof n !== 'object') return;
    for (const [type, v] of Object.entries(n as Node)) {
      const body = v as Node;
      if (type === 'RangeVar' && body && typeof body === 'object') {
        this.relation(body, writing);
      } else if (type === 'FuncCall' && body && typeof body === 'object') {
        this.functionCall(body);
        this.walk(body, false);
      } else if (type === 'CommonTableExpr' && body && typeof body === 'object') {
        if (typeof body['ctename'] === 'string') this.cteNames.add(body['ctename']);
        this.walk(body['ctequery'], false);
      } else if (WRITE_TARGET_STATEMENTS.has(type) && body && typeof body === 'object') {
        this.walk(body['withClause'], false);
        // The target is a bare RangeVar (not wrapped in a node) in PostgreSQL's tree.
        if (body['relation'] && typeof body['relation'] === 'object') this.relation(body['relation'] as Node, true);
        for (const [k, child] of Object.entries(body)) if (k !== 'relation' && k !== 'withClause') this.walk(child, false);
      } else if (type === 'SelectStmt' && body && typeof body === 'object') {
        // FOR UPDATE / FOR SHARE lock rows: a write, as far as ordering goes.
        const locking = Array.isArray(body['lockingClause']) && body['lockingClause'].length > 0;
        this.walk(body['withClause'], false);
        for (const [k, child] of Object.entries(body)) if (k !== 'withClause') this.walk(child, locking || writing);
      } else if (type === 'LockStmt' && body && typeof body === 'object') {
        this.walk(body['relations'], true);
      } else if (type === 'CopyStmt' && body && typeof body === 'object') {
        if (body['relation'] && typeof body['relation'] === 'object') this.relation(body['relation'] as Node, body['is_from'] === true);
        this.walk(body['query'], false);
      } else if (type === 'NotifyStmt' && body && typeof body === 'object') {
        this.keys.add(`db:n:${String(body['conditionname'] ?? '*')}`);
      } else {
        this.walk(v, writing);
      }
    }
  }

  private relation(rv: Node, writing: boolean): void {
    const schema = typeof rv['schemaname'] === 'string' ? rv['schemaname'] : undefined;
    const name = String(rv['relname'] ?? '');
    if (!schema && this.cteNames.has(name)) return;
    if (schema === 'pg_catalog' || schema === 'information_schema' || (!schema && name.startsWith('pg_'))) {
      // System views show other sessions' live state (locks, activity): they read everything.
      this.keys.add('r:*');
      if (writing) for (const k of SQL_ANYTHING) this.keys.add(k);
      return;
    }
    const qualified = schema ? `${schema}.${name}` : this.catalog.visible.get(name);
    const rel = qualified ? this.catalog.relations.get(qualified) : undefined;
    if (!rel) {
      for (const k of SQL_ANYTHING) this.keys.add(k);
      return;
    }
    const plain = (rel.kind === 'r' || rel.kind === 'S') && !(writing ? rel.writeOpaque : rel.readOpaque);
    if (!plain) {
      if (writing) for (const k of SQL_ANYTHING) this.keys.add(k);
      else this.keys.add('r:db:*');
      return;
    }
    const key = rel.kind === 'S' ? `db:s:${rel.qualified}` : `db:t:${rel.qualified}`;
    if (!writing) {
      this.keys.add(`r:${key}`);
      return;
    }
    this.keys.add(key);
    // A write locks referenced rows, checks or cascades to referencing ones, advances sequences.
    for (const t of rel.linked) this.keys.add(`db:t:${t}`);
    for (const s of rel.sequences) this.keys.add(`db:s:${s}`);
  }

  private functionCall(fc: Node): void {
    const parts = ((fc['funcname'] as Node[] | undefined) ?? []).map((p) => String((p['String'] as Node | undefined)?.['sval'] ?? ''));
    const name = parts[parts.length - 1] ?? '';
    const schema = parts.length > 1 ? parts[0] : undefined;
    const args = (fc['args'] as unknown[] | undefined) ?? [];
    const builtin = schema === undefined || schema === 'pg_catalog';
    const userVolatility = schema === 'pg_catalog' ? undefined : this.catalog.userFunctions.get(name);
    if (userVolatility !== undefined) {
      // A function of the user's may read or write anything; only its volatility limits it.
      if (userVolatility === 'v') for (const k of SQL_ANYTHING) this.keys.add(k);
      else this.keys.add('r:*');
      return;
    }
    if (!builtin) {
      for (const k of SQL_ANYTHING) this.keys.add(k);
      return;
    }
    if (ADVISORY.test(name)) {
      this.keys.add(this.advisoryKey(args));
      return;
    }
    if (name === 'pg_advisory_unlock_all') {
      this.keys.add('db:a:*');
      return;
    }
    if (name === 'nextval' || name === 'setval') {
      this.keys.add(this.sequenceKey(args[0]));
      return;
    }
    if (name === 'pg_notify') {
      const channel = constantOf(args[0], this.values);
      this.keys.add(`db:n:${channel ?? '*'}`);
      return;
    }
    if (SESSION_LOCAL.has(name) || this.catalog.pureBuiltins.has(name)) {
      if (name.startsWith('pg_') && !SESSION_LOCAL.has(name)) this.keys.add('r:*');
      return;
    }
    for (const k of SQL_ANYTHING) this.keys.add(k);
  }

  private advisoryKey(args: readonly unknown[]): string {
    const parts = args.map((a) => constantOf(a, this.values)).map((v) => (v === undefined ? undefined : canonicalInteger(v)));
    if (parts.length === 0 || parts.some((p) => p === undefined)) return 'db:a:*';
    // pg_advisory_lock(bigint) and pg_advisory_lock(int, int) are separate key spaces in PostgreSQL.
    return `db:a:${parts.join(',')}`;
  }

  private sequenceKey(arg: unknown): string {
    const text = constantOf(arg, this.values);
    if (text === undefined) return 'db:s:*';
    const dot = text.indexOf('.');
    const qualified = dot >= 0 ? text : this.catalog.visible.get(text);
    return qualified ? `db:s:${qualified}` : 'db:s:*';
  }
}
