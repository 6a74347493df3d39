// The Python bot's races: the plan's five scenarios with position_bot's own code as the actors
// (process actors through the wire gate), under the baseline, Options 2 to 5 and `proposed`.
//   npm run scenarios -- --config bot/python/race.config.ts --ci
import { defineConfig } from '../../harness/scenario/index.ts';
import { BOT_PLUGIN } from '../plugin/index.ts';

export const PYTHON_SCENARIOS = ['signal-sync', 'plan-test-2', 'signal-signal', 'activation-race', 'close-while-opening'];
/** Baseline, Options 2 (migration 008), 3 (open statuses), 4 (safe activation), 5 (one transaction), and the README's three changes. */
export const PYTHON_LAYER_SETS = ['baseline', 'open-status-index', 'check-open-statuses', 'safe-activation', 'single-transaction', 'proposed'];

export default defineConfig({
  scenarios: ['scenarios/*.ts'],
  exclude: ['scenarios/python-actor.ts', 'scenarios/python-scenario.ts'],
  plugins: [BOT_PLUGIN],
  defaultRun: { scenarios: PYTHON_SCENARIOS, variants: PYTHON_LAYER_SETS },
});
