// Public face of harness/check: the checks every scenario can use, and what a failed check reports.
export { BUILTIN_CHECK_IDS, SQL_STEPS_CHECK, checkBuiltins } from './builtin-checks.ts';
export type { ActorEnding, BuiltinCheckId, RunEnd } from './builtin-checks.ts';
export type { Violation } from './violation.ts';
