// Programs in other languages raced as they ship (see docs/guides/process-actors.md):
// `npm run scenarios -- --config examples/programs/race.config.ts`. Each needs its runtime and
// driver installed (ruby-wallet: Ruby and its pg gem, Debian's ruby-pg).
import { defineConfig } from 'position-race-harness';

export default defineConfig({ scenarios: ['*/*.race.ts'] });
