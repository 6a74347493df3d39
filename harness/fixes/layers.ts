// Every option and problem fix of the plan as one entry of a typed map (STYLE section 6).
import { OPEN_STATUSES } from '../bot/index.ts';
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
} as const satisfies Record<string, FixLayer>;

export type LayerId = keyof typeof LAYERS;

/** Named layer sets. */
export const NAMED_SETS = {
  /** The plan's three-layer defence: Layers 1 + 2 + 3. */
  recommended: { layers: ['check-open-statuses', 'open-status-index', 'safe-activation'], claimedEffectiveness: 95 },
} as const satisfies Record<string, { layers: readonly LayerId[]; claimedEffectiveness: number }>;

export type NamedSetId = keyof typeof NAMED_SETS;
