// Composes layers into one LayerSet: the policy the bot reads and the migrations its database
// gets. Two layers that set the same thing differently are a configuration error.
import { BASELINE_POLICY, type BotPolicy } from '../flow/index.ts';
import type { SqlFile } from '../../harness/db/index.ts';
import { schemaFiles } from '../flow/index.ts';
import { migrationFile } from './migration-files.ts';
import { HarnessError } from '../../harness/errors/index.ts';
import type { FixLayer, SchemaChange } from './fix-layer.ts';
import { LAYERS, NAMED_SETS, type LayerId } from './layers.ts';

export interface LayerSet {
  /** As written by the user and in reports: `baseline`, `recommended`, `a+b`. */
  readonly id: string;
  readonly layers: readonly FixLayer[];
  readonly policy: BotPolicy;
  readonly schema: SchemaChange;
  /** Schema files plus this set's migrations, in order. */
  readonly sqlFiles: readonly SqlFile[];
  /** The plan's claimed effectiveness for this set (a single option or the named set), else null. */
  readonly claimedEffectiveness: number | null;
}

const MIGRATIONS: { readonly [K in keyof Required<SchemaChange>]: (v: NonNullable<SchemaChange[K]>) => string } = {
  uniqueIndex: (v) => (v === 'open-statuses' ? '008_fix_unique_index.up.sql' : 'option1_full_unique_index.up.sql'),
  versionColumn: () => 'option6_version_column.up.sql',
};

/** Every valid name for `--layers`: single layers and named sets. */
export function layerNames(): string[] {
  return [...Object.keys(LAYERS), ...Object.keys(NAMED_SETS)];
}

/** Parses `a+b+c` (or a named set) into a LayerSet; E_UNKNOWN_LAYER / E_LAYER_CONFLICT on bad input. */
export function resolveLayerSet(spec: string): LayerSet {
  const parts = spec.split('+').map((s) => s.trim());
  if (parts.every((p) => p === '')) throw new HarnessError('E_UNKNOWN_LAYER', `empty layer set '${spec}'; valid layers: ${layerNames().join(', ')}`);
  // `baseline+` or `a++b` is a typo, not a smaller set: refuse it rather than guess.
  if (parts.includes('')) {
    throw new HarnessError('E_UNKNOWN_LAYER', `layer set '${spec}' has an empty member; join layers with single '+', e.g. check-open-statuses+open-status-index; valid layers and sets: ${layerNames().join(', ')}`);
  }
  const ids: LayerId[] = [];
  for (const p of parts) {
    if (p in NAMED_SETS) ids.push(...NAMED_SETS[p as keyof typeof NAMED_SETS].layers);
    else if (p in LAYERS) ids.push(p as LayerId);
    else throw new HarnessError('E_UNKNOWN_LAYER', `unknown layer '${p}' in '${spec}'; valid layers and sets: ${layerNames().join(', ')}`);
  }
  const unique = [...new Set(ids)].filter((id) => id !== 'baseline' || ids.length === 1);
  const layers: FixLayer[] = unique.map((id) => LAYERS[id]);
  const policy = mergeFields<BotPolicy>(BASELINE_POLICY, layers, (l) => l.policy);
  const schema = mergeFields<SchemaChange>({}, layers, (l) => l.schema);
  const migrations: SqlFile[] = [];
  for (const key of Object.keys(MIGRATIONS) as (keyof SchemaChange)[]) {
    const v = schema[key];
    if (v !== undefined) migrations.push(migrationFile((MIGRATIONS[key] as (x: typeof v) => string)(v)));
  }
  const named = parts.length === 1 && parts[0] && parts[0] in NAMED_SETS ? NAMED_SETS[parts[0] as keyof typeof NAMED_SETS] : null;
  return {
    id: parts.join('+'),
    layers,
    policy,
    schema,
    sqlFiles: [...schemaFiles(), ...migrations],
    claimedEffectiveness: named ? named.claimedEffectiveness : layers.length === 1 ? (layers[0]?.claimedEffectiveness ?? null) : null,
  };
}

function mergeFields<T extends object>(base: T, layers: readonly FixLayer[], part: (l: FixLayer) => Partial<T>): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  const setBy = new Map<string, FixLayer>();
  for (const layer of layers) {
    for (const [field, value] of Object.entries(part(layer))) {
      const earlier = setBy.get(field);
      if (earlier && JSON.stringify(out[field]) !== JSON.stringify(value)) {
        throw new HarnessError(
          'E_LAYER_CONFLICT',
          `layers '${earlier.id}' and '${layer.id}' both set ${field} differently; pick one of them`,
        );
      }
      setBy.set(field, layer);
      out[field] = value;
    }
  }
  return out as T;
}
