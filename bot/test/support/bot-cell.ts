// A cell harness of the bot plugin on a clone of a layer set's template: engine tests that run
// the bot's scenarios step by step use it.
import type { HarnessDatabase, HarnessDatabases } from '../../../harness/db/index.ts';
import { CellHarness } from '../../../harness/run/index.ts';
import { resolveLayerSet, type LayerSet } from '../../layers/index.ts';
import { openBotCell, type BotCell as BotPluginCell } from '../../plugin/index.ts';
import type { ScenarioEnv } from '../../scenarios/index.ts';

export interface BotCell {
  readonly harness: CellHarness<BotPluginCell>;
  readonly layerSet: LayerSet;
  readonly env: ScenarioEnv;
  close(): Promise<void>;
}

/** A CellHarness on a clone of `layers`'s template. */
export async function botCell(dbs: HarnessDatabases, layers: string): Promise<BotCell> {
  const layerSet = resolveLayerSet(layers);
  const template: HarnessDatabase = await dbs.createTemplate(layerSet.id, layerSet.sqlFiles);
  const harness = await CellHarness.open(dbs, template, (clock) => openBotCell(layerSet, clock));
  return {
    harness,
    layerSet,
    env: { policy: layerSet.policy, layerSet },
    async close() {
      await harness.close();
      await dbs.drop(template);
    },
  };
}
