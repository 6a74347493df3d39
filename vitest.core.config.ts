// The engine's own suite, as scripts/check-core.sh runs it in a copy without the bot plugin's
// tree: the tests under test/ only (the bot's, under bot/test, need the bot).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Inside this repository the package's own name resolves to its TypeScript sources, not dist/.
  resolve: { conditions: ['prh-source'] },
  ssr: { resolve: { conditions: ['prh-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
