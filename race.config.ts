// Where `npm run scenarios` finds its scenarios: the plan's races, one file each (their shared
// helpers excluded). Another repository writes the same file with its own globs and schema.
import { defineConfig } from './harness/scenario/index.ts';

export default defineConfig({
  scenarios: ['bot/scenarios/*.ts'],
  exclude: ['bot/scenarios/index.ts', 'bot/scenarios/bot-actors.ts', 'bot/scenarios/define-scenario.ts', 'bot/scenarios/held-position.ts'],
});
