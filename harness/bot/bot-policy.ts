// The decision points of the position flow as data. The baseline policy is the code before
// any fix; each fix layer (harness/fixes) overrides some fields.
import type { PositionStatus } from './position-status.ts';

/** How `updatePosition` writes (Problem #3 and Option 6). */
export type UpdateMode =
  /** Baseline: a plain autocommit UPDATE, no lock (repository.py:545-589). */
  | 'autocommit'
  /** Problem #3 fix: the UPDATE runs in a transaction under the position's advisory lock. */
  | 'advisory-locked'
  /** Option 6: read `version`, then `UPDATE ... WHERE id = $ AND version = $`; no row → conflict. */
  | 'optimistic';

/** How the flow waits for the entry order to settle (Problem #5). */
export type SettlementWait =
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'poll'; readonly intervalMs: number; readonly maxAttempts: number };

export interface BotPolicy {
  /** Statuses the existence check of `createPosition` covers (Problem #2; Option 3 widens it). */
  readonly createCheckStatuses: readonly PositionStatus[];
  /** Statuses `getOpenPosition` and the synchroniser see (Problem #6; Option 3 widens it). */
  readonly openLookupStatuses: readonly PositionStatus[];
  /**
   * Statuses the synchroniser's close pass reconciles against the exchange. No option of the
   * plan changes it: Option 3 names the existence check, not the close pass.
   */
  readonly reconcileStatuses: readonly PositionStatus[];
  /** Final step to `active`: plain UPDATE, or Option 4's `_safe_activate_position`. */
  readonly activation: 'plain' | 'safe';
  /** Problem #4 / Option 5: one transaction per step, or one held from create to activation. */
  readonly flowTransaction: 'per-step' | 'single';
  readonly updateMode: UpdateMode;
  readonly settlement: SettlementWait;
}

/** The bot before any fix, as the plan describes it. */
export const BASELINE_POLICY: BotPolicy = {
  createCheckStatuses: ['active'],
  openLookupStatuses: ['active'],
  reconcileStatuses: ['active'],
  activation: 'plain',
  flowTransaction: 'per-step',
  updateMode: 'autocommit',
  settlement: { kind: 'sleep', ms: 3000 },
};
