// Where `npm run scenarios` finds its scenarios: the plan's races, one file each (their shared
// helpers excluded). Another repository writes the same file with its own globs and schema.
import { defineConfig } from './harness/scenario/index.ts';

export default defineConfig({
  scenarios: ['scenarios/*.ts'],
  exclude: ['scenarios/index.ts', 'scenarios/bot-actors.ts', 'scenarios/define-scenario.ts', 'scenarios/held-position.ts'],
});
