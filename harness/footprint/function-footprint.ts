// What a user function's body touches, read like a trigger's: PL/pgSQL through PostgreSQL's
// PL/pgSQL parser, SQL functions (quoted or BEGIN ATOMIC) through its SQL parser. Any other
// language, a function with settings of its own, or a body not understood is opaque (null).
import { plpgsqlBodyFootprint, UNDERSTOOD_SQL, type BodyFootprint } from './plpgsql-footprint.ts';
import { Collector, type WriteEvents } from './sql-collector.ts';
import type { CatalogRelation, SqlCatalog } from './sql-catalog.ts';
import { parsedStatements, type Node } from './sql-parse.ts';

/** One overload of a user function, as the catalog describes it. */
export interface FunctionRow {
  readonly name: string;
  readonly language: string;
  readonly source: string;
  /** `SET search_path = ...` and the like change how its body resolves names: not followed. */
  readonly has_config: boolean;
  /** pg_get_functiondef (null for aggregates and window functions). */
  readonly definition: string | null;
  /** A `BEGIN ATOMIC` SQL body (prosqlbody), whose text is only in the definition. */
  readonly atomic: boolean;
}

export function functionFootprint(f: FunctionRow, catalog: SqlCatalog): BodyFootprint | null {
  if (f.has_config || f.definition === null) return null;
  if (f.language === 'plpgsql') return plpgsqlBodyFootprint(f.source, catalog, f.definition);
  if (f.language !== 'sql') return null;
  const statements = f.atomic ? atomicBody(f.definition) : parsedStatements(f.source);
  if (!statements) return null;
  const keys = new Set<string>();
  const writes: { rel: CatalogRelation; events: WriteEvents }[] = [];
  const calls = new Set<string>();
  for (const stmt of statements) {
    const [type, body] = Object.entries(stmt)[0] ?? ['', {}];
    if (!UNDERSTOOD_SQL.has(type)) return null;
    const collector = new Collector(catalog, [], (rel, events) => writes.push({ rel, events }), (name) => calls.add(name));
    for (const k of collector.statement(type, body as Node)) keys.add(k);
  }
  return { keys: [...keys], writes, calls: [...calls] };
}

/** The statements of a `BEGIN ATOMIC ... END` body, from the parsed CREATE FUNCTION. */
function atomicBody(definition: string): readonly Node[] | null {
  const create = parsedStatements(definition)?.[0]?.['CreateFunctionStmt'] as Node | undefined;
  if (!create?.['sql_body']) return null;
  const out: Node[] = [];
  const gather = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(gather);
    else if (n && typeof n === 'object') {
      const list = (n as Node)['List'] as Node | undefined;
      if (list) gather(list['items']);
      else out.push(n as Node);
    }
  };
  gather(create['sql_body']);
  return out;
}
