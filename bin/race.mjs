#!/usr/bin/env node
// `race`, the command of an installed harness: the compiled CLI in dist/. In a checkout of the
// harness itself (its TypeScript sources beside this file), the sources run through tsx instead,
// so an edit needs no build, and the package's own name resolves to those sources too (the
// `prh-source` export condition), so a project linked to the checkout never mixes in a stale dist/.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../harness/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const hook = "export async function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...context.conditions, 'prh-source'] }); }";
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  const tsx = await import('tsx/esm/api');
  tsx.register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
