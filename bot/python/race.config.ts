// The Python bot's races: the plan's five scenarios with position_bot's own code as the actors
// (process actors through the wire gate), under the baseline, Options 2 to 5 and `proposed`.
//   npm run scenarios -- --config bot/python/race.config.ts --ci   (the default run, as CI runs it)
//   npm run scenarios -- --config bot/python/race.config.ts --scenario plan-test-2 --layers proposed  (any other cell)
import { defineConfig } from '../../harness/scenario/index.ts';
import { BOT_PLUGIN } from '../plugin/index.ts';
import { PYTHON_LAYER_SETS, PYTHON_SCENARIOS } from './scenarios/index.ts';

export default defineConfig({
  scenarios: ['scenarios/*.ts'],
  exclude: ['scenarios/index.ts', 'scenarios/python-actor.ts', 'scenarios/python-scenario.ts'],
  plugins: [BOT_PLUGIN],
  // The headline race on the bot's own code, at the baseline and under `proposed`: both searches
  // whole (117 and 61 interleavings, about 20 s on two cores), the baseline violated, `proposed`
  // proven. Any other cell: --scenario / --layers; the five scenarios × six layer sets are
  // compared with the TypeScript bot by bot/test/python/differential.test.ts.
  defaultRun: { scenarios: ['signal-sync'], variants: ['baseline', 'proposed'], budget: 600 },
});
