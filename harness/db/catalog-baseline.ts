// Whether a database is still as it was at a point in time: every catalog of the database holds
// as many rows as then and none written since. A command hands one spec's database to the next
// only when this holds, so a spec never sees what an earlier one left (isolationtester's schedule
// shares one database and trusts every teardown; this checks instead of trusting).
import type { CatalogClient } from './schema-tables.ts';

/**
 * Catalogs left out: planner statistics, which autovacuum rewrites on its own schedule (they
 * change plans, not results) — including them would only make every database look changed.
 */
const IGNORED = ['pg_statistic', 'pg_statistic_ext_data'];

/**
 * A session's temporary schemas stay in the catalog after DISCARD ALL (the backend reuses them):
 * they are the sessions', not a spec's, and a fresh connection makes them again as needed.
 */
const TEMP_SCHEMA = "nspname !~ '^pg_(toast_)?temp_[0-9]+$'";

export interface CatalogChange {
  /** The catalog (`pg_class`), or what of the shared ones is this database's (`pg_database`). */
  readonly catalog: string;
  readonly rowsThen: number;
  readonly rowsNow: number;
  /** Rows inserted or updated since the baseline. */
  readonly written: number;
}

export class CatalogBaseline {
  private constructor(
    /** The statement that counts; the same text at the baseline and at every check. */
    private readonly countSql: string,
    private readonly rows: ReadonlyMap<string, number>,
  ) {}

  /**
   * The database `client` is connected to, now. The horizon is the next transaction id: a row
   * written later carries an xmin at or after it (a row's xmin is kept when it is frozen).
   */
  static async take(client: CatalogClient): Promise<CatalogBaseline> {
    const r = await client.query<{ names: string[]; horizon: string }>(
      `SELECT array_agg(c.relname::text ORDER BY c.relname) AS names,
              (txid_snapshot_xmax(txid_current_snapshot()) % 4294967296)::text AS horizon
         FROM pg_class c
        WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r' AND NOT c.relisshared
          AND c.relname <> ALL (ARRAY[${IGNORED.map((n) => `'${n}'`).join(', ')}])
          -- A role that is not a superuser may not read every catalog (pg_largeobject): what
          -- it cannot read, it cannot have changed either (its metadata catalog is read).
          AND has_table_privilege(c.oid, 'SELECT')`,
    );
    const row = r.rows[0];
    if (!row) throw new Error('the catalog list came back empty');
    // xids 0-2 are special (their age is always the maximum): a horizon there is moved past them.
    const horizon = Math.max(3, Number(row.horizon));
    const newer = `age(xmin) <= age('${horizon}'::xid)`;
    const counted = (catalog: string, from: string, where = 'true') =>
      `SELECT '${catalog}' AS catalog, count(*) FILTER (WHERE ${where})::int AS n, count(*) FILTER (WHERE ${where} AND ${newer})::int AS written FROM ${from}`;
    const parts = row.names.map((name) => counted(name, `pg_catalog.${name}`, name === 'pg_namespace' ? TEMP_SCHEMA : 'true'));
    // What of the shared catalogs belongs to this database: ALTER DATABASE, its settings and
    // the settings of the role the sessions connect as, in every database (`ALTER ROLE ... SET`
    // applies to sessions that connect afterwards, not to the ones kept), the roles' dependencies
    // on its objects, transactions prepared in it (they hold locks).
    const database = '(SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())';
    parts.push(counted('pg_database', 'pg_catalog.pg_database', 'datname = current_database()'));
    parts.push(counted('pg_db_role_setting', 'pg_catalog.pg_db_role_setting', `setdatabase = ${database} OR (setdatabase = 0 AND setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = session_user))`));
    parts.push(counted('pg_shdepend', 'pg_catalog.pg_shdepend', `dbid = ${database}`));
    parts.push(`SELECT 'pg_prepared_xacts' AS catalog, count(*)::int AS n, 0 AS written FROM pg_catalog.pg_prepared_xacts WHERE database = current_database()`);
    // Other sessions on it, not idle, or holding a lock on it (a session-level advisory lock, a
    // replaced session's backend not yet gone): what they hold could still change it.
    parts.push(`SELECT 'pg_stat_activity' AS catalog, count(*)::int AS n, 0 AS written FROM pg_catalog.pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'`);
    parts.push(`SELECT 'pg_locks' AS catalog, count(*)::int AS n, 0 AS written FROM pg_catalog.pg_locks WHERE pid IS DISTINCT FROM pg_backend_pid() AND database = ${database}`);
    const countSql = parts.join('\nUNION ALL ');
    const counts = await client.query<{ catalog: string; n: number; written: number }>(countSql);
    return new CatalogBaseline(countSql, new Map(counts.rows.map((c) => [c.catalog, c.n])));
  }

  /** What changed since the baseline; empty when nothing did. */
  async changes(client: CatalogClient): Promise<CatalogChange[]> {
    const counts = await client.query<{ catalog: string; n: number; written: number }>(this.countSql);
    const changed: CatalogChange[] = [];
    for (const c of counts.rows) {
      const then = this.rows.get(c.catalog) ?? -1;
      if (c.n !== then || c.written > 0) changed.push({ catalog: c.catalog, rowsThen: then, rowsNow: c.n, written: c.written });
    }
    return changed;
  }
}
