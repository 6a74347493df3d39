// The databases the harness owns on a server: marked at creation with their owner, cloned from
// per-layer-set templates, reset between schedules with DELETE, never anything else written to;
// dropped on every way out that runs code, and reclaimed by the next run when their owner died.
import pg from 'pg';
import { HarnessError } from '../errors/index.ts';
import { connectWithin, DEFAULT_RECONNECT_TIMEOUT_MS, describeFault, isConnectionFault } from './connection-fault.ts';
import { isMarked, LEASE_SECONDS, ownerComment, ownerState, parseOwner, RENEW_EVERY_MS, type DatabaseOwner } from './database-owner.ts';
import type { StartedPostgres } from './postgres-provider.ts';
import { registerCleanup } from './process-cleanup.ts';
import { thisProcess } from './process-identity.ts';
import type { SqlFile } from './sql-file.ts';

export const DB_PREFIX = 'prh_';

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
  /** Statements on the maintenance session, one at a time (pg deprecates queueing on a client). */
  private turn: Promise<unknown> = Promise.resolve();
  /** The server's clock minus ours, in seconds: leases are in the server's time. */
  private clockOffset = 0;
  private renewal: NodeJS.Timeout | undefined;
  private unregister: () => void = () => undefined;
  private closing: Promise<void> | undefined;

  private constructor(readonly server: StartedPostgres) {
    this.admin = HarnessDatabases.client(server);
  }

  private static client(server: StartedPostgres): pg.Client {
    const admin = new pg.Client({ connectionString: server.urlFor(server.maintenanceDatabase), application_name: 'prh-maintenance', connectionTimeoutMillis: 10_000 });
    // A server shutting down under us must surface as a failed query, not crash the process.
    admin.on('error', () => undefined);
    return admin;
  }

  /**
   * Connects to the server's maintenance database, and first drops what dead runs left there (one
   * notice line per dead run). Until `close()`, Ctrl-C and SIGTERM drop this instance's databases.
   */
  static async open(server: StartedPostgres): Promise<HarnessDatabases> {
    const dbs = new HarnessDatabases(server);
    try {
      await dbs.admin.connect();
    } catch (e) {
      throw new HarnessError('E_DB_UNREACHABLE', `cannot connect to the ${server.kind} PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
    try {
      await dbs.reclaim();
    } catch (e) {
      await dbs.admin.end().catch(() => undefined);
      throw e;
    }
    dbs.unregister = registerCleanup(() => dbs.close(), () => undefined);
    dbs.renewal = setInterval(() => void dbs.renewLeases(), RENEW_EVERY_MS);
    dbs.renewal.unref();
    return dbs;
  }

  private notice(line: string): void {
    this.server.notice?.(line);
  }

  /** The owner mark of a database created now. */
  private mark(): string {
    return ownerComment({ ...thisProcess(), lease: Date.now() / 1000 + this.clockOffset + LEASE_SECONDS });
  }

  /**
   * Drops the marked databases whose owner is dead: on this host, a process that no longer runs (or
   * a reused pid); from another host, an expired lease. A live run's databases are never touched,
   * nor a database without an owner line (made by an older harness: nobody can tell).
   */
  private async reclaim(): Promise<void> {
    const r = await this.adminQuery<{ now: number; dbs: { name: string; comment: string | null }[] }>(
      `SELECT extract(epoch FROM now())::float8 AS now,
              coalesce(json_agg(json_build_object('name', datname, 'comment', shobj_description(oid, 'pg_database'))) FILTER (WHERE datname LIKE 'prh\\_%'), '[]') AS dbs
         FROM pg_database`,
    );
    const row = r.rows[0];
    if (!row) return;
    this.clockOffset = row.now - Date.now() / 1000;
    const me = thisProcess();
    const dead = new Map<string, { owner: DatabaseOwner; names: string[] }>();
    for (const db of row.dbs) {
      const owner = parseOwner(db.comment);
      if (!owner || !db.name.startsWith(DB_PREFIX) || ownerState(owner, me, row.now) !== 'dead') continue;
      const key = `${owner.host}/${owner.pid}/${owner.started}`;
      const entry = dead.get(key) ?? { owner, names: [] };
      entry.names.push(db.name);
      dead.set(key, entry);
    }
    for (const { owner, names } of dead.values()) {
      let dropped = 0;
      const refused: string[] = [];
      for (const name of names) {
        try {
          await this.adminQuery(`DROP DATABASE ${pg.escapeIdentifier(name)} WITH (FORCE)`, undefined, (e) => codeOf(e) === '3D000');
          dropped++;
        } catch (e) {
          // Dropped meanwhile by another run reclaiming it too; or not this role's to drop.
          if (codeOf(e) !== '3D000') refused.push(`${name} (${describeFault(e)})`);
        }
      }
      const whose = `a run that died (pid ${owner.pid}${owner.host === me.host ? '' : ` on ${owner.hostname}, lease expired`})`;
      if (dropped > 0) this.notice(`reclaimed ${dropped} database${dropped === 1 ? '' : 's'} left by ${whose}`);
      if (refused.length > 0) this.notice(`could not reclaim ${refused.length} database${refused.length === 1 ? '' : 's'} left by ${whose}: ${refused.join(', ')}`);
    }
  }

  /** Extends the lease of every database this instance created (they outlive a lapse of renewal by LEASE_SECONDS). */
  private async renewLeases(): Promise<void> {
    for (const name of this.created) {
      if (this.closing) return;
      await this.adminQuery(`COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS ${pg.escapeLiteral(this.mark())}`).catch(() => undefined);
    }
  }

  /**
   * A statement on the maintenance session; if its connection died (a terminated backend, a
   * restarted server), a new session is opened within the reconnect bound and the statement sent
   * again. Every statement here may be sent twice: `done` says whether a retry's error means the
   * first attempt had already succeeded.
   */
  private adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[], done?: (e: unknown) => boolean): Promise<pg.QueryResult<R>> {
    const mine = this.turn.then(() => this.adminQueryNow<R>(text, values, done));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async adminQueryNow<R extends pg.QueryResultRow>(text: string, values?: unknown[], done?: (e: unknown) => boolean): Promise<pg.QueryResult<R>> {
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
        if (done?.(retryError)) return { rows: [], rowCount: 0, command: '', oid: 0, fields: [] } as unknown as pg.QueryResult<R>;
        throw retryError;
      }
    }
  }

  /** A fresh marked database holding `files` applied in order; the template of later clones. */
  async createTemplate(key: string, files: readonly SqlFile[]): Promise<HarnessDatabase> {
    const db = await this.createMarked(`${DB_PREFIX}tpl_${sanitize(key)}_${process.pid}_${++counter}`);
    // A connection to a new database pays for building its catalog caches: none when nothing is applied.
    if (files.length === 0) return db;
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
    if (!name.startsWith(DB_PREFIX) || !isMarked(comment)) {
      throw new HarnessError(
        'E_DB_NOT_OURS',
        `refusing to write to database '${name}': the harness did not create it (it only writes to databases named ${DB_PREFIX}* and marked by COMMENT ON DATABASE). Point DATABASE_URL at a server where the harness may CREATE DATABASE.`,
      );
    }
  }

  /** Whether the maintenance session answers (reconnecting if it must); false once the server was given up on. */
  async reachable(): Promise<boolean> {
    try {
      await this.adminQuery('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async drop(db: HarnessDatabase): Promise<void> {
    await this.assertOurs(db.name);
    await this.adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db.name)} WITH (FORCE)`);
    this.created.delete(db.name);
  }

  /**
   * Drops the databases another harness process of this host created and left behind (a worker
   * that died). Only databases marked with that owner are dropped.
   */
  async dropCreatedBy(pid: number): Promise<string[]> {
    const me = thisProcess();
    const r = await this.adminQuery<{ datname: string; comment: string | null }>(
      `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE 'prh\\_%'`,
    );
    const dropped: string[] = [];
    for (const { datname, comment } of r.rows) {
      const owner = parseOwner(comment);
      if (!owner || owner.host !== me.host || owner.pid !== pid || pid === me.pid) continue;
      await this.drop({ name: datname, url: this.server.urlFor(datname) });
      dropped.push(datname);
    }
    return dropped;
  }

  /**
   * Drops every database this instance created and closes the admin connection. A drop whose
   * connection died is sent again on a new one (the server restarted); what still cannot be
   * dropped is named in a notice, and the next run on the server reclaims it.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    clearInterval(this.renewal);
    this.unregister();
    if (this.unreachable) await this.reconnectOnce();
    const failed: string[] = [];
    let lastError: unknown;
    for (const name of [...this.created].reverse()) {
      try {
        await this.dropOwn(name);
      } catch (e) {
        failed.push(name);
        lastError = e;
      }
    }
    await this.turn;
    await this.admin.end().catch(() => undefined);
    if (failed.length > 0) {
      this.notice(`could not drop ${failed.length} database${failed.length === 1 ? '' : 's'} (${failed.join(', ')}): ${describeFault(lastError)}; the next run on this server drops them`);
    }
  }

  /** The run gave up on the server (it did not come back in time); it may be back by now: one try, no wait. */
  private async reconnectOnce(): Promise<void> {
    const admin = HarnessDatabases.client(this.server);
    try {
      await admin.connect();
    } catch {
      await admin.end().catch(() => undefined);
      return;
    }
    await this.admin.end().catch(() => undefined);
    this.admin = admin;
    this.unreachable = null;
  }

  /** DROP of a database this instance created (sent again on a new session if the connection died). */
  private async dropOwn(name: string): Promise<void> {
    await this.adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    this.created.delete(name);
  }

  private async createMarked(name: string, template?: string): Promise<HarnessDatabase> {
    if (this.closing) throw new HarnessError('E_CONNECTION_LOST', `not creating database ${name}: the harness is closing its databases`);
    const ident = pg.escapeIdentifier(name);
    // 42P04 on a retry: the first attempt created it before its connection died (names are unique).
    const strategy = this.server.copiesFiles ? ' STRATEGY FILE_COPY' : '';
    await this.adminQuery(`CREATE DATABASE ${ident}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ''}${strategy}`, undefined, (e) => codeOf(e) === '42P04');
    this.created.add(name);
    // A template's comment is not copied, so every database is marked on its own; a database
    // left unmarked would be one the harness itself refuses to drop.
    try {
      await this.adminQuery(`COMMENT ON DATABASE ${ident} IS ${pg.escapeLiteral(this.mark())}`);
    } catch (e) {
      await this.adminQuery(`DROP DATABASE IF EXISTS ${ident}`).catch(() => undefined);
      this.created.delete(name);
      throw e;
    }
    // Closed while it was being made (Ctrl-C): the close did not see it, so drop it here.
    if (this.closing) {
      await this.dropOwn(name).catch(() => undefined);
      throw new HarnessError('E_CONNECTION_LOST', `database ${name} was dropped as soon as made: the harness is closing its databases`);
    }
    return { name, url: this.server.urlFor(name) };
  }
}

function codeOf(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

function sanitize(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
}
