// Public face of harness/footprint: what a step may touch, derived from its SQL (parsed by
// PostgreSQL's own parser) and the catalog, for the scheduler's partial-order reduction.
export { SQL_ANYTHING, footprintCovers, footprintsConflict, isRead } from './footprint.ts';
export type { Footprint } from './footprint.ts';
export { loadSqlCatalog } from './sql-catalog.ts';
export type { CatalogOptions, CatalogQuerier, SqlCatalog } from './sql-catalog.ts';
export { SqlFootprinter, isolationNamed, loadSqlParser } from './sql-footprint.ts';
export type { Isolation, TransactionEnd } from './sql-footprint.ts';
export { tablesNamed } from './tables-named.ts';
export { statementCount } from './sql-parse.ts';
