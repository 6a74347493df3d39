// Loads a user's scenario or configuration file. A compiled harness runs as JavaScript; a user's
// `.ts` file needs a TypeScript loader, registered (tsx's, a maintained one) only when one is met.
import { pathToFileURL } from 'node:url';

/** This harness itself runs from TypeScript sources (a loader is already in place). */
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const TYPESCRIPT_FILE = /\.(?:[cm]?ts|tsx)$/;
let loader: Promise<void> | null = null;

/** Imports `file` (an absolute path), registering a TypeScript loader first when it needs one. */
export async function importUserFile(file: string): Promise<unknown> {
  if (TYPESCRIPT_FILE.test(file) && !RUNNING_FROM_SOURCE) {
    loader ??= import('tsx/esm/api').then((tsx) => {
      tsx.register();
    });
    await loader;
  }
  return import(pathToFileURL(file).href);
}
