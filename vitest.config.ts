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
  },
});
