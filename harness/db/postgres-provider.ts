// The provider port (testcontainers' lifecycle shape): configure → start() → a started server
// that hands out connection URLs and stops once.

export type ProviderKind = 'url' | 'embedded' | 'testcontainers';

export interface StartedPostgres {
  readonly kind: ProviderKind;
  /** Connection URL of `database` on this server. */
  urlFor(database: string): string;
  /** The database the harness connects to for CREATE/DROP DATABASE; never written to. */
  readonly maintenanceDatabase: string;
  /** Stops what the provider started (nothing for `url`); safe to call twice. */
  stop(): Promise<void>;
  /** Where one-line notices go (leftovers of dead runs reclaimed); none when absent. */
  readonly notice?: (line: string) => void;
  /**
   * A server of the harness's own that does not sync to disk (THROWAWAY_SERVER_SETTINGS):
   * CREATE DATABASE copies the template's files (STRATEGY FILE_COPY, a tenth of the default's
   * time there), whose checkpoints cost nothing on it. Never on a server the harness was pointed
   * at: there, they would flush the whole server's buffers.
   */
  readonly copiesFiles?: boolean;
}

export interface PostgresProvider {
  readonly kind: ProviderKind;
  start(): Promise<StartedPostgres>;
}

/** Server settings for throwaway clusters (DESIGN section 4): durability off, no autovacuum blockers. */
export const THROWAWAY_SERVER_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  autovacuum: 'off',
  // PostgreSQL breaks a lock cycle after this long, and the first waiter's check decides the
  // victim only if the cycle is complete by then: long enough that a loaded machine still
  // completes it in time (the victim is then the same on every replay), short enough to wait for.
  deadlock_timeout: '200ms',
  max_connections: '300',
};
