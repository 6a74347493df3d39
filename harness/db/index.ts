// Public face of harness/db: providers, the harness's own databases, schema files.
export { chooseProvider, PROVIDER_NAMES } from './choose-provider.ts';
export type { ProviderChoice } from './choose-provider.ts';
export { EmbeddedPostgresProvider } from './embedded-provider.ts';
export type { EmbeddedOptions } from './embedded-provider.ts';
export { BIN_CACHE_PREFIX, copyOnce, runnableBy } from './reachable-binaries.ts';
export type { ServerBinaries, ServerUser } from './reachable-binaries.ts';
export { UrlPostgresProvider } from './url-provider.ts';
export { TestcontainersPostgresProvider } from './testcontainers-provider.ts';
export { THROWAWAY_SERVER_SETTINGS } from './postgres-provider.ts';
export type { PostgresProvider, ProviderKind, StartedPostgres } from './postgres-provider.ts';
export { HarnessDatabases, DB_MARKER, DB_PREFIX } from './harness-databases.ts';
export type { HarnessDatabase } from './harness-databases.ts';
export type { SqlFile } from './sql-file.ts';
export { connectWithin, describeFault, isConnectionFault, DEFAULT_RECONNECT_TIMEOUT_MS } from './connection-fault.ts';
export { isShuttingDown, registerCleanup, stopAllResources } from './process-cleanup.ts';
export { describeSchemaTables, finalStateSql } from './schema-tables.ts';
export type { CatalogClient, SchemaTables, TableInfo } from './schema-tables.ts';
