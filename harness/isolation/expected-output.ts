// Expected output files, as pg_regress keeps them for isolation tests: `<name>.out` beside the
// spec (or a file named with --expected), plus variants `<name>_1.out`, `<name>_2.out` ... for
// outputs that legitimately differ. The output matches when it equals any of them; otherwise the
// unified diff against the closest one is the test result.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createTwoFilesPatch, diffLines } from 'diff';

export interface ExpectedFile {
  readonly path: string;
  readonly text: string;
}

export type ExpectedComparison =
  | { readonly status: 'match'; readonly expected: string }
  | { readonly status: 'differs'; readonly expected: string; readonly diff: string }
  | { readonly status: 'no-expected' };

/** `foo.spec` → `foo.out` and its variants `foo_N.out` that exist beside it. */
export async function expectedFilesBeside(specPath: string): Promise<ExpectedFile[]> {
  const dir = dirname(specPath);
  const name = basename(specPath).replace(/\.spec$/, '');
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const variant = new RegExp(`^${escapeRegExp(name)}(?:_(\\d+))?\\.out$`);
  const found = entries
    .map((e) => ({ e, m: variant.exec(e) }))
    .filter((x): x is { e: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1] ?? -1) - Number(b.m[1] ?? -1));
  return Promise.all(found.map(async ({ e }) => ({ path: join(dir, e), text: await readFile(join(dir, e), 'utf8') })));
}

/** Compares an output with its expected files. */
export function compareWithExpected(actual: string, expected: readonly ExpectedFile[], actualName = 'actual'): ExpectedComparison {
  if (expected.length === 0) return { status: 'no-expected' };
  const same = expected.find((f) => f.text === actual);
  if (same) return { status: 'match', expected: same.path };
  // The closest variant (fewest changed lines) gives the most readable diff.
  let best = expected[0] as ExpectedFile;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const f of expected) {
    const cost = diffLines(f.text, actual).reduce((n, part) => n + (part.added || part.removed ? (part.count ?? 1) : 0), 0);
    if (cost < bestCost) {
      best = f;
      bestCost = cost;
    }
  }
  return { status: 'differs', expected: best.path, diff: createTwoFilesPatch(best.path, actualName, best.text, actual, undefined, undefined, { context: 3 }) };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
