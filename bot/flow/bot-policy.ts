// The decision points of the position flow as data. The baseline policy is the code before
// any fix; each fix layer (bot/layers) overrides some fields.
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

/**
 * What the Signal flow does when `createPosition` returns a row that was already open (Option 3's
 * "return existing id"): the plan's flow uses it and still places its own entry order; the fix
 * refuses the Signal before any order (PositionAlreadyOpenError).
 */
export type ExistingPosition = 'reuse-id' | 'refuse-signal';

/**
 * One flow per (symbol, exchange) at a time: `session` takes pg_advisory_lock on the key that
 * createPosition already uses, at session level, and holds it across the flow's exchange calls —
 * the Signal from its create to its activation or the end of its rollback, a close and a quantity
 * add around their read-trade-write; the synchroniser try-locks each symbol and skips a busy one.
 */
export type SymbolLock = 'none' | 'session';

/**
 * How the synchroniser reconciles: `snapshot` (the plan's) lists the exchange once and acts on it
 * for every symbol; `per-symbol` re-reads the exchange and the symbol's open row just before it
 * imports or closes, one symbol at a time (under the symbol lock when there is one).
 */
export type SyncReconcile = 'snapshot' | 'per-symbol';

/** How a quantity add writes: the read value plus n (`absolute`, read-modify-write) or `quantity = quantity + n`. */
export type QuantityWrite = 'absolute' | 'delta';

/** The transactions' isolation level; `serializable` retries 40001/40P01 up to `attempts` times. */
export type Isolation = { readonly level: 'read-committed' } | { readonly level: 'serializable'; readonly attempts: number };

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
  readonly existingPosition: ExistingPosition;
  readonly symbolLock: SymbolLock;
  readonly syncReconcile: SyncReconcile;
  /**
   * Statuses a manual close and a quantity add act on: `open-lookup` = whatever getOpenPosition
   * sees (the plan's callers share it, so Layer 1 widens them too); `active` = settled rows only.
   */
  readonly actOnStatuses: 'open-lookup' | 'active';
  readonly quantityWrite: QuantityWrite;
  /** Read-modify-write sites (close, quantity add) read the row FOR UPDATE in one transaction with the write. */
  readonly rowLock: 'none' | 'for-update';
  readonly isolation: Isolation;
  /**
   * Option 6: where a read-modify-write gets the version its UPDATE is conditional on — just
   * before the UPDATE (`before-update`, as the plan writes it, which detects nothing) or in the
   * same SELECT as the values it changes (`with-row`). Only read when updateMode is `optimistic`.
   */
  readonly versionRead: 'before-update' | 'with-row';
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
  existingPosition: 'reuse-id',
  symbolLock: 'none',
  syncReconcile: 'snapshot',
  actOnStatuses: 'open-lookup',
  quantityWrite: 'absolute',
  rowLock: 'none',
  isolation: { level: 'read-committed' },
  versionRead: 'before-update',
};
