// What a failed check reports: which check, what it saw, and the rows at fault.

export interface Violation {
  /** The check: a built-in one (`no-deadlock`), `scenario:<name>` for a scenario's own check, or a plugin's. */
  readonly invariant: string;
  readonly message: string;
  /** Ids of the rows involved, when the check names them (reports highlight them). */
  readonly rows: readonly number[];
}
