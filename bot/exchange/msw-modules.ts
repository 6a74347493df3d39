// msw, loaded the first time an exchange is served over HTTP: most runs call the mock exchange
// directly, and msw (with graphql and its interceptors) takes longer to load than the rest of the
// bot. Loaded through require, synchronously, so serving stays synchronous; every module of the
// bot takes msw from here, so there is one instance of it.
import { createRequire } from 'node:module';
import type * as Msw from 'msw';
import type * as MswNode from 'msw/node';

const load = createRequire(import.meta.url);
let core: typeof Msw | undefined;
let node: typeof MswNode | undefined;

/** `msw`: handlers, responses, getResponse. */
export function msw(): typeof Msw {
  core ??= load('msw') as typeof Msw;
  return core;
}

/** `msw/node`: the in-process server that intercepts fetch. */
export function mswNode(): typeof MswNode {
  node ??= load('msw/node') as typeof MswNode;
  return node;
}
