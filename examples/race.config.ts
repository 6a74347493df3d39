// The worked examples as a project of their own would configure them:
// `npm run scenarios -- --config examples/race.config.ts`.
import { defineConfig } from 'position-race-harness';

export default defineConfig({ scenarios: ['*/*.race.ts'] });
