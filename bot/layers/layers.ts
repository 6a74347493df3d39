// Every option and problem fix of the plan as one entry of a typed map (STYLE section 6).
import { OPEN_STATUSES } from '../flow/index.ts';
import type { FixLayer } from './fix-layer.ts';

export const LAYERS = {
  baseline: {
    id: 'baseline',
    seedOption: '—',
    title: 'The code before any fix',
    addresses: [],
    policy: {},
    schema: {},
    claimedEffectiveness: null,
  },
  'check-open-statuses': {
    id: 'check-open-statuses',
    seedOption: 'Option 3 / Layer 1',
    title: 'Existence checks in createPosition and Sync cover all open statuses',
    addresses: [2, 6],
    policy: { createCheckStatuses: OPEN_STATUSES, openLookupStatuses: OPEN_STATUSES },
    schema: {},
    claimedEffectiveness: 90,
  },
  'open-status-index': {
    id: 'open-status-index',
    seedOption: 'Option 2 / Layer 2 (migration 008)',
    title: 'Unique index over all open statuses',
    addresses: [1],
    policy: {},
    schema: { uniqueIndex: 'open-statuses' },
    claimedEffectiveness: 95,
  },
  'safe-activation': {
    id: 'safe-activation',
    seedOption: 'Option 4 / Layer 3',
    title: 'Defensive check before the final UPDATE, rollback on duplicate',
    addresses: [1],
    policy: { activation: 'safe' },
    schema: {},
    claimedEffectiveness: 85,
  },
  'full-unique-index': {
    id: 'full-unique-index',
    seedOption: 'Option 1',
    title: 'Unique index without WHERE (breaks re-opening a closed symbol)',
    addresses: [1],
    policy: {},
    schema: { uniqueIndex: 'full' },
    claimedEffectiveness: 100,
  },
  'single-transaction': {
    id: 'single-transaction',
    seedOption: 'Option 5',
    title: 'Advisory xact lock held from create to activation',
    addresses: [4],
    policy: { flowTransaction: 'single' },
    schema: {},
    claimedEffectiveness: 100,
  },
  'optimistic-locking': {
    id: 'optimistic-locking',
    seedOption: 'Option 6',
    title: 'version column, conditional UPDATE',
    addresses: [3],
    policy: { updateMode: 'optimistic' },
    schema: { versionColumn: true },
    claimedEffectiveness: null,
  },
  'locked-update': {
    id: 'locked-update',
    seedOption: 'Problem #3',
    title: 'UPDATE under the advisory lock',
    addresses: [3],
    policy: { updateMode: 'advisory-locked' },
    schema: {},
    claimedEffectiveness: null,
  },
  'poll-settlement': {
    id: 'poll-settlement',
    seedOption: 'Problem #5',
    title: 'Poll the entry order instead of a fixed 3 s sleep',
    addresses: [5],
    policy: { settlement: { kind: 'poll', intervalMs: 250, maxAttempts: 20 } },
    schema: {},
    claimedEffectiveness: null,
  },
  'refuse-open-signal': {
    id: 'refuse-open-signal',
    seedOption: 'beyond the plan',
    title: 'A Signal whose createPosition finds an open row is refused before any order',
    addresses: [2],
    policy: { existingPosition: 'refuse-signal' },
    schema: {},
    claimedEffectiveness: null,
    motivation: {
      race: 'a second Signal for a symbol with an open row gets the existing id and still places its own entry order: exposure doubled',
      replay: 'signal-signal@check-open-statuses:0x12-1x11',
    },
  },
  'symbol-flow-lock': {
    id: 'symbol-flow-lock',
    seedOption: 'beyond the plan',
    title: 'One flow per (symbol, exchange): a session advisory lock held over each flow on a connection of its own; Sync try-locks each symbol, skips a busy one and re-reads the rest',
    addresses: [3, 4, 6],
    policy: { symbolLock: 'session', syncReconcile: 'per-symbol' },
    schema: {},
    claimedEffectiveness: null,
    motivation: {
      race: 'Sync imports a position a rolling-back Signal is closing (and closes a row from a stale listing); a close or a quantity add acts on a flow in progress',
      replay: 'stop-loss-rollback@recommended:0x10-1-0x2-1x7',
    },
  },
  'sync-per-symbol': {
    id: 'sync-per-symbol',
    seedOption: 'beyond the plan',
    title: 'Sync re-reads each symbol (its open row, then the exchange) just before it imports or closes; no lock',
    addresses: [6],
    policy: { syncReconcile: 'per-symbol' },
    schema: {},
    claimedEffectiveness: null,
    motivation: {
      race: "Sync closes a fresh row because its one exchange listing predates the row's entry",
      replay: 'sync-closes-inflight@recommended:0x5-1-0x8-1x2',
    },
  },
  'close-settled-only': {
    id: 'close-settled-only',
    seedOption: 'beyond the plan',
    title: "A manual close and a quantity add act on 'active' rows only, not on a flow in progress",
    addresses: [6],
    policy: { actOnStatuses: 'active' },
    schema: {},
    claimedEffectiveness: null,
    motivation: {
      race: "with Layer 1 a close finds a half-open row and closes it under the Signal, which then activates it",
      replay: 'close-while-opening@recommended:0x12-1x3-0',
    },
  },
  'quantity-delta': {
    id: 'quantity-delta',
    seedOption: 'beyond the plan',
    title: 'A quantity add writes quantity = quantity + n instead of the value it read plus n',
    addresses: [3],
    policy: { quantityWrite: 'delta' },
    schema: {},
    claimedEffectiveness: null,
    motivation: {
      race: 'two adds read the same quantity and the second write overwrites the first (lost update)',
      replay: 'lost-update@recommended:0x2-1-0-1x2',
    },
  },
  serializable: {
    id: 'serializable',
    seedOption: 'beyond the plan (isolation level)',
    title: 'Every transaction at SERIALIZABLE, retried on 40001/40P01 up to 3 attempts',
    addresses: [3, 4],
    policy: { isolation: { level: 'serializable', attempts: 3 } },
    schema: {},
    claimedEffectiveness: null,
    notInDefaultMatrix:
      'at SERIALIZABLE any commit may fail any concurrent transaction, so every step depends on every other and its exhaustive searches reach the budget (minutes per cell); `--layers serializable` measures it',
  },
  'select-for-update': {
    id: 'select-for-update',
    seedOption: 'beyond the plan (row lock)',
    title: 'A close and a quantity add read the row FOR UPDATE in one transaction with their trade and write',
    addresses: [3],
    policy: { rowLock: 'for-update' },
    schema: {},
    claimedEffectiveness: null,
  },
} as const satisfies Record<string, FixLayer>;

export type LayerId = keyof typeof LAYERS;

/** Named layer sets. */
export const NAMED_SETS = {
  /** The plan's three-layer defence: Layers 1 + 2 + 3. */
  recommended: { layers: ['check-open-statuses', 'open-status-index', 'safe-activation'], claimedEffectiveness: 95 },
  /** The smallest set measured to hold on every scenario (README "What to ship"). */
  proposed: { layers: ['check-open-statuses', 'symbol-flow-lock', 'refuse-open-signal'], claimedEffectiveness: null },
  /** The per-race alternative to the symbol lock, measured and not kept (README "What to ship"). */
  targeted: {
    layers: ['check-open-statuses', 'refuse-open-signal', 'sync-per-symbol', 'close-settled-only', 'quantity-delta'],
    claimedEffectiveness: null,
  },
} as const satisfies Record<string, { layers: readonly LayerId[]; claimedEffectiveness: number | null }>;

export type NamedSetId = keyof typeof NAMED_SETS;
