// resolveLayerSet composes the plan's layers into one policy and one list of migrations: every
// layer and non-conflicting pair resolves, conflicts and unknown names are errors naming the layers.
import { describe, expect, it } from 'vitest';
import { BASELINE_POLICY, OPEN_STATUSES, type BotPolicy } from '../../flow/index.ts';
import { schemaFiles } from '../../flow/index.ts';
import { migrationFile } from '../../layers/index.ts';
import { LAYERS, NAMED_SETS, layerNames, resolveLayerSet, type FixLayer, type LayerId } from '../../layers/index.ts';
import { parseReplayTarget } from '../../../harness/sched/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { harnessErrorOf } from '../../../test/support/harness-error-of.ts';

const LAYER_IDS = Object.keys(LAYERS) as LayerId[];
const CONFLICTS: readonly (readonly [LayerId, LayerId])[] = [
  ['open-status-index', 'full-unique-index'],
  ['optimistic-locking', 'locked-update'],
];
const conflicting = (a: LayerId, b: LayerId) => CONFLICTS.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
const PAIRS = LAYER_IDS.flatMap((a, i) => LAYER_IDS.slice(i + 1).map((b) => [a, b] as const));

const sqlNames = (spec: string) => resolveLayerSet(spec).sqlFiles.map((f) => f.name);
const schemaNames = schemaFiles().map((f) => f.name);

describe('resolveLayerSet: single layers', () => {
  it.each(LAYER_IDS)('%s resolves to itself, its own claimed effectiveness and the schema files first', (id) => {
    const set = resolveLayerSet(id);
    expect(set.id).toBe(id);
    expect(set.layers.map((l) => l.id)).toEqual([id]);
    expect(set.claimedEffectiveness).toBe(LAYERS[id].claimedEffectiveness);
    expect(set.policy).toEqual({ ...BASELINE_POLICY, ...LAYERS[id].policy });
    expect(set.sqlFiles.slice(0, schemaNames.length).map((f) => f.name)).toEqual(schemaNames);
  });

  it('baseline is the code before any fix: the baseline policy, the schema only, no claim', () => {
    const set = resolveLayerSet('baseline');
    expect(set.policy).toEqual(BASELINE_POLICY);
    expect(set.policy.createCheckStatuses).toEqual(['active']);
    expect(set.policy.openLookupStatuses).toEqual(['active']);
    expect(set.schema).toEqual({});
    expect(sqlNames('baseline')).toEqual(schemaNames);
    expect(set.claimedEffectiveness).toBeNull();
  });

  it('check-open-statuses (Option 3) widens createCheckStatuses and openLookupStatuses to the four open statuses, nothing else', () => {
    const { policy, sqlFiles } = resolveLayerSet('check-open-statuses');
    expect([...policy.createCheckStatuses].sort()).toEqual(['active', 'entry_placed', 'pending_entry', 'pending_sl']);
    expect([...policy.openLookupStatuses].sort()).toEqual(['active', 'entry_placed', 'pending_entry', 'pending_sl']);
    expect(policy.reconcileStatuses).toEqual(BASELINE_POLICY.reconcileStatuses);
    expect({ ...policy, createCheckStatuses: BASELINE_POLICY.createCheckStatuses, openLookupStatuses: BASELINE_POLICY.openLookupStatuses }).toEqual(BASELINE_POLICY);
    expect(sqlFiles.map((f) => f.name)).toEqual(schemaNames);
  });

  it('the policy of each behavioural layer sets the field the plan names', () => {
    const expected: Partial<Record<LayerId, Partial<BotPolicy>>> = {
      'safe-activation': { activation: 'safe' },
      'single-transaction': { flowTransaction: 'single' },
      'optimistic-locking': { updateMode: 'optimistic' },
      'locked-update': { updateMode: 'advisory-locked' },
      'poll-settlement': { settlement: { kind: 'poll', intervalMs: 250, maxAttempts: 20 } },
    };
    for (const [id, fields] of Object.entries(expected)) {
      expect(resolveLayerSet(id).policy, id).toEqual({ ...BASELINE_POLICY, ...fields });
    }
    expect(BASELINE_POLICY.settlement).toEqual({ kind: 'sleep', ms: 3000 });
  });

  it('schema layers add their migration after the schema and leave the policy alone', () => {
    expect(sqlNames('open-status-index')).toEqual([...schemaNames, migrationFile('008_fix_unique_index.up.sql').name]);
    expect(sqlNames('full-unique-index')).toEqual([...schemaNames, migrationFile('option1_full_unique_index.up.sql').name]);
    expect(sqlNames('optimistic-locking')).toEqual([...schemaNames, migrationFile('option6_version_column.up.sql').name]);
    expect(resolveLayerSet('open-status-index').policy).toEqual(BASELINE_POLICY);
    expect(resolveLayerSet('full-unique-index').policy).toEqual(BASELINE_POLICY);
    const migration008 = resolveLayerSet('open-status-index').sqlFiles.at(-1);
    expect(migration008?.sql).toContain("WHERE status IN ('active', 'entry_placed', 'pending_sl', 'pending_entry')");
  });
});

describe('resolveLayerSet: the recommended set', () => {
  it("is the plan's three layers: Option 3 + Option 2 + Option 4, claimed 95 %", () => {
    expect(NAMED_SETS.recommended.layers).toEqual(['check-open-statuses', 'open-status-index', 'safe-activation']);
    const set = resolveLayerSet('recommended');
    expect(set.id).toBe('recommended');
    expect(set.layers.map((l) => l.id)).toEqual(['check-open-statuses', 'open-status-index', 'safe-activation']);
    expect(set.layers.map((l) => l.seedOption)).toEqual(['Option 3 / Layer 1', 'Option 2 / Layer 2 (migration 008)', 'Option 4 / Layer 3']);
    expect(set.claimedEffectiveness).toBe(95);
    expect(set.policy).toEqual({ ...BASELINE_POLICY, createCheckStatuses: OPEN_STATUSES, openLookupStatuses: OPEN_STATUSES, activation: 'safe' });
    expect(set.schema).toEqual({ uniqueIndex: 'open-statuses' });
    expect(sqlNames('recommended')).toEqual([...schemaNames, 'migrations/008_fix_unique_index.up.sql']);
  });

  it('spelled out as a+b+c it gives the same policy and migrations, without the named claim', () => {
    const spelled = resolveLayerSet('check-open-statuses+open-status-index+safe-activation');
    const named = resolveLayerSet('recommended');
    expect(spelled.policy).toEqual(named.policy);
    expect(spelled.sqlFiles).toEqual(named.sqlFiles);
    expect(spelled.claimedEffectiveness).toBeNull();
  });

  it('composes with further layers, and a layer it already holds is not counted twice', () => {
    const set = resolveLayerSet('recommended+poll-settlement');
    expect(set.layers.map((l) => l.id)).toEqual(['check-open-statuses', 'open-status-index', 'safe-activation', 'poll-settlement']);
    expect(set.policy.settlement.kind).toBe('poll');
    expect(resolveLayerSet('recommended+safe-activation').layers).toHaveLength(3);
    expect(harnessErrorOf(() => resolveLayerSet('recommended+full-unique-index')).code).toBe('E_LAYER_CONFLICT');
  });
});

describe('layers beyond the plan and the proposed set', () => {
  const beyond = LAYER_IDS.filter((id) => LAYERS[id].seedOption.startsWith('beyond the plan'));

  it('are the seven layers the harness derived, each a policy change with no claimed figure', () => {
    expect(beyond).toEqual(['refuse-open-signal', 'symbol-flow-lock', 'sync-per-symbol', 'close-settled-only', 'quantity-delta', 'serializable', 'select-for-update']);
    for (const id of beyond) {
      expect(LAYERS[id].claimedEffectiveness, id).toBeNull();
      expect(Object.keys(LAYERS[id].policy).length, id).toBeGreaterThan(0);
    }
  });

  it('each derived from a counterexample names its race and a replay string of a real scenario and layer set', () => {
    for (const id of beyond.filter((x) => x !== 'serializable' && x !== 'select-for-update')) {
      const motivation = (LAYERS[id] as FixLayer).motivation;
      expect(motivation?.race.length, id).toBeGreaterThan(20);
      const target = parseReplayTarget(motivation?.replay ?? '');
      expect(Object.keys(SCENARIOS)).toContain(target.scenario);
      expect(() => resolveLayerSet(target.layers)).not.toThrow();
    }
  });

  it('proposed is check-open-statuses + symbol-flow-lock + refuse-open-signal, with no claimed figure', () => {
    const set = resolveLayerSet('proposed');
    expect(set.layers.map((l) => l.id)).toEqual(['check-open-statuses', 'symbol-flow-lock', 'refuse-open-signal']);
    expect(set.claimedEffectiveness).toBeNull();
    expect(set.policy).toEqual({
      ...BASELINE_POLICY,
      createCheckStatuses: OPEN_STATUSES,
      openLookupStatuses: OPEN_STATUSES,
      symbolLock: 'session',
      syncReconcile: 'per-symbol',
      existingPosition: 'refuse-signal',
    });
    expect(sqlNames('proposed')).toEqual(schemaNames);
  });
});

describe('resolveLayerSet: pairs', () => {
  const compatible = PAIRS.filter(([a, b]) => !conflicting(a, b));

  it('exactly the two known pairs of the sixteen layers conflict', () => {
    expect(LAYER_IDS).toHaveLength(16);
    expect(PAIRS).toHaveLength(120);
    expect(compatible).toHaveLength(118);
  });

  it.each(compatible)('%s+%s resolves to both layers, both policies and both migrations, in either order', (a, b) => {
    const set = resolveLayerSet(`${a}+${b}`);
    const reversed = resolveLayerSet(`${b}+${a}`);
    expect(set.id).toBe(`${a}+${b}`);
    const expectedLayers = [a, b].filter((id) => id !== 'baseline');
    expect(set.layers.map((l) => l.id)).toEqual(expectedLayers);
    expect(set.policy).toEqual({ ...BASELINE_POLICY, ...LAYERS[a].policy, ...LAYERS[b].policy });
    expect(reversed.policy).toEqual(set.policy);
    expect(set.schema).toEqual({ ...LAYERS[a].schema, ...LAYERS[b].schema });
    expect(new Set(reversed.sqlFiles.map((f) => f.name))).toEqual(new Set(set.sqlFiles.map((f) => f.name)));
    const migrations = set.sqlFiles.length - schemaNames.length;
    expect(migrations).toBe(Object.keys(set.schema).length);
    expect(set.claimedEffectiveness).toBe(expectedLayers.length === 1 ? LAYERS[expectedLayers[0] as LayerId].claimedEffectiveness : null);
  });

  it.each(CONFLICTS)('%s+%s is E_LAYER_CONFLICT naming both layers, in either order', (a, b) => {
    for (const spec of [`${a}+${b}`, `${b}+${a}`]) {
      const error = harnessErrorOf(() => resolveLayerSet(spec));
      expect(error.code).toBe('E_LAYER_CONFLICT');
      expect(error.message).toContain(`'${a}'`);
      expect(error.message).toContain(`'${b}'`);
    }
  });

  it('the conflict names the field both layers set', () => {
    expect(harnessErrorOf(() => resolveLayerSet('open-status-index+full-unique-index')).message).toContain('uniqueIndex');
    expect(harnessErrorOf(() => resolveLayerSet('optimistic-locking+locked-update')).message).toContain('updateMode');
  });

  it('optimistic-locking with full-unique-index gets both migrations: index first, then the version column', () => {
    expect(sqlNames('optimistic-locking+full-unique-index')).toEqual([
      ...schemaNames,
      'migrations/option1_full_unique_index.up.sql',
      'migrations/option6_version_column.up.sql',
    ]);
  });
});

describe('resolveLayerSet: bad names', () => {
  const validNames = [...LAYER_IDS, ...Object.keys(NAMED_SETS)];

  it.each(['nope', 'baseline+nope', 'recommended+Check-Open-Statuses', 'option-3'])('%s is E_UNKNOWN_LAYER listing every valid name', (spec) => {
    const error = harnessErrorOf(() => resolveLayerSet(spec));
    expect(error.code).toBe('E_UNKNOWN_LAYER');
    for (const name of validNames) expect(error.message).toContain(name);
  });

  it('names the part that is unknown', () => {
    expect(harnessErrorOf(() => resolveLayerSet('safe-activation+nope')).message).toContain("'nope'");
  });

  it('an empty set is E_UNKNOWN_LAYER too', () => {
    expect(harnessErrorOf(() => resolveLayerSet('')).code).toBe('E_UNKNOWN_LAYER');
    expect(harnessErrorOf(() => resolveLayerSet('+')).code).toBe('E_UNKNOWN_LAYER');
  });

  it.each(['baseline+', '+baseline', 'check-open-statuses++open-status-index', 'safe-activation+ +recommended'])(
    '%s has an empty member: E_UNKNOWN_LAYER naming the valid names, never a smaller set',
    (spec) => {
      const error = harnessErrorOf(() => resolveLayerSet(spec));
      expect(error.code).toBe('E_UNKNOWN_LAYER');
      expect(error.message).toContain('empty member');
      for (const name of validNames) expect(error.message).toContain(name);
    },
  );

  it('layerNames lists every layer and every named set', () => {
    expect(layerNames()).toEqual(validNames);
  });
});
