// Public face of bot/layers: the layers of the plan and how they compose.
export { LAYERS, NAMED_SETS } from './layers.ts';
export type { LayerId, NamedSetId } from './layers.ts';
export { layerNames, resolveLayerSet } from './layer-set.ts';
export type { LayerSet } from './layer-set.ts';
export type { FixLayer, LayerMotivation, SchemaChange } from './fix-layer.ts';
export { migrationFile } from './migration-files.ts';
