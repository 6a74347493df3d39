// Public face of harness/errors.
export { HarnessError, INFRASTRUCTURE_ERROR_CODES, INPUT_ERROR_CODES, unknownName } from './harness-error.ts';
export type { HarnessErrorCode } from './harness-error.ts';
