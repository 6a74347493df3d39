// One error type for the harness: a stable code to branch on and a message that says what to do.

export type HarnessErrorCode =
  | 'E_DB_NOT_OURS'
  | 'E_DB_UNREACHABLE'
  | 'E_DB_PERMISSION'
  | 'E_DB_START'
  | 'E_NO_CONTAINER_RUNTIME'
  | 'E_UNKNOWN_PROVIDER'
  | 'E_UNKNOWN_LAYER'
  | 'E_LAYER_CONFLICT'
  | 'E_UNKNOWN_SCENARIO'
  | 'E_UNKNOWN_STRATEGY'
  | 'E_UNKNOWN_FORMAT'
  | 'E_SCHEDULE_PARSE'
  | 'E_SCHEDULE_DIVERGED'
  | 'E_BAD_ARGUMENT'
  | 'E_MIGRATION'
  | 'E_CONNECTION_LOST'
  | 'E_FAULT_NOT_REPRODUCED'
  | 'E_HANG'
  | 'E_WORKER_DIED'
  | 'E_BAD_SCENARIO'
  | 'E_SCENARIO_CODE'
  | 'E_SPEC_PARSE'
  | 'E_SPEC_UNSUPPORTED'
  | 'E_SPEC_SETUP';

/** Codes that mean the user's input was wrong: the CLI exits 2 on them. */
export const INPUT_ERROR_CODES: ReadonlySet<HarnessErrorCode> = new Set([
  'E_DB_NOT_OURS',
  'E_DB_UNREACHABLE',
  // A --database-url whose role may not create databases.
  'E_DB_PERMISSION',
  'E_NO_CONTAINER_RUNTIME',
  'E_UNKNOWN_PROVIDER',
  'E_UNKNOWN_LAYER',
  'E_LAYER_CONFLICT',
  'E_UNKNOWN_SCENARIO',
  'E_UNKNOWN_STRATEGY',
  'E_UNKNOWN_FORMAT',
  'E_SCHEDULE_PARSE',
  // A --replay string recorded on another scenario, layer set or version of the code.
  'E_SCHEDULE_DIVERGED',
  'E_BAD_ARGUMENT',
  // A scenario file or definition that cannot run (no scenario exported, a bad SQLSTATE, ...).
  'E_BAD_SCENARIO',
  // An isolation spec that does not parse, asks for what the harness cannot run, or whose setup fails.
  'E_SPEC_PARSE',
  'E_SPEC_UNSUPPORTED',
  'E_SPEC_SETUP',
]);

/**
 * Codes of infrastructure faults (the server, a connection, a worker process): the run could not
 * finish every cell. The CLI writes the reports of what finished and exits 4 on them.
 */
export const INFRASTRUCTURE_ERROR_CODES: ReadonlySet<HarnessErrorCode> = new Set([
  'E_DB_START',
  'E_CONNECTION_LOST',
  'E_FAULT_NOT_REPRODUCED',
  'E_HANG',
  'E_WORKER_DIED',
]);

export class HarnessError extends Error {
  constructor(
    readonly code: HarnessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HarnessError';
  }
}

/** "unknown layer 'x'; valid: a, b, c" — the shape of every bad-name error. */
export function unknownName(code: HarnessErrorCode, what: string, name: string, valid: Iterable<string>): HarnessError {
  const plural = what.endsWith('y') ? `${what.slice(0, -1)}ies` : `${what}s`;
  return new HarnessError(code, `unknown ${what} '${name}'; valid ${plural}: ${[...valid].join(', ')}`);
}
