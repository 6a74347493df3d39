// `--out` is checked before any work: a directory that cannot be created or written would
// otherwise be discovered only when the reports are written, after the whole run. The check is
// bounded whatever the file system does (Node 20's recursive mkdir loops forever under /proc).
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HarnessError } from '../errors/index.ts';

/** The check gives up after this long (a hung network file system). */
const CHECK_TIMEOUT_MS = 10_000;

/** Creates `dir` if missing and proves a file can be written in it; E_BAD_ARGUMENT otherwise. */
export async function assertWritableOutDir(dir: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<void> {
  const probe = join(dir, `.prh-write-probe-${process.pid}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer from the file system within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([makeDirectory(resolve(dir)).then(() => writeFile(probe, '')), timeout]);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new HarnessError(
      'E_BAD_ARGUMENT',
      `--out '${dir}' cannot be written (${err.code ?? err.message}); give a directory you can create and write, e.g. --out reports`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
    void rm(probe, { force: true }).catch(() => undefined);
  }
}

/**
 * `mkdir -p` one level at a time from the nearest directory that exists: each step either makes
 * one directory or fails, so it ends after at most as many steps as the path has parts.
 */
async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const s = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (s) {
      if (!s.isDirectory()) throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    await mkdir(d).catch((e: NodeJS.ErrnoException) => {
      // Made meanwhile by another process: fine.
      if (e.code !== 'EEXIST') throw e;
    });
  }
}
