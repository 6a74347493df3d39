// Public face of harness/ports: what the engine drives and actors' code is written against — a SQL
// session, a clock, and services (any outside system an actor calls, gated step by step).
export type { Clock } from './clock.ts';
export { isSqlStateError, runInTransaction } from './sql-client.ts';
export type { SqlClient, SqlResult, SqlRow, SqlSession, SqlStateError } from './sql-client.ts';
export type { HttpServiceFace, ServiceAccess, ServiceDefinition, ServiceProvider } from './service.ts';
