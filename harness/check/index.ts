// Public face of harness/check: the invariants and the state they read.
export { INVARIANTS, INVARIANT_IDS, checkInvariants } from '../../bot/invariants/invariants.ts';
export type { Invariant, InvariantId, Violation } from '../../bot/invariants/invariants.ts';
export { isOpen, observeState } from '../../bot/invariants/observed-state.ts';
export type { ActorEnd, HistoryEntry, ObservedRow, ObservedState, Queryable } from '../../bot/invariants/observed-state.ts';
export { BUILTIN_CHECK_IDS, SQL_STEPS_CHECK, checkBuiltins } from './builtin-checks.ts';
export type { ActorEnding, BuiltinCheckId, RunEnd } from './builtin-checks.ts';
