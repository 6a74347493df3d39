// PostgreSQL's own parsers (libpg-query, WebAssembly) for footprints: SQL statements, cached by
// text, and PL/pgSQL function bodies. Both need the module loaded once before the first call; it
// is imported then, not when the harness starts (`race --help` has no SQL to parse).
import { setFlagsFromString } from 'node:v8';

type PgQuery = typeof import('libpg-query');

export type Node = Record<string, unknown>;

let parserReady: Promise<void> | null = null;
let pgQuery: PgQuery | null = null;

/** Loads the parser (WebAssembly) once; footprints need it before the first statement. */
export function loadSqlParser(): Promise<void> {
  // V8's baseline WebAssembly code only (Liftoff): optimising the parser's large module in the
  // background costs more than it gives back in a command's life (measured: 3,000 parses in
  // 0.29 s against 0.47 s with tiering up, 30,000 on a par), and a process's exit waits for it.
  if (!parserReady) setFlagsFromString('--liftoff-only');
  parserReady ??= import('libpg-query').then(async (m) => {
    await m.loadModule();
    pgQuery = m;
  });
  return parserReady;
}

/** The loaded parser; each caller below turns a missing one into "does not parse" (null). */
function parser(): PgQuery {
  if (!pgQuery) throw new Error('the SQL parser is not loaded yet (await loadSqlParser() first)');
  return pgQuery;
}

/**
 * Parse trees by SQL text (null: it does not parse). A scenario sends the same few statements in
 * every run, so each is parsed once rather than on every step; the trees are only read.
 */
const PARSED = new Map<string, readonly Node[] | null>();
const PARSED_LIMIT = 4096;

/** The statements of `text`, or null when PostgreSQL's parser rejects it. */
export function parsedStatements(text: string): readonly Node[] | null {
  const known = PARSED.get(text);
  if (known !== undefined) return known;
  let statements: readonly Node[] | null;
  try {
    const parsed = parser().parseSync(text) as { stmts?: { stmt: Node }[] };
    statements = (parsed.stmts ?? []).map((s) => s.stmt);
  } catch {
    statements = null;
  }
  // Bounded: texts with inlined values (spec steps, user SQL) would otherwise grow it forever.
  if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
  PARSED.set(text, statements);
  return statements;
}

/** How many statements `text` holds (null: the parser rejects it; the parser must be loaded). */
export function statementCount(text: string): number | null {
  return parsedStatements(text)?.length ?? null;
}

/** The PL/pgSQL tree of a `CREATE FUNCTION … LANGUAGE plpgsql` text, or null when it does not parse. */
export function parsedPlpgsqlFunction(createFunction: string): Node | null {
  try {
    const parsed = parser().parsePlPgSQLSync(createFunction) as unknown as { plpgsql_funcs?: Node[] };
    const funcs = parsed.plpgsql_funcs ?? [];
    return funcs.length === 1 ? ((funcs[0] as Node)['PLpgSQL_function'] as Node | undefined) ?? null : null;
  } catch {
    return null;
  }
}

export interface SqlToken {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** `IDENT`, `SQL_COMMENT`, `C_COMMENT`, … (`UNKNOWN` for most keywords and operators). */
  readonly name: string;
}

/** The lexical tokens of `text` as PostgreSQL's scanner sees them (comments included), or null. */
export function sqlTokens(text: string): readonly SqlToken[] | null {
  try {
    return parser().scanSync(text).tokens.map((t) => ({ start: t.start, end: t.end, text: t.text, name: t.tokenName }));
  } catch {
    return null;
  }
}
