// The databases the harness owns on a server: marked at creation, cloned from per-layer-set
// templates, reset between schedules with DELETE, and never anything else written to.
import pg from 'pg';
import { HarnessError } from '../errors/index.ts';
import { connectWithin, DEFAULT_RECONNECT_TIMEOUT_MS, isConnectionFault } from './connection-fault.ts';
import type { StartedPostgres } from './postgres-provider.ts';
import type { SqlFile } from './sql-file.ts';

export const DB_PREFIX = 'prh_';
export const DB_MARKER = 'position-race-harness: throwaway database, safe to drop';

/** A database this harness created; only `HarnessDatabases` makes one. */
export interface HarnessDatabase {
  readonly name: string;
  readonly url: string;
}

let counter = 0;

export class HarnessDatabases {
  private admin: pg.Client;
  private readonly created = new Set<string>();
  /** How long to wait for the server to come back when the maintenance session dies. */
  reconnectTimeoutMs = DEFAULT_RECONNECT_TIMEOUT_MS;
  private unreachable: unknown = null;

  private constructor(readonly server: StartedPostgres) {
    this.admin = HarnessDatabases.client(server);
  }

  private static client(server: StartedPostgres): pg.Client {
    const admin = new pg.Client({ connectionString: server.urlFor(server.maintenanceDatabase), application_name: 'prh-maintenance', connectionTimeoutMillis: 10_000 });
    // A server shutting down under us must surface as a failed query, not crash the process.
    admin.on('error', () => undefined);
    return admin;
  }

  static async open(server: StartedPostgres): Promise<HarnessDatabases> {
    const dbs = new HarnessDatabases(server);
    try {
      await dbs.admin.connect();
    } catch (e) {
      throw new HarnessError('E_DB_UNREACHABLE', `cannot connect to the ${server.kind} PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
    return dbs;
  }

  /**
   * A statement on the maintenance session; if its connection died (a terminated backend, a
   * restarted server), a new session is opened within the reconnect bound and the statement sent
   * again. Every statement here may be sent twice: `done` says whether a retry's error means the
   * first attempt had already succeeded.
   */
  private async adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[], done?: (e: unknown) => boolean): Promise<pg.QueryResult<R>> {
    try {
      return await this.admin.query<R>(text, values);
    } catch (e) {
      if (!isConnectionFault(e)) throw e;
      if (this.unreachable) throw this.unreachable;
      await this.admin.end().catch(() => undefined);
      this.admin = await connectWithin('maintenance session', async () => {
        const admin = HarnessDatabases.client(this.server);
        try {
          await admin.connect();
        } catch (err) {
          await admin.end().catch(() => undefined);
          throw err;
        }
        return admin;
      }, this.reconnectTimeoutMs).catch((err: unknown) => {
        // The server is gone: later statements (drops on the way out) fail at once, not after another wait.
        this.unreachable = err;
        throw err;
      });
      try {
        return await this.admin.query<R>(text, values);
      } catch (retryError) {
        if (done?.(retryError)) return { rows: [], rowCount: 0, command: '', oid: 0, fields: [] };
        throw retryError;
      }
    }
  }

  /** A fresh marked database holding `files` applied in order; the template of later clones. */
  async createTemplate(key: string, files: readonly SqlFile[]): Promise<HarnessDatabase> {
    const db = await this.createMarked(`${DB_PREFIX}tpl_${sanitize(key)}_${process.pid}_${++counter}`);
    const client = new pg.Client({ connectionString: db.url, application_name: 'prh-maintenance' });
    client.on('error', () => undefined);
    await client.connect();
    try {
      for (const f of files) {
        try {
          await client.query(f.sql);
        } catch (e) {
          // A lost connection says nothing about the migration: the caller may try again.
          if (isConnectionFault(e)) throw e;
          throw new HarnessError('E_MIGRATION', `${f.name} failed on ${db.name}: ${(e as Error).message}`, { cause: e });
        }
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    return db;
  }

  /** `CREATE DATABASE ... TEMPLATE` (about 25 ms): a worker's own copy of a template. */
  async clone(template: HarnessDatabase, label = 'w'): Promise<HarnessDatabase> {
    await this.assertOurs(template.name);
    return this.createMarked(`${DB_PREFIX}${sanitize(label)}_${process.pid}_${++counter}`, template.name);
  }

  /** A handle on an existing database, only if this harness created it. */
  async adopt(name: string): Promise<HarnessDatabase> {
    await this.assertOurs(name);
    return { name, url: this.server.urlFor(name) };
  }

  /** Throws E_DB_NOT_OURS unless `name` has the harness prefix and marker. */
  async assertOurs(name: string): Promise<void> {
    const r = await this.adminQuery<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [name],
    );
    const comment = r.rows[0]?.comment;
    if (!name.startsWith(DB_PREFIX) || comment !== DB_MARKER) {
      throw new HarnessError(
        'E_DB_NOT_OURS',
        `refusing to write to database '${name}': the harness did not create it (it only writes to databases named ${DB_PREFIX}* and marked by COMMENT ON DATABASE). Point DATABASE_URL at a server where the harness may CREATE DATABASE.`,
      );
    }
  }

  async drop(db: HarnessDatabase): Promise<void> {
    await this.assertOurs(db.name);
    await this.adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db.name)} WITH (FORCE)`);
    this.created.delete(db.name);
  }

  /**
   * Drops the databases another harness process created and left behind (it died): its clones
   * carry its pid in their names. Only marked databases are dropped.
   */
  async dropCreatedBy(pid: number): Promise<string[]> {
    const r = await this.adminQuery<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ ('^' || $1 || '.*_' || $2 || '_[0-9]+$')`, [DB_PREFIX, String(pid)]);
    const dropped: string[] = [];
    for (const { datname } of r.rows) {
      await this.drop({ name: datname, url: this.server.urlFor(datname) });
      dropped.push(datname);
    }
    return dropped;
  }

  /** Drops every database this instance created and closes the admin connection. */
  async close(): Promise<void> {
    for (const name of [...this.created].reverse()) {
      await this.admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`).catch(() => undefined);
    }
    this.created.clear();
    await this.admin.end().catch(() => undefined);
  }

  private async createMarked(name: string, template?: string): Promise<HarnessDatabase> {
    const ident = pg.escapeIdentifier(name);
    // 42P04 on a retry: the first attempt created it before its connection died (names are unique).
    await this.adminQuery(`CREATE DATABASE ${ident}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ''}`, undefined, (e) => (e as { code?: unknown }).code === '42P04');
    this.created.add(name);
    // A template's comment is not copied, so every database is marked on its own; a database
    // left unmarked would be one the harness itself refuses to drop.
    try {
      await this.adminQuery(`COMMENT ON DATABASE ${ident} IS ${pg.escapeLiteral(DB_MARKER)}`);
    } catch (e) {
      await this.adminQuery(`DROP DATABASE IF EXISTS ${ident}`).catch(() => undefined);
      this.created.delete(name);
      throw e;
    }
    return { name, url: this.server.urlFor(name) };
  }
}

function sanitize(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
}
