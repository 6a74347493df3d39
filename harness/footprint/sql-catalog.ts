// What the database's catalog says about the relations and functions a statement may name:
// the facts the SQL footprints need to stay sound (foreign keys, triggers, sequences, views).
import type { Footprint } from './footprint.ts';
import { ATTACHED_SQL, type AttachedRow } from './attached-expressions.ts';
import type { FunctionRow } from './function-footprint.ts';
import { loadSqlParser } from './sql-parse.ts';
import { writeEffects, type TriggerEvent, type TriggerRow } from './write-effects.ts';

export interface CatalogRelation {
  /** `schema.name`. */
  readonly qualified: string;
  /** `r` table, `p` partitioned table, `v` view, `m` materialised view, `f` foreign table, `S` sequence. */
  readonly kind: string;
  /** Visible without a schema under the default search_path. */
  readonly visible: boolean;
  /** Writes have effects we cannot see: rules, row-level security, inheritance, partitions (also of linked tables). */
  readonly writeOpaque: boolean;
  /** Reads may see more than the relation: rules, row-level security, inheritance, partitions. */
  readonly readOpaque: boolean;
  /** Reading it runs code that may write: a view's query or a policy calling a user function or a volatile builtin. */
  readonly readRunsCode: boolean;
  /** Tables reached through foreign keys, transitively, both directions (locks and cascades). */
  readonly linked: readonly string[];
  /** Sequences its column defaults or identity columns advance. */
  readonly sequences: readonly string[];
  /**
   * What a write of each kind adds through user triggers and the expressions the catalog attaches
   * (defaults, generated columns, checks, domains, index expressions, and the user functions they
   * call): those of the table and, for cascades, of every linked table, recursively through the
   * tables their bodies write (SQL_ANYTHING when any of them is not understood). Empty for a
   * table nothing reaches.
   */
  readonly writeEffects: Readonly<Record<TriggerEvent, Footprint>>;
}

export interface SqlCatalog {
  /** By `schema.name`. */
  readonly relations: ReadonlyMap<string, CatalogRelation>;
  /** Unqualified name → `schema.name`, for names visible on the default search_path. */
  readonly visible: ReadonlyMap<string, string>;
  /** Functions of pg_catalog whose every overload is immutable or stable and that run no query (see PURE_BUILTINS_SQL). */
  readonly pureBuiltins: ReadonlySet<string>;
  /** Builtins (of pureBuiltins, or session-local volatile ones) that see other sessions' transactions: they read everything. */
  readonly readingBuiltins: ReadonlySet<string>;
  /** Names of functions outside pg_catalog, with their worst volatility (`i`, `s`, `v`). */
  readonly userFunctions: ReadonlyMap<string, string>;
  /**
   * Names of user functions some overload of which takes one argument: `t.f` (and `(expr).f`)
   * calls `f(t)` when `t` has no column `f`, so a column reference may be a call.
   */
  readonly attributeFunctions: ReadonlySet<string>;
  /** What a call of a user function touches (every overload of the name, and what it runs in turn). */
  readonly functionEffects: ReadonlyMap<string, Footprint>;
  /** Operators outside pg_catalog by name: the user functions behind them (and their commutators and negators). */
  readonly userOperators: ReadonlyMap<string, readonly string[]>;
  /** User functions any statement may run without naming them (user operator classes, user casts). */
  readonly implicitCalls: readonly string[];
}

/** The smallest interface the loader needs of a client: pg's Client and Pool both fit. */
export interface CatalogQuerier {
  /** Several statements in one text: one result each, as pg answers a simple query. */
  query(text: string): Promise<unknown>;
}

interface RelRow {
  oid: number;
  qualified: string;
  name: string;
  kind: string;
  visible: boolean;
  read_opaque: boolean;
  runs_code: boolean;
}

const RELATIONS_SQL = `
SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS qualified, c.relname AS name,
       c.relkind::text AS kind, pg_table_is_visible(c.oid) AS visible,
       (c.relhasrules OR c.relrowsecurity OR c.relhassubclass OR c.relispartition) AS read_opaque,
       -- A view's query or a row-level security policy that calls a user function or a volatile
       -- builtin (directly or through an operator), or a view over another view: reading it runs code.
       (EXISTS (SELECT 1 FROM pg_depend d
          LEFT JOIN pg_operator o ON d.refclassid = 'pg_operator'::regclass AND o.oid = d.refobjid
          JOIN pg_proc p ON p.oid = CASE WHEN d.refclassid = 'pg_proc'::regclass THEN d.refobjid ELSE o.oprcode END
          WHERE d.refclassid IN ('pg_proc'::regclass, 'pg_operator'::regclass)
            AND ((d.classid = 'pg_rewrite'::regclass AND d.objid IN (SELECT r.oid FROM pg_rewrite r WHERE r.ev_class = c.oid))
              OR (d.classid = 'pg_policy'::regclass AND d.objid IN (SELECT pol.oid FROM pg_policy pol WHERE pol.polrelid = c.oid)))
            AND (p.provolatile = 'v' OR p.pronamespace <> 'pg_catalog'::regnamespace))
        OR EXISTS (SELECT 1 FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
          AND d.refclassid = 'pg_class'::regclass JOIN pg_class x ON x.oid = d.refobjid
          WHERE r.ev_class = c.oid AND x.relkind = 'v' AND x.oid <> c.oid)) AS runs_code
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;

const FOREIGN_KEYS_SQL = `SELECT conrelid::int AS a, confrelid::int AS b FROM pg_constraint WHERE contype = 'f'`;

const SEQUENCES_SQL = `
SELECT d.refobjid::int AS tbl, d.objid::int AS seq FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
UNION
SELECT a.adrelid::int, d.refobjid::int FROM pg_attrdef a
JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = a.oid AND d.refclassid = 'pg_class'::regclass
JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'`;

/**
 * Builtins that touch no shared state, and which of them read it. The rule: a pg_catalog function
 * all of whose overloads are immutable or stable is pure when its result depends only on its
 * arguments, the session's own settings and transaction, and the catalog — the catalog changes
 * only through statements this analysis already treats as touching everything (DDL, GRANT,
 * COMMENT, DO, opaque code), which conflict with every step. Stable ones that see more are not
 * pure: those that run queries (the XML exports table_/query_/cursor_/schema_/database_to_xml…,
 * anything taking a refcursor — over views or cursors a query may call volatile code) are left
 * out, so a call touches everything; those that see other sessions' transactions (any overload
 * taking or returning xid, xid8, txid_snapshot or pg_snapshot, and txid_*: snapshots, age(xid),
 * mxid_age, txid_current's place in xid order) are `reads`, and read everything, as `pg_*` do.
 */
const PURE_BUILTINS_SQL = `
SELECT proname AS name,
       bool_or(provolatile <> 'i' AND (proname LIKE 'txid\\_%' OR prorettype IN ('xid'::regtype, 'xid8'::regtype, 'txid_snapshot'::regtype, 'pg_snapshot'::regtype)
               OR proargtypes::oid[] && ARRAY['xid'::regtype, 'xid8'::regtype, 'txid_snapshot'::regtype, 'pg_snapshot'::regtype]::oid[])) AS reads
FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace
GROUP BY proname
HAVING bool_and(provolatile IN ('i', 's'))
   AND NOT bool_or(proname ~ '^(table|query|cursor|schema|database)_to_xml' OR 'refcursor'::regtype = ANY (proargtypes::oid[]))`;

/** `one_argument`: some overload can be called with one argument (what attribute notation, `t.f`, calls). */
const USER_FUNCTIONS_SQL = `
SELECT p.proname AS name, max(p.provolatile::text) AS volatility,
       bool_or(p.pronargs >= 1 AND p.pronargs - p.pronargdefaults <= 1) AS one_argument
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') GROUP BY p.proname`;

/**
 * A function whose names its body does not resolve as the caller's session does: settings of its
 * own (a search_path), or SECURITY DEFINER with an owner that has a schema of its name (the
 * default search_path's "$user" is then that schema). Its body is opaque.
 */
const OWN_SETTINGS = `(p.proconfig IS NOT NULL OR (p.prosecdef AND EXISTS (SELECT 1 FROM pg_namespace s WHERE s.nspname = pg_get_userbyid(p.proowner))))`;

/** User triggers with their functions: what fires them and the source of what they run. */
const TRIGGERS_SQL = `
SELECT t.tgrelid::int AS rel, t.tgtype::int AS type, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition,
       t.tgqual IS NOT NULL AS has_when, t.tgconstraint <> 0 AS constraint_trigger,
       (t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL) AS transition_tables,
       p.oid::int AS function, l.lanname AS language, p.prosrc AS source, ${OWN_SETTINGS} AS has_config
FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang
WHERE NOT t.tgisinternal`;

/** Every overload of every user function, with what is needed to read its body. */
const FUNCTIONS_SQL = `
SELECT p.proname AS name, l.lanname AS language, p.prosrc AS source, ${OWN_SETTINGS} AS has_config,
       CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END AS definition, p.prosqlbody IS NOT NULL AS atomic,
       p.provolatile::text AS volatility, pg_get_expr(p.proargdefaults, 0) AS defaults,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') AS extension
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`;

/**
 * User operators by name, each with the function behind it and those behind its commutator and
 * negator (the planner may rewrite `a OP b` as `b COM a`, or `NOT (a OP b)` as `a NEG b`).
 */
const OPERATORS_SQL = `
SELECT o.oprname AS op, p.proname AS fn FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
JOIN pg_operator x ON x.oid IN (o.oid, o.oprcom, o.oprnegate) JOIN pg_proc p ON p.oid = x.oprcode
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`;

/**
 * User functions PostgreSQL may call with no name in the statement: those behind the operators and
 * support functions of user operator families (sorting, grouping, DISTINCT, UNION, joins, GREATEST,
 * index lookups on a user type use them) and user casts (implicit coercions, to_json's cast to json).
 */
const IMPLICIT_SQL = `
SELECT DISTINCT p.proname AS fn FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_amop a ON a.amopfamily = f.oid JOIN pg_operator o ON o.oid = a.amopopr JOIN pg_proc p ON p.oid = o.oprcode
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.pronamespace <> 'pg_catalog'::regnamespace
UNION
SELECT p.proname FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_amproc a ON a.amprocfamily = f.oid JOIN pg_proc p ON p.oid = a.amproc
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.pronamespace <> 'pg_catalog'::regnamespace
UNION
SELECT p.proname FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc WHERE p.pronamespace <> 'pg_catalog'::regnamespace
`;

/**
 * The user functions of domains' CHECK constraints and defaults (from pg_depend), which any cast to
 * the domain evaluates ('5'::qty, a parameter or a function result of that type,
 * json_populate_record), not only a write to a column of it: called with no name, like IMPLICIT_SQL's.
 */
const DOMAIN_CALLS_SQL = `
SELECT p.proname AS fn FROM pg_constraint c
JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_proc'::regclass
JOIN pg_proc p ON p.oid = d.refobjid
WHERE c.contypid <> 0 AND p.pronamespace <> 'pg_catalog'::regnamespace
UNION
SELECT p.proname FROM pg_type t
JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.refclassid = 'pg_proc'::regclass AND d.deptype = 'n'
JOIN pg_proc p ON p.oid = d.refobjid
WHERE t.typtype = 'd' AND p.pronamespace <> 'pg_catalog'::regnamespace`;

/** Volatile builtins whose value is the session's place in xid order (the reads rule's xid8 ones, by name). */
const XID_ORDER_BUILTINS = ['txid_current', 'pg_current_xact_id', 'txid_current_if_assigned', 'pg_current_xact_id_if_assigned'];

const NO_EFFECTS: Readonly<Record<TriggerEvent, Footprint>> = { insert: [], update: [], delete: [], truncate: [] };

/**
 * Reads the catalog in one round trip (once per scheduler: the schema does not change between runs)
 * and analyses the bodies of its user triggers and functions, and the expressions attached to its
 * tables, once.
 */
export interface CatalogOptions {
  /**
   * false: leave out what the catalog attaches to tables (defaults, checks, domains, index
   * expressions). Unsound; only for showing that the run-time cross-check catches it alone.
   */
  readonly attached?: boolean;
}

export async function loadSqlCatalog(db: CatalogQuerier, options: CatalogOptions = {}): Promise<SqlCatalog> {
  await loadSqlParser();
  // One round trip, and one snapshot: the reads agree with each other.
  const queries = [RELATIONS_SQL, FOREIGN_KEYS_SQL, SEQUENCES_SQL, PURE_BUILTINS_SQL, USER_FUNCTIONS_SQL, TRIGGERS_SQL, FUNCTIONS_SQL, OPERATORS_SQL, IMPLICIT_SQL];
  // What the catalog attaches, domains included, is left out only to show the cross-check alone.
  if (options.attached !== false) queries.push(ATTACHED_SQL, DOMAIN_CALLS_SQL);
  const answer = await db.query(queries.join(';\n'));
  const results = (Array.isArray(answer) ? answer : [answer]) as { rows: unknown[] }[];
  if (results.length !== queries.length) throw new Error(`the catalog read answered ${results.length} results to ${queries.length} queries`);
  const rowsOf = <R>(i: number): R[] => (results[i]?.rows ?? []) as R[];
  const rels = rowsOf<RelRow>(0);
  const fks = rowsOf<{ a: number; b: number }>(1);
  const seqs = rowsOf<{ tbl: number; seq: number }>(2);
  const pure = rowsOf<{ name: string; reads: boolean }>(3);
  const user = rowsOf<{ name: string; volatility: string; one_argument: boolean }>(4);
  const triggers = rowsOf<TriggerRow>(5);
  const functions = rowsOf<FunctionRow>(6);
  const operators = rowsOf<{ op: string; fn: string }>(7);
  const implicit = rowsOf<{ fn: string }>(8);
  const attached = options.attached === false ? [] : rowsOf<AttachedRow>(9);
  const domainCalls = options.attached === false ? [] : rowsOf<{ fn: string }>(10);

  const byOid = new Map(rels.map((r) => [r.oid, r]));
  const neighbours = new Map<number, Set<number>>();
  const link = (a: number, b: number): void => {
    if (!neighbours.has(a)) neighbours.set(a, new Set());
    neighbours.get(a)?.add(b);
  };
  for (const { a, b } of fks) {
    link(a, b);
    link(b, a);
  }
  const ownSequences = new Map<number, number[]>();
  for (const { tbl, seq } of seqs) ownSequences.set(tbl, [...(ownSequences.get(tbl) ?? []), seq]);

  const relations = new Map<string, CatalogRelation>();
  const visible = new Map<string, string>();
  for (const r of rels) {
    const closure = reachable(r.oid, neighbours);
    const linked = [...closure].filter((o) => o !== r.oid).map((o) => byOid.get(o)?.qualified).filter((q): q is string => q !== undefined);
    const sequences = [...closure].flatMap((o) => ownSequences.get(o) ?? []).map((o) => byOid.get(o)?.qualified).filter((q): q is string => q !== undefined);
    // A cascade reaches every linked table: its rules and policies too.
    const writeOpaque = [...closure].some((o) => byOid.get(o)?.read_opaque === true);
    relations.set(r.qualified, { qualified: r.qualified, kind: r.kind, visible: r.visible, writeOpaque, readOpaque: r.read_opaque, readRunsCode: r.runs_code, linked, sequences, writeEffects: NO_EFFECTS });
    if (r.visible) visible.set(r.name, r.qualified);
  }
  const catalog = {
    relations,
    visible,
    pureBuiltins: new Set(pure.map((p) => p.name)),
    readingBuiltins: new Set([...pure.filter((p) => p.reads).map((p) => p.name), ...XID_ORDER_BUILTINS]),
    userFunctions: new Map(user.map((u) => [u.name, u.volatility])),
    attributeFunctions: new Set(user.filter((u) => u.one_argument).map((u) => u.name)),
    functionEffects: new Map<string, Footprint>(),
    userOperators: new Map<string, string[]>(),
    implicitCalls: [...new Set([...implicit, ...domainCalls].map((i) => i.fn))],
  };
  for (const { op, fn } of operators) catalog.userOperators.set(op, [...new Set([...(catalog.userOperators.get(op) ?? []), fn])]);
  // Bodies and expressions are footprinted against the catalog itself; their effects are then filled in.
  const on = <T extends { rel: number }>(rows: readonly T[]): (T & { on: string })[] =>
    rows.flatMap((t) => {
      const qualified = byOid.get(t.rel)?.qualified;
      return qualified ? [{ ...t, on: qualified }] : [];
    });
  const effects = writeEffects(catalog, on(triggers), on(attached), functions);
  for (const [qualified, byEvent] of effects.tables) {
    const rel = relations.get(qualified);
    if (rel) relations.set(qualified, { ...rel, writeEffects: byEvent });
  }
  for (const [name, footprint] of effects.functions) catalog.functionEffects.set(name, footprint);
  return catalog;
}

function reachable(start: number, neighbours: ReadonlyMap<number, ReadonlySet<number>>): Set<number> {
  const seen = new Set([start]);
  const todo = [start];
  for (let cur = todo.pop(); cur !== undefined; cur = todo.pop()) {
    for (const n of neighbours.get(cur) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        todo.push(n);
      }
    }
  }
  return seen;
}
