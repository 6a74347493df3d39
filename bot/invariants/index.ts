// Public face of bot/invariants: the six position invariants and the state they read.
export { INVARIANTS, INVARIANT_IDS, checkInvariants } from './invariants.ts';
export type { Invariant, InvariantId, PositionViolation } from './invariants.ts';
export { isOpen, observeState } from './observed-state.ts';
export type { ActorEnd, HistoryEntry, ObservedRow, ObservedState, Queryable } from './observed-state.ts';
