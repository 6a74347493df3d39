// The Python bot's races: the plan's five scenarios with position_bot's own code as the actors
// (process actors through the wire gate), under the baseline, Options 2 to 5 and `proposed`.
//   npm run scenarios -- --config bot/python/race.config.ts   (expected outcomes not recorded yet: no --ci)
import { defineConfig } from '../../harness/scenario/index.ts';
import { BOT_PLUGIN } from '../plugin/index.ts';
import { PYTHON_LAYER_SETS, PYTHON_SCENARIOS } from './scenarios/index.ts';

export default defineConfig({
  scenarios: ['scenarios/*.ts'],
  exclude: ['scenarios/index.ts', 'scenarios/python-actor.ts', 'scenarios/python-scenario.ts'],
  plugins: [BOT_PLUGIN],
  defaultRun: { scenarios: Object.keys(PYTHON_SCENARIOS), variants: [...PYTHON_LAYER_SETS] },
});
