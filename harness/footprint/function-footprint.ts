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
  /** `i`, `s` or `v`. */
  readonly volatility: string;
  /** Belongs to an installed extension (citext, pgcrypto, ...). */
  readonly extension: boolean;
  /** Its parameters' default expressions, comma-separated (pg_get_expr of proargdefaults), or null. */
  readonly defaults: string | null;
}

/**
 * What a call touches: the body, and the parameters' default expressions, which PostgreSQL
 * evaluates at the call site when an argument is left out (`pay()` runs `DEFAULT withdraw70()`).
 * Any call may leave them out, so they count whenever the function has defaults.
 */
export function functionFootprint(f: FunctionRow, catalog: SqlCatalog): BodyFootprint | null {
  const body = bodyFootprint(f, catalog);
  if (!body || f.defaults === null) return body;
  const defaults = defaultsFootprint(f.defaults, catalog);
  if (!defaults) return null;
  return { keys: [...body.keys, ...defaults.keys], writes: [...body.writes, ...defaults.writes], calls: [...body.calls, ...defaults.calls] };
}

function defaultsFootprint(defaults: string, catalog: SqlCatalog): BodyFootprint | null {
  // The list reads back as a SELECT's target list.
  const select = parsedStatements(`SELECT ${defaults}`);
  if (!select || select.length !== 1) return null;
  const writes: { rel: CatalogRelation; events: WriteEvents }[] = [];
  const calls = new Set<string>();
  const keys = new Collector(catalog, [], (rel, events) => writes.push({ rel, events }), (name) => calls.add(name)).collect(select[0]);
  return { keys, writes, calls: [...calls] };
}

function bodyFootprint(f: FunctionRow, catalog: SqlCatalog): BodyFootprint | null {
  // An extension's immutable C function touches nothing shared, a stable one may read anything
  // (else `=` of citext, whose operators live in the user's schema, would touch everything).
  if (f.extension && f.language !== 'sql' && f.language !== 'plpgsql' && (f.volatility === 'i' || f.volatility === 's')) {
    return { keys: f.volatility === 'i' ? [] : ['r:*'], writes: [], calls: [] };
  }
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
