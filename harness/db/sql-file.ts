// A SQL file applied to a template database: a variant's schema and migrations, in order.

export interface SqlFile {
  /** Shown in errors and reports, e.g. `schema/001_positions.sql`. */
  readonly name: string;
  readonly sql: string;
}
