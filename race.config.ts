// Where `npm run scenarios` finds its scenarios (the plan's races, one file each, their shared
// helpers excluded), the plugin whose flags `--help` shows, and what a first run runs: the
// headline races under the key layer sets, in about a minute. `--all` runs the whole matrix.
import { defineConfig } from './harness/scenario/index.ts';
import { BOT_PLUGIN } from './bot/plugin/index.ts';

export default defineConfig({
  scenarios: ['bot/scenarios/*.ts'],
  exclude: ['bot/scenarios/index.ts', 'bot/scenarios/bot-actors.ts', 'bot/scenarios/define-scenario.ts', 'bot/scenarios/held-position.ts'],
  plugins: [BOT_PLUGIN],
  defaultRun: {
    scenarios: ['signal-sync', 'signal-signal', 'plan-test-2', 'lost-update'],
    variants: ['baseline', 'recommended', 'proposed'],
  },
});
