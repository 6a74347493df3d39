// `--out` is checked before any work: a directory that cannot be created or written would
// otherwise be discovered only when the reports are written, after the whole run.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../errors/index.ts';

/** Creates `dir` if missing and proves a file can be written in it; E_BAD_ARGUMENT otherwise. */
export async function assertWritableOutDir(dir: string): Promise<void> {
  const probe = join(dir, `.prh-write-probe-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new HarnessError(
      'E_BAD_ARGUMENT',
      `--out '${dir}' cannot be written (${err.code ?? err.message}); give a directory you can create and write, e.g. --out reports`,
      { cause: e },
    );
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}
