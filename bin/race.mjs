#!/usr/bin/env node
// `race`, the command of an installed harness: the compiled CLI in dist/. In a checkout of the
// harness itself (its TypeScript sources beside this file), the sources run through tsx instead,
// so an edit needs no build.
import { existsSync } from 'node:fs';

const source = new URL('../harness/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
