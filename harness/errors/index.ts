// Public face of harness/errors.
export { HarnessError, INPUT_ERROR_CODES, unknownName } from './harness-error.ts';
export type { HarnessErrorCode } from './harness-error.ts';
