// The tables and sequences of a database's own schemas (everything but PostgreSQL's catalogs),
// read once per cell: how to empty them between runs so run N starts exactly like run 1, and
// how to read what a run left in them.
import pg from 'pg';
import { HARNESS_SCHEMA } from './ddl-watch.ts';

export interface TableInfo {
  /** `schema.table`, quoted where needed. */
  readonly name: string;
  /** Columns in order; `volatile` marks date/time columns, which differ from run to run. */
  readonly columns: readonly { readonly name: string; readonly volatile: boolean }[];
}

export interface SchemaTables {
  readonly tables: readonly TableInfo[];
  /**
   * One round trip that empties every table and restarts every sequence: DELETE in foreign-key
   * order (children first, about 0.2 ms) where that is exact, else one TRUNCATE (about 4 ms).
   */
  readonly resetSql: string;
  /**
   * The same with TRUNCATE only: new, empty files for every table and index, so the next run
   * starts from the same physical layout as the first (what SERIALIZABLE's page locks see).
   */
  readonly truncateSql: string;
  /**
   * Both end with this query ('' without tables): one row, `left_over`, the first table still
   * holding a row after the reset, or null. Nothing is trusted to have emptied a table.
   */
  readonly leftOverSql: string;
}

export interface CatalogClient {
  query<R>(text: string): Promise<{ rows: R[] }>;
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', '${HARNESS_SCHEMA}') AND n.nspname NOT LIKE 'pg\\_%'`;

/** Reads the tables, foreign keys, what makes a DELETE inexact, and sequences of the user's schemas. */
export async function describeSchemaTables(db: CatalogClient): Promise<SchemaTables> {
  const r = await db.query<{
    tables: { oid: number; name: string; columns: { name: string; volatile: boolean }[]; deleteInexact: boolean }[] | null;
    fks: { child: number; parent: number }[] | null;
    sequences: { name: string; start: string }[] | null;
  }>(`SELECT
  (SELECT json_agg(json_build_object(
      'oid', c.oid,
      'name', format('%I.%I', n.nspname, c.relname),
      'columns', (SELECT coalesce(json_agg(json_build_object('name', a.attname,
                    'volatile', t.typcategory = 'D' OR t.typname IN ('time', 'timetz', 'interval')) ORDER BY a.attnum), '[]')
                  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
      -- A DELETE trigger (it may skip the delete or write elsewhere), a rule (DO INSTEAD), a
      -- row-level security policy (rows the role does not see stay).
      'deleteInexact', c.relhasrules OR c.relrowsecurity
        OR EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal AND (g.tgtype & 8) <> 0))
    ORDER BY n.nspname, c.relname)
   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS}) AS tables,
  (SELECT json_agg(json_build_object('child', conrelid, 'parent', confrelid))
   FROM pg_constraint WHERE contype = 'f') AS fks,
  (SELECT json_agg(json_build_object('name', format('%I.%I', n.nspname, c.relname), 'start', s.seqstart::text) ORDER BY n.nspname, c.relname)
   FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE ${USER_SCHEMAS}) AS sequences`);
  const row = r.rows[0];
  const tables = row?.tables ?? [];
  const sequences = row?.sequences ?? [];
  const order = deleteOrder(
    tables.map((t) => t.oid),
    (row?.fks ?? []).filter((f) => f.child !== f.parent),
  );
  const names = new Map(tables.map((t) => [t.oid, t.name]));
  const truncate = tables.length > 0 ? [`TRUNCATE ${tables.map((t) => t.name).join(', ')}`] : [];
  // A DELETE that may not delete every row, and a foreign-key cycle (no order): TRUNCATE then.
  const empty = tables.length > 0 && order && !tables.some((t) => t.deleteInexact) ? order.map((oid) => `DELETE FROM ${names.get(oid) ?? ''}`) : truncate;
  const restart = sequences.length > 0 ? [`SELECT ${sequences.map((s) => `setval(${pg.escapeLiteral(s.name)}, ${s.start}, false)`).join(', ')}`] : [];
  const leftOver = tables.length > 0 ? [`SELECT coalesce(${tables.map((t) => `(SELECT ${pg.escapeLiteral(t.name)} FROM ${t.name} LIMIT 1)`).join(', ')}) AS left_over`] : [];
  return {
    tables: tables.map((t) => ({ name: t.name, columns: t.columns })),
    resetSql: [...empty, ...restart, ...leftOver].join(';\n'),
    truncateSql: [...truncate, ...restart, ...leftOver].join(';\n'),
    leftOverSql: leftOver[0] ?? '',
  };
}

/** Tables ordered so that every referencing table comes before the tables it references; null on a cycle. */
function deleteOrder(oids: readonly number[], fks: readonly { child: number; parent: number }[]): number[] | null {
  const inSet = new Set(oids);
  const edges = fks.filter((f) => inSet.has(f.child) && inSet.has(f.parent));
  const out: number[] = [];
  const left = new Set(oids);
  while (left.size > 0) {
    // Tables no remaining table references can go now.
    const free = [...left].filter((t) => !edges.some((e) => e.parent === t && left.has(e.child)));
    if (free.length === 0) return null;
    for (const t of free) {
      out.push(t);
      left.delete(t);
    }
  }
  return out;
}

/** Every table's rows (date/time columns left out), each table sorted, as one JSON document. */
export function finalStateSql(tables: readonly TableInfo[]): string | null {
  const parts = tables.flatMap((t) => {
    const cols = t.columns.filter((c) => !c.volatile).map((c) => pg.escapeIdentifier(c.name));
    if (cols.length === 0) return [];
    const sub = `(SELECT coalesce(json_agg(x ORDER BY x::text), '[]') FROM (SELECT ${cols.join(', ')} FROM ${t.name}) AS x)`;
    return [`(${pg.escapeLiteral(t.name)}, ${sub})`];
  });
  return parts.length === 0 ? null : `SELECT json_object_agg(t, r ORDER BY t) AS state FROM (VALUES ${parts.join(', ')}) AS v(t, r)`;
}
