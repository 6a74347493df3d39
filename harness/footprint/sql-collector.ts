// Walks one parsed SQL statement (or expression) and collects the resource keys it reads and
// writes, resolved against the catalog; a write adds what the triggers it fires touch.
import { advisoryKeyOf } from './advisory-key.ts';
import { SQL_ANYTHING } from './footprint.ts';
import type { CatalogRelation, SqlCatalog } from './sql-catalog.ts';
import type { TriggerEvent } from './write-effects.ts';
import type { Node } from './sql-parse.ts';

/** Volatile builtins whose effect on other sessions we know. */
const ADVISORY = /^pg_(try_)?advisory_(xact_)?(lock|unlock)(_shared)?$/;
/** Builtins whose footprint is their arguments' (a sequence, a channel) or their effect on the session. */
const SPECIAL_BUILTINS = new Set(['pg_advisory_unlock_all', 'nextval', 'setval', 'pg_notify', 'set_config']);
const SESSION_LOCAL = new Set([
  'random', 'random_normal', 'setseed', 'gen_random_uuid', 'clock_timestamp', 'timeofday', 'statement_timestamp',
  'currval', 'lastval', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'txid_current', 'pg_current_xact_id',
  'txid_current_if_assigned', 'pg_current_xact_id_if_assigned', 'uuidv4', 'uuidv7',
]);
const WRITE_TARGET_STATEMENTS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Nodes besides A_Expr where an operator is looked up by name. */
const OPERATOR_NODES = new Set(['SubLink', 'SortBy', 'CaseExpr', 'JoinExpr']);

/** The names of the CTEs visible where a relation is named (a WITH clause's, in its query level and below). */
type CteScope = ReadonlySet<string>;
const NO_CTES: CteScope = new Set();

/** A dotted name as PostgreSQL reads it (`"My Seq"` keeps its case, `My_Seq` folds to `my_seq`); null when malformed. */
export function identifierParts(text: string): string[] | null {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  while (i <= s.length) {
    let part = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return null;
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += s[i++];
      }
    } else {
      const start = i;
      while (i < s.length && s[i] !== '.' && s[i] !== '"') i++;
      // PostgreSQL folds ASCII letters only.
      part = s.slice(start, i).trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
      if (part === '') return null;
    }
    parts.push(part);
    if (i >= s.length) break;
    if (s[i] !== '.') return null;
    i++;
  }
  return parts;
}

/** Types a string cast to keeps its text as the names it will be looked up by: text, unlimited varchar, regclass. */
const TEXT_KEEPING = new Set(['text', 'varchar', 'regclass']);

function keepsText(typeName: unknown): boolean {
  if (!typeName || typeof typeName !== 'object') return false;
  const t = typeName as Node;
  if (t['arrayBounds'] !== undefined || t['typmods'] !== undefined) return false;
  const names = ((t['names'] as Node[] | undefined) ?? []).map((n) => String((n['String'] as Node | undefined)?.['sval'] ?? ''));
  return TEXT_KEEPING.has(names[names.length - 1] ?? '');
}

/** The value of a constant or a bound parameter (through casts that keep its text), else undefined. */
export function constantOf(n: unknown, values: readonly unknown[]): string | undefined {
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
  // Only casts that keep the text (a length limit or another type may change it: 'abcdef'::char(3)).
  if (cast) return keepsText(cast['typeName']) ? constantOf(cast['arg'], values) : undefined;
  const expr = node['A_Expr'] as Node | undefined;
  if (expr && expr['kind'] === 'AEXPR_OP' && expr['lexpr'] === undefined) {
    const name = (expr['name'] as Node[] | undefined)?.[0]?.['String'] as Node | undefined;
    const inner = constantOf(expr['rexpr'], values);
    if (name?.['sval'] === '-' && inner !== undefined) return inner.startsWith('-') ? inner.slice(1) : `-${inner}`;
  }
  return undefined;
}

/** How a statement writes a relation: the trigger events it may fire (none: it only locks rows). */
export type WriteEvents = readonly TriggerEvent[];

const LOCK_ONLY: WriteEvents = [];

/** What EXPLAIN may wrap that this walk reads as a statement of its own. */
const EXPLAINED_QUERIES = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'DeclareCursorStmt']);

/** The trigger events a data-modifying statement may fire on its target. */
function eventsOf(type: string, body: Node): WriteEvents {
  if (type === 'InsertStmt') {
    const conflict = body['onConflictClause'] as Node | undefined;
    return conflict?.['action'] === 'ONCONFLICT_UPDATE' ? ['insert', 'update'] : ['insert'];
  }
  if (type === 'UpdateStmt') return ['update'];
  if (type === 'DeleteStmt') return ['delete'];
  return ['insert', 'update', 'delete'];
}

/**
 * Walks one statement's parse tree and collects what it reads and writes. By default a write adds
 * the catalog's trigger effects of its target; `onWrite` instead hands each write to the caller
 * (the trigger analysis builds its graph of which triggers fire which from it).
 */
export class Collector {
  private readonly keys = new Set<string>();
  /** The statement may take a session-level lock that outlives its transaction (pg_advisory_lock, or code we cannot see into). */
  mayLockSession = false;
  /** The advisory keys it may lock at session level (they outlive its transaction). */
  readonly sessionAdvisory: string[] = [];
  /** It calls pg_advisory_unlock_all. */
  unlocksAll = false;
  /**
   * It runs something the collector cannot see into (it may lock anything, at any level, and
   * change the session's settings: set_config is a volatile builtin of this kind).
   */
  opaque = false;

  constructor(
    private readonly catalog: SqlCatalog,
    private readonly values: readonly unknown[],
    private readonly onWrite?: (rel: CatalogRelation, events: WriteEvents) => void,
    /**
     * Hands each call of a user function (by name; operators backed by one included) to the
     * caller instead of adding its footprint: the effect graph links it to the function's node.
     */
    private readonly onCall?: (name: string) => void,
  ) {}

  statement(type: string, node: Node): string[] {
    return this.collect({ [type]: node });
  }

  /** Any node: a statement, an expression (a trigger's WHEN clause), a list of them. */
  collect(node: unknown): string[] {
    // What user operator classes and casts run, no statement names: any may run them.
    for (const fn of this.catalog.implicitCalls) this.userCall(fn);
    this.walk(node, null, NO_CTES);
    return [...this.keys];
  }

  private walk(n: unknown, writing: WriteEvents | null, ctes: CteScope): void {
    if (Array.isArray(n)) {
      for (const x of n) this.walk(x, writing, ctes);
      return;
    }
    if (!n || typeof n !== 'object') return;
    for (const [type, v] of Object.entries(n as Node)) {
      const body = v as Node;
      if (type === 'RangeVar' && body && typeof body === 'object') {
        this.relation(body, writing, ctes);
      } else if (type === 'FuncCall' && body && typeof body === 'object') {
        this.functionCall(body);
        this.walk(body, null, ctes);
      } else if (type === 'A_Expr' && body && typeof body === 'object') {
        this.operator(body);
        this.walk(body, writing, ctes);
      } else if (OPERATOR_NODES.has(type) && body && typeof body === 'object') {
        this.implicitOperators(type, body);
        this.walk(body, writing, ctes);
      } else if ((type === 'ColumnRef' || type === 'A_Indirection') && body && typeof body === 'object') {
        this.attributeCall(type, body);
        this.walk(body, writing, ctes);
      } else if (type === 'CommonTableExpr' && body && typeof body === 'object') {
        // Reached only outside a WITH clause (withScope reads those): its query, in the scope around it.
        this.walk(body['ctequery'], null, ctes);
      } else if (WRITE_TARGET_STATEMENTS.has(type) && body && typeof body === 'object') {
        const inner = this.withScope(body['withClause'], ctes);
        // The target is a bare RangeVar (not wrapped in a node) in PostgreSQL's tree, and never a
        // CTE: PostgreSQL resolves INSERT/UPDATE/DELETE/MERGE targets to relations only.
        if (body['relation'] && typeof body['relation'] === 'object') this.relation(body['relation'] as Node, eventsOf(type, body), NO_CTES);
        for (const [k, child] of Object.entries(body)) if (k !== 'relation' && k !== 'withClause') this.walk(child, null, inner);
      } else if (type === 'SelectStmt' && body && typeof body === 'object') {
        // FOR UPDATE / FOR SHARE lock rows: a write, as far as ordering goes (no trigger fires).
        const locking = Array.isArray(body['lockingClause']) && body['lockingClause'].length > 0;
        const inner = this.withScope(body['withClause'], ctes);
        for (const [k, child] of Object.entries(body)) if (k !== 'withClause') this.walk(child, writing ?? (locking ? LOCK_ONLY : null), inner);
      } else if (type === 'ExplainStmt' && body && typeof body === 'object') {
        // EXPLAIN ANALYZE runs what it explains: a prepared statement (EXECUTE) or a CREATE TABLE
        // AS is code this walk does not see into.
        const inner = Object.keys((body['query'] as Node | undefined) ?? {})[0] ?? '';
        if (EXPLAINED_QUERIES.has(inner)) this.walk(body['query'], writing, ctes);
        else this.anything();
      } else if (type === 'LockStmt' && body && typeof body === 'object') {
        this.walk(body['relations'], LOCK_ONLY, NO_CTES);
      } else if (type === 'CopyStmt' && body && typeof body === 'object') {
        if (body['relation'] && typeof body['relation'] === 'object') this.relation(body['relation'] as Node, body['is_from'] === true ? ['insert'] : null, NO_CTES);
        this.walk(body['query'], null, ctes);
      } else if (type === 'NotifyStmt' && body && typeof body === 'object') {
        this.keys.add(`db:n:${String(body['conditionname'] ?? '*')}`);
      } else {
        this.walk(v, writing, ctes);
      }
    }
  }

  /**
   * Walks a WITH clause's queries and returns the CTE names visible in the query level that owns
   * it (and its descendants). Without RECURSIVE a CTE sees only the ones before it (a reference
   * to itself or a later one is a real relation); with RECURSIVE every one sees all of them.
   */
  private withScope(withClause: unknown, outer: CteScope): CteScope {
    if (!withClause || typeof withClause !== 'object') return outer;
    const clause = withClause as Node;
    const ctes = ((clause['ctes'] as Node[] | undefined) ?? []).map((c) => c['CommonTableExpr'] as Node | undefined);
    const names = ctes.map((c) => c?.['ctename']).filter((name): name is string => typeof name === 'string');
    const all = new Set([...outer, ...names]);
    const visible = new Set(outer);
    for (const cte of ctes) {
      this.walk(cte?.['ctequery'], null, clause['recursive'] === true ? all : new Set(visible));
      if (typeof cte?.['ctename'] === 'string') visible.add(cte['ctename']);
    }
    return all;
  }

  private anything(): void {
    for (const k of SQL_ANYTHING) this.keys.add(k);
    this.mayLockSession = true;
    this.opaque = true;
  }

  private relation(rv: Node, writing: WriteEvents | null, ctes: CteScope): void {
    const schema = typeof rv['schemaname'] === 'string' ? rv['schemaname'] : undefined;
    const name = String(rv['relname'] ?? '');
    if (!schema && ctes.has(name)) return;
    if (schema === 'pg_catalog' || schema === 'information_schema' || (!schema && name.startsWith('pg_'))) {
      // System views show other sessions' live state (locks, activity): they read everything.
      this.keys.add('r:*');
      if (writing) this.anything();
      return;
    }
    const qualified = schema ? `${schema}.${name}` : this.catalog.visible.get(name);
    const rel = qualified ? this.catalog.relations.get(qualified) : undefined;
    if (!rel) {
      this.anything();
      return;
    }
    const plain = (rel.kind === 'r' || rel.kind === 'S') && !(writing ? rel.writeOpaque : rel.readOpaque);
    if (!plain) {
      if (writing || rel.readRunsCode) this.anything();
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
    if (writing.length === 0) return;
    // ... and runs the user triggers of its target and of the tables its cascades reach.
    if (this.onWrite) {
      this.onWrite(rel, writing);
      return;
    }
    for (const event of writing) for (const k of rel.writeEffects[event]) this.effect(k);
  }

  /**
   * A key of code the statement runs (a trigger, a function): an advisory lock taken there may be
   * a session-level one, so it counts as one (what pg_advisory_unlock_all may later release).
   */
  private effect(k: string): void {
    // Code not understood (an opaque trigger or function) may do anything, set_config included.
    if (k === 'db:*') this.anything();
    this.keys.add(k);
    if (k.startsWith('db:a:')) {
      this.mayLockSession = true;
      this.sessionAdvisory.push(k);
    }
  }

  /** An operator the user defined runs the user's function behind it (a CHECK's `a === b`). */
  private operator(expr: Node): void {
    // BETWEEN is `>=` and `<=` by name; every other kind names its operator (IN and IS DISTINCT
    // FROM and NULLIF `=`, LIKE `~~`, row comparisons theirs).
    if (String(expr['kind']).startsWith('AEXPR_BETWEEN') || String(expr['kind']).startsWith('AEXPR_NOT_BETWEEN')) {
      this.operatorNamed(['>=']);
      this.operatorNamed(['<=']);
      return;
    }
    this.operatorNamed(expr['name']);
  }

  /**
   * Operators outside A_Expr: `x op ANY (subquery)` and row comparisons with a subquery (SubLink's
   * operName; `IN (subquery)` is `=`), `ORDER BY … USING op` (SortBy), `CASE x WHEN …` (`=`),
   * `JOIN … USING` and `NATURAL JOIN` (`=`), all looked up by name as A_Expr's are.
   */
  private implicitOperators(type: string, body: Node): void {
    if (type === 'SubLink') {
      const named = Array.isArray(body['operName']) && body['operName'].length > 0;
      if (named) this.operatorNamed(body['operName']);
      else if (body['subLinkType'] === 'ANY_SUBLINK') this.operatorNamed(['=']);
    } else if (type === 'SortBy') {
      this.operatorNamed(body['useOp']);
    } else if (type === 'CaseExpr') {
      if (body['arg'] !== undefined) this.operatorNamed(['=']);
    } else if (type === 'JoinExpr') {
      if (body['isNatural'] === true || body['usingClause'] !== undefined) this.operatorNamed(['=']);
    }
  }

  /** The user functions behind an operator name (a list of String nodes, or of plain names). */
  private operatorNamed(name: unknown): void {
    if (!Array.isArray(name) || name.length === 0) return;
    const parts = (name as unknown[]).map((p) => (typeof p === 'string' ? p : String(((p as Node)['String'] as Node | undefined)?.['sval'] ?? '')));
    const last = parts[parts.length - 1] ?? '';
    if (parts.length > 1 && parts[0] === 'pg_catalog') return;
    for (const fn of this.catalog.userOperators.get(last) ?? []) this.userCall(fn);
  }

  /**
   * `a.f` and `(expr).f` call `f(a)` when `a` has no column `f` (PostgreSQL's attribute notation):
   * a field selection naming a user function that takes one argument is followed as a call of it.
   */
  private attributeCall(type: string, body: Node): void {
    const fields = ((type === 'ColumnRef' ? body['fields'] : body['indirection']) as Node[] | undefined) ?? [];
    // A bare `f` is a column or a whole row, never a call; `a.f` and every later field may be.
    const selected = type === 'ColumnRef' ? fields.slice(1) : fields;
    for (const field of selected) {
      const name = (field['String'] as Node | undefined)?.['sval'];
      if (typeof name === 'string' && this.catalog.attributeFunctions.has(name)) this.userCall(name);
    }
  }

  /** A call of a user function: its node in the effect graph, or the footprint its body was found to have. */
  private userCall(name: string): void {
    if (this.onCall) {
      this.onCall(name);
      return;
    }
    const effects = this.catalog.functionEffects.get(name);
    if (!effects || effects.includes('db:*')) {
      this.anything();
      return;
    }
    for (const k of effects) this.effect(k);
  }

  private functionCall(fc: Node): void {
    const parts = ((fc['funcname'] as Node[] | undefined) ?? []).map((p) => String((p['String'] as Node | undefined)?.['sval'] ?? ''));
    const name = parts[parts.length - 1] ?? '';
    const schema = parts.length > 1 ? parts[0] : undefined;
    const args = (fc['args'] as unknown[] | undefined) ?? [];
    const builtin = schema === undefined || schema === 'pg_catalog';
    const userVolatility = schema === 'pg_catalog' ? undefined : this.catalog.userFunctions.get(name);
    if (userVolatility !== undefined) {
      // A function of the user's touches what its body does (PL/pgSQL and SQL bodies are read
      // like trigger bodies; any other language, or a body not understood, touches everything).
      this.userCall(name);
      // Named like a builtin and not qualified: the arguments may pick either (pg_catalog comes
      // first on the path), so what the builtin does counts too.
      if (!builtin || !this.namesBuiltin(name)) return;
    }
    if (!builtin) {
      this.anything();
      return;
    }
    if (ADVISORY.test(name)) {
      const key = this.advisoryKey(args);
      this.keys.add(key);
      if (!name.includes('_xact_') && !name.includes('unlock')) {
        this.mayLockSession = true;
        this.sessionAdvisory.push(key);
      }
      return;
    }
    if (name === 'pg_advisory_unlock_all') {
      // It releases only this session's session-level locks: which ones, the session's footprinter
      // knows (SqlFootprinter adds their keys, or every advisory key when it cannot tell).
      this.unlocksAll = true;
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
    if (name === 'set_config') {
      // It may set anything, search_path included (the footprinter then trusts no later name).
      this.anything();
      return;
    }
    if (SESSION_LOCAL.has(name) || this.catalog.pureBuiltins.has(name)) {
      // pg_* builtins may show live state (locks, activity, stats); the reading ones see other
      // sessions' transactions (snapshots, xid ages): both read everything.
      if ((name.startsWith('pg_') && !SESSION_LOCAL.has(name)) || this.catalog.readingBuiltins.has(name)) this.keys.add('r:*');
      return;
    }
    this.anything();
  }

  /** A builtin's name this collector gives a footprint of its own (or knows to be pure). */
  private namesBuiltin(name: string): boolean {
    return ADVISORY.test(name) || SPECIAL_BUILTINS.has(name) || SESSION_LOCAL.has(name) || this.catalog.pureBuiltins.has(name) || this.catalog.readingBuiltins.has(name);
  }

  private advisoryKey(args: readonly unknown[]): string {
    const parts = args.map((a) => advisoryKeyOf(a, this.values));
    if (parts.length === 0 || parts.some((p) => p === undefined)) return 'db:a:*';
    // pg_advisory_lock(bigint) and pg_advisory_lock(int, int) are separate key spaces in PostgreSQL.
    return `db:a:${parts.join(',')}`;
  }

  /**
   * The sequence a `nextval`/`setval` text names, read as PostgreSQL reads a regclass (unquoted
   * parts folded to lower case, quoted ones kept), and found in the catalog; every sequence when
   * it is not found (a name built at run time, a temporary sequence, one made since).
   */
  private sequenceKey(arg: unknown): string {
    const text = constantOf(arg, this.values);
    const parts = text === undefined ? null : identifierParts(text);
    if (!parts || parts.length === 0 || parts.length > 3) return 'db:s:*';
    const name = parts[parts.length - 1] as string;
    const qualified = parts.length === 1 ? this.catalog.visible.get(name) : `${parts[parts.length - 2]}.${name}`;
    return qualified !== undefined && this.catalog.relations.get(qualified)?.kind === 'S' ? `db:s:${qualified}` : 'db:s:*';
  }
}
