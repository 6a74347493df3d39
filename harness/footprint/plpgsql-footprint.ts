// What a PL/pgSQL function's body (a trigger's, or any function the catalog attaches) reads and writes: its tree from PostgreSQL's PL/pgSQL
// parser, every embedded SQL statement and expression footprinted like top-level SQL. Anything
// not understood (dynamic SQL, CALL, transaction control, an unknown construct) makes it opaque.
import { Collector, type WriteEvents } from './sql-collector.ts';
import type { CatalogRelation, SqlCatalog } from './sql-catalog.ts';
import { parsedPlpgsqlFunction, parsedStatements, sqlTokens, type Node, type SqlToken } from './sql-parse.ts';

/** What a body touches itself, the writes whose own triggers it runs in turn, and the user functions it calls. */
export interface BodyFootprint {
  readonly keys: readonly string[];
  readonly writes: readonly { readonly rel: CatalogRelation; readonly events: WriteEvents }[];
  readonly calls: readonly string[];
}

/** PL/pgSQL statements whose SQL is all in their `PLpgSQL_expr` children. */
const UNDERSTOOD_STATEMENTS = new Set([
  'PLpgSQL_stmt_block', 'PLpgSQL_stmt_assign', 'PLpgSQL_stmt_if', 'PLpgSQL_stmt_case', 'PLpgSQL_stmt_loop',
  'PLpgSQL_stmt_while', 'PLpgSQL_stmt_fori', 'PLpgSQL_stmt_fors', 'PLpgSQL_stmt_forc', 'PLpgSQL_stmt_foreach_a',
  'PLpgSQL_stmt_exit', 'PLpgSQL_stmt_return', 'PLpgSQL_stmt_return_next', 'PLpgSQL_stmt_return_query',
  'PLpgSQL_stmt_raise', 'PLpgSQL_stmt_assert', 'PLpgSQL_stmt_execsql', 'PLpgSQL_stmt_getdiag', 'PLpgSQL_stmt_open',
  'PLpgSQL_stmt_fetch', 'PLpgSQL_stmt_close', 'PLpgSQL_stmt_perform',
]);
/** Embedded SQL statements the collector reads whole; any other (DDL, CALL, SET, COPY...) is opaque. */
export const UNDERSTOOD_SQL = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'LockStmt', 'NotifyStmt']);
/** PostgreSQL's RawParseMode of an embedded expression. */
const PARSE_STATEMENT = 0;
const PARSE_EXPRESSION = 2;
const PARSE_ASSIGNMENTS = new Set([3, 4, 5]);

/**
 * The footprint of a PL/pgSQL function's body (its `prosrc`), or null when it is not understood.
 * `definition` is its whole `CREATE FUNCTION` (pg_get_functiondef); without it, a trigger function's.
 */
export function plpgsqlBodyFootprint(source: string, catalog: SqlCatalog, definition?: string): BodyFootprint | null {
  const tree = parsedPlpgsqlFunction(definition ?? createTriggerFunction(source));
  if (!tree) return null;
  const exprs: Node[] = [];
  const records: Node[] = [];
  if (!gather(tree, exprs, records)) return null;
  // The parser's output leaves out the default of a declared row or record variable: read the
  // declaration ourselves, and give up when it may have one.
  if (records.length > 0 && !records.every((r) => declaredWithoutDefault(source, r))) return null;
  const keys = new Set<string>();
  const writes: { rel: CatalogRelation; events: WriteEvents }[] = [];
  const calls = new Set<string>();
  const collector = () => new Collector(catalog, [], (rel, events) => writes.push({ rel, events }), (name) => calls.add(name));
  for (const expr of exprs) {
    const statements = embeddedStatements(expr);
    if (!statements) return null;
    for (const stmt of statements) {
      const [type, body] = Object.entries(stmt)[0] ?? ['', {}];
      if (!UNDERSTOOD_SQL.has(type)) return null;
      for (const k of collector().statement(type, body as Node)) keys.add(k);
    }
  }
  return { keys: [...keys], writes, calls: [...calls] };
}

function createTriggerFunction(source: string): string {
  let tag = '$prh$';
  for (let i = 0; source.includes(tag); i++) tag = `$prh${i}$`;
  return `CREATE FUNCTION prh_trigger_body() RETURNS trigger LANGUAGE plpgsql AS ${tag}${source}${tag}`;
}

/** Collects every embedded expression and user-declared record; false on a construct we do not read. */
function gather(n: unknown, exprs: Node[], records: Node[]): boolean {
  if (Array.isArray(n)) return n.every((x) => gather(x, exprs, records));
  if (!n || typeof n !== 'object') return true;
  for (const [key, v] of Object.entries(n as Node)) {
    // EXECUTE, FOR ... EXECUTE, OPEN ... FOR EXECUTE, RETURN QUERY EXECUTE: SQL built at run time.
    if (key === 'dynquery') return false;
    if (key.startsWith('PLpgSQL_stmt_') && !UNDERSTOOD_STATEMENTS.has(key)) return false;
    if (key === 'PLpgSQL_expr') {
      exprs.push(v as Node);
      continue;
    }
    if (key === 'PLpgSQL_rec' && v && typeof v === 'object' && (v as Node)['lineno'] !== undefined) records.push(v as Node);
    if (!gather(v, exprs, records)) return false;
  }
  return true;
}

/** The SQL statements of one embedded expression, as PostgreSQL would parse it, or null. */
function embeddedStatements(expr: Node): readonly Node[] | null {
  const query = expr['query'];
  const mode = expr['parseMode'];
  if (typeof query !== 'string') return null;
  if (mode === PARSE_STATEMENT) {
    const statements = parsedStatements(query);
    return statements && statements.length === 1 ? statements : null;
  }
  // An expression is a SELECT without its keyword (it may have FROM, WHERE, FOR UPDATE...).
  if (mode === PARSE_EXPRESSION) return selectOf(query);
  if (typeof mode === 'number' && PARSE_ASSIGNMENTS.has(mode)) {
    // `target[subscripts] := value`: both sides are read as expressions.
    const tokens = sqlTokens(query);
    const at = tokens ? assignmentOperator(tokens) : undefined;
    if (!tokens || at === undefined) return null;
    const target = selectOf(query.slice(0, tokens[at]?.start));
    const value = selectOf(query.slice(tokens[at]?.end));
    return target && value ? [...target, ...value] : null;
  }
  return null;
}

function selectOf(expression: string): readonly Node[] | null {
  const statements = parsedStatements(`SELECT ${expression}`);
  return statements && statements.length === 1 && 'SelectStmt' in (statements[0] as Node) ? statements : null;
}

/** Index of the first `:=` or `=` outside brackets: where an assignment's target ends. */
function assignmentOperator(tokens: readonly SqlToken[]): number | undefined {
  let depth = 0;
  for (const [i, t] of tokens.entries()) {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && (t.text === ':=' || t.text === '=')) return i;
  }
  return undefined;
}

/**
 * True when every declaration of the record `rec` on its line has no default value. A declaration
 * is its name right after `DECLARE` or a `;`; anything we cannot read counts as a default.
 */
function declaredWithoutDefault(source: string, rec: Node): boolean {
  const tokens = sqlTokens(source)?.filter((t) => t.name !== 'SQL_COMMENT' && t.name !== 'C_COMMENT');
  const line = Number(rec['lineno']);
  const name = rec['refname'];
  if (!tokens || !Number.isInteger(line) || typeof name !== 'string') return false;
  const lines = source.split('\n');
  const lineStart = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const lineEnd = lineStart + (lines[line - 1]?.length ?? 0);
  let declarations = 0;
  for (const [i, t] of tokens.entries()) {
    if (t.start < lineStart || t.start > lineEnd || identifier(t.text) !== name) continue;
    const before = tokens[i - 1]?.text.toLowerCase();
    if (before !== ';' && before !== 'declare') continue;
    declarations++;
    let j = i + 1;
    for (; j < tokens.length && tokens[j]?.text !== ';'; j++) {
      const text = tokens[j]?.text.toLowerCase();
      if (text === ':=' || text === '=' || text === 'default') return false;
    }
    if (j >= tokens.length) return false;
  }
  return declarations > 0;
}

function identifier(token: string): string {
  return token.startsWith('"') ? token.slice(1, -1).replaceAll('""', '"') : token.toLowerCase();
}
