#!/usr/bin/env node
// `race`, the command of an installed harness: the compiled CLI in dist/. In a checkout of the
// harness itself (its TypeScript sources beside this file) it is also `npm run scenarios`: the
// compiled CLI while dist/ was built from the sources as they are (no module loader, a third of a
// second sooner), else the sources through tsx, so an edit needs no build; then the package's own
// name resolves to those sources too (the `prh-source` export condition), so a project linked to
// the checkout never mixes in a stale dist/.
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SOURCE_STAMP_FILE, sourceStamp } from './source-stamp.mjs';

const source = new URL('../harness/cli/main.ts', import.meta.url);
/** The choice of a command, for the processes it starts (workers, a resident): an edit or a build meanwhile does not split them. */
const CHOICE = 'PRH_CHECKOUT_RUNS';

/** dist/ was compiled from the sources as they are now. */
function compiledIsCurrent() {
  try {
    const kept = readFileSync(new URL(`../dist/${SOURCE_STAMP_FILE}`, import.meta.url), 'utf8');
    return kept === sourceStamp(fileURLToPath(new URL('..', import.meta.url)));
  } catch {
    return false;
  }
}

const fromSources = existsSync(source) && (process.env[CHOICE] === 'sources' || (process.env[CHOICE] !== 'dist' && !compiledIsCurrent()));
if (existsSync(source)) process.env[CHOICE] = fromSources ? 'sources' : 'dist';
if (fromSources) {
  const hook = "export async function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...context.conditions, 'prh-source'] }); }";
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  const tsx = await import('tsx/esm/api');
  tsx.register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
