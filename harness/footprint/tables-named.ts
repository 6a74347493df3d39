// Which tables some SQL names (and the tables its triggers write): what a report shows after a
// run is the tables the scenario touched, not every table of the schema. Read from PostgreSQL's
// parse tree; a statement that does not parse or calls a function of the user's may touch any table.
import type { SqlCatalog } from './sql-catalog.ts';
import { parsedStatements, type Node } from './sql-parse.ts';

/** `schema.table` names of what `texts` read or write, or null when one of them may touch any table. */
export function tablesNamed(catalog: SqlCatalog, texts: Iterable<string>): Set<string> | null {
  const out = new Set<string>();
  for (const text of texts) {
    const statements = parsedStatements(text);
    if (statements === null) return null;
    for (const s of statements) if (!collect(s, catalog, out)) return null;
  }
  return out;
}

/** Adds the relations `n` names to `out`; false when it calls a function of the user's. */
function collect(n: unknown, catalog: SqlCatalog, out: Set<string>): boolean {
  if (Array.isArray(n)) return n.every((x) => collect(x, catalog, out));
  if (!n || typeof n !== 'object') return true;
  const node = n as Node;
  // A RangeVar, wrapped or (as a write's target) bare: it has a relname.
  if (typeof node['relname'] === 'string') return relation(node, catalog, out);
  const call = node['FuncCall'] as Node | undefined;
  if (call && userFunction(call, catalog)) return false;
  return Object.values(node).every((v) => collect(v, catalog, out));
}

function relation(rv: Node, catalog: SqlCatalog, out: Set<string>): boolean {
  const name = rv['relname'] as string;
  const schema = typeof rv['schemaname'] === 'string' ? rv['schemaname'] : undefined;
  const qualified = schema ? `${schema}.${name}` : catalog.visible.get(name);
  const rel = qualified ? catalog.relations.get(qualified) : undefined;
  // A CTE's name, or a relation the statement itself creates: nothing of the schema's.
  if (!rel) return true;
  out.add(rel.qualified);
  for (const keys of Object.values(rel.writeEffects)) {
    for (const k of keys) {
      if (k === 'db:*') return false;
      if (k.startsWith('db:t:')) out.add(k.slice('db:t:'.length));
    }
  }
  return true;
}

function userFunction(call: Node, catalog: SqlCatalog): boolean {
  const parts = ((call['funcname'] as Node[] | undefined) ?? []).map((p) => String((p['String'] as Node | undefined)?.['sval'] ?? ''));
  const name = parts[parts.length - 1] ?? '';
  return parts[0] !== 'pg_catalog' && catalog.userFunctions.has(name);
}
