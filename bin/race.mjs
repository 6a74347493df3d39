#!/usr/bin/env node
// `race`, the command of an installed harness. The harness ships TypeScript; tsx loads it, and
// the race.config.ts and scenario files of the repository it runs in.
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli/main.ts');
