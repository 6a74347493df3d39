// What one command leaves to the next in the resident process: the server it connected to and the
// spec databases' manager, whose last database (checked unchanged, as between a command's specs)
// and sessions the next command's first spec gets.
import { SpecDatabases } from '../../isolation/index.ts';
import type { StartedPostgres } from '../../db/index.ts';

/** The keeping a command is given in the resident (CliIo.keep); a command in its own process has none. */
export interface KeptResources {
  /** The server for `key`, started by `start` the first time; the command must not stop it. */
  server(key: string, start: () => Promise<StartedPostgres>): Promise<StartedPostgres>;
  /** The spec databases' manager on a server `server()` gave (else null); the command must not close it. */
  specDatabases(server: StartedPostgres): Promise<SpecDatabases | null>;
}

export class ResidentKeep implements KeptResources {
  private current: { readonly key: string; readonly server: StartedPostgres; databases: SpecDatabases | null } | null = null;
  /** Where the kept server's notices go: the stderr of the command being run. */
  private notice: (line: string) => void = () => undefined;

  /** A command begins: notices go to its stderr from now on. */
  begin(notice: (line: string) => void): void {
    this.notice = notice;
  }

  async server(key: string, start: () => Promise<StartedPostgres>): Promise<StartedPostgres> {
    if (this.current?.key === key) return this.current.server;
    // Another server, or the same one reached otherwise (other credentials): nothing carries over.
    await this.close();
    const started = await start();
    const server: StartedPostgres = { ...started, notice: (line) => this.notice(line) };
    this.current = { key, server, databases: null };
    return server;
  }

  /**
   * Whether what is kept still serves (the server answers), within `withinMs`: a resident whose
   * server went away, or whose connections hang, ends instead of failing or stalling the next command.
   */
  async healthy(withinMs: number): Promise<boolean> {
    const databases = this.current?.databases;
    if (!databases) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), withinMs)));
    try {
      return await Promise.race([databases.reachable(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async specDatabases(server: StartedPostgres): Promise<SpecDatabases | null> {
    const c = this.current;
    if (!c || c.server !== server) return null;
    c.databases ??= await SpecDatabases.open(server);
    return c.databases;
  }

  /** Between commands: the next spec's database made (or the last one checked) before it is asked for. */
  async prepareNext(): Promise<void> {
    await this.current?.databases?.prepareNext().catch(() => undefined);
  }

  /** Drops the databases kept and lets the server go. */
  async close(): Promise<void> {
    const c = this.current;
    this.current = null;
    await c?.databases?.close().catch(() => undefined);
    await c?.server.stop().catch(() => undefined);
  }
}
