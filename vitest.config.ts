// The suite runs against one real PostgreSQL started for the whole run (embedded, or DATABASE_URL).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Inside this repository the package's own name resolves to its TypeScript sources, not dist/.
  resolve: { conditions: ['prh-source'] },
  ssr: { resolve: { conditions: ['prh-source'] } },
  test: {
    include: ['test/**/*.test.ts', 'bot/test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time on these 2-core machines: the tests mostly wait on PostgreSQL and child
    // processes (vitest's default, one fewer than the cores, runs them one by one).
    maxWorkers: 2,
    // The commands tests start run in their own processes and leave no resident behind; the
    // resident's own tests turn it on for themselves (test/cli/resident/).
    env: { RACE_RESIDENT: 'off' },
  },
});
