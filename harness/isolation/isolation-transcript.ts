// The isolation tester's output as data: one entry per thing it prints, in its order. The
// runner produces entries; isolation-output renders them as the tester's text.

/** A result set as PostgreSQL sends it in text form: column names and values (`null` for NULL). */
export interface ResultSet {
  readonly fields: readonly string[];
  readonly rows: readonly (readonly (string | null)[])[];
}

export type TranscriptEntry =
  /** `Parsed test spec with N sessions` — the first line of every output. */
  | { readonly kind: 'parsed'; readonly sessions: number }
  /** `starting permutation: a b c` (preceded by an empty line). */
  | { readonly kind: 'permutation'; readonly steps: readonly string[] }
  /** `step a: <sql>`, with ` <waiting ...>` when it was seen waiting (or held back by a marker). */
  | { readonly kind: 'step'; readonly step: string; readonly sql: string; readonly waiting: boolean }
  /** `step a: <... completed>`: a step reported waiting has completed. */
  | { readonly kind: 'completed'; readonly step: string }
  | { readonly kind: 'result-set'; readonly result: ResultSet }
  /** `ERROR:  <primary message>` (the tester leaves out DETAIL, which may hold transaction ids). */
  | { readonly kind: 'error'; readonly severity: string; readonly message: string }
  /** `<session>: NOTICE:  <message>`, as libpq formats a notice, prefixed by the session name. */
  | { readonly kind: 'notice'; readonly session: string; readonly severity: string; readonly message: string; readonly detail?: string; readonly hint?: string }
  /** `<session>: NOTIFY "<channel>" with payload "<payload>" from <sender>`. */
  | { readonly kind: 'notify'; readonly session: string; readonly channel: string; readonly payload: string; readonly from: string }
  /**
   * Where the isolation tester would stop the whole test (a setup that fails, steps that block
   * each other for good), the harness writes one line and goes on with the next permutation.
   */
  | { readonly kind: 'failure'; readonly message: string };

/** What one query of a step (or of a setup or teardown block) returned, in order. */
export type QueryOutput = { readonly kind: 'result-set'; readonly result: ResultSet } | { readonly kind: 'error'; readonly severity: string; readonly message: string };
