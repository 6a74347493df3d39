// The position state machine of the plan: pending_entry → entry_placed → pending_sl → active → closed,
// and rolled_back on failure.

export const POSITION_STATUSES = ['pending_entry', 'entry_placed', 'pending_sl', 'active', 'closed', 'rolled_back'] as const;
export type PositionStatus = (typeof POSITION_STATUSES)[number];

/** Statuses in which a position is open: the plan's Option 2 / Option 3 list. */
export const OPEN_STATUSES: readonly PositionStatus[] = ['active', 'entry_placed', 'pending_sl', 'pending_entry'];

/**
 * Transitions the flow may make; `null` is the insert. pending_entry → active is Option 5's
 * flow, which updates once inside its single transaction.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<PositionStatus | 'null', readonly PositionStatus[]>> = {
  null: ['pending_entry', 'active'],
  pending_entry: ['entry_placed', 'active', 'rolled_back', 'closed'],
  entry_placed: ['pending_sl', 'rolled_back', 'closed'],
  pending_sl: ['active', 'rolled_back', 'closed'],
  active: ['closed', 'rolled_back'],
  closed: [],
  rolled_back: [],
};

export function isOpenStatus(s: string): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(s);
}
