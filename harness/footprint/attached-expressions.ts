// What the catalog attaches to a table and PostgreSQL evaluates when a row is written: column
// defaults and generated columns, CHECK constraints, the checks and defaults of the domains its
// columns are made of (nested, in arrays, composites and ranges), expression and partial indexes
// (exclusion constraints are indexes too). Each is footprinted like SQL; the user functions it
// calls are left to the effect graph. A user operator class or exclusion operator is opaque.
import type { BodyFootprint } from './plpgsql-footprint.ts';
import { Collector, type WriteEvents } from './sql-collector.ts';
import type { CatalogRelation, SqlCatalog } from './sql-catalog.ts';
import { parsedStatements, type Node } from './sql-parse.ts';

/** One attached expression: `expression` is an expression's text, `index` a CREATE INDEX, `opaque` a reason. */
export interface AttachedRow {
  readonly rel: number;
  readonly kind: 'expression' | 'index' | 'opaque';
  readonly text: string;
}

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`;

/** Every attached expression of every user table, in one query. */
export const ATTACHED_SQL = `
WITH RECURSIVE types(rel, typ) AS (
  SELECT a.attrelid, a.atttypid FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f') AND ${USER_NAMESPACE}
  UNION
  SELECT t.rel, x.typ FROM types t JOIN pg_type y ON y.oid = t.typ,
  LATERAL (
    SELECT y.typbasetype AS typ WHERE y.typtype = 'd'
    UNION ALL SELECT y.typelem WHERE y.typelem <> 0
    UNION ALL SELECT a.atttypid FROM pg_attribute a WHERE y.typtype = 'c' AND a.attrelid = y.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = y.oid
  ) x
)
SELECT t.rel::int AS rel, 'expression' AS kind, pg_get_expr(c.conbin, 0) AS text
FROM types t JOIN pg_constraint c ON c.contypid = t.typ AND c.contype = 'c'
UNION ALL
SELECT t.rel::int, 'expression', pg_get_expr(y.typdefaultbin, 0) FROM types t JOIN pg_type y ON y.oid = t.typ WHERE y.typdefaultbin IS NOT NULL
UNION ALL
SELECT d.adrelid::int, 'expression', pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
UNION ALL
SELECT c.conrelid::int, 'expression', pg_get_expr(c.conbin, c.conrelid) FROM pg_constraint c WHERE c.contype = 'c' AND c.conrelid <> 0
UNION ALL
SELECT i.indrelid::int, 'index', pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indexprs IS NOT NULL OR i.indpred IS NOT NULL
UNION ALL
SELECT i.indrelid::int, 'opaque', 'an index with a user operator class' FROM pg_index i
WHERE EXISTS (SELECT 1 FROM unnest(i.indclass::oid[]) oc JOIN pg_opclass o ON o.oid = oc WHERE o.opcnamespace <> 'pg_catalog'::regnamespace)
UNION ALL
SELECT c.conrelid::int, 'opaque', 'an exclusion constraint with a user operator' FROM pg_constraint c
WHERE c.contype = 'x' AND EXISTS (
  SELECT 1 FROM unnest(c.conexclop) op JOIN pg_operator o ON o.oid = op JOIN pg_proc p ON p.oid = o.oprcode
  WHERE p.pronamespace <> 'pg_catalog'::regnamespace)`;

/** What evaluating one attached expression touches, or null when it is not understood. */
export function attachedFootprint(row: AttachedRow, catalog: SqlCatalog): BodyFootprint | null {
  if (row.kind === 'opaque') return null;
  const writes: { rel: CatalogRelation; events: WriteEvents }[] = [];
  const calls = new Set<string>();
  const collector = new Collector(catalog, [], (rel, events) => writes.push({ rel, events }), (name) => calls.add(name));
  if (row.kind === 'index') {
    const index = parsedStatements(row.text)?.[0]?.['IndexStmt'] as Node | undefined;
    if (!index) return null;
    // The indexed expressions and the partial index's predicate; the table itself is the write's own key.
    return { keys: collector.collect([index['indexParams'], index['whereClause']]), writes, calls: [...calls] };
  }
  const select = parsedStatements(`SELECT ${row.text}`);
  if (!select || select.length !== 1) return null;
  return { keys: collector.collect(select[0]), writes, calls: [...calls] };
}
