// Writes a counterexample out: as a `.spec` with its expected `.out` (what the isolation tester —
// and this harness — prints for it), and as a standalone vitest test that replays the spec
// against the embedded PostgreSQL (or DATABASE_URL) and asserts the same output and violation.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../errors/index.ts';
import type { IsolationSpec } from './spec-model.ts';
import { writeSpec } from './spec-writer.ts';

/** The name the harness is installed under (package.json's `name`): exported tests import it. */
const PACKAGE_NAME = 'position-race-harness';

export const EXPORT_FORMATS = ['spec', 'vitest'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportedCounterexample {
  /** File name without extension, e.g. `signal-sync-baseline`. */
  readonly name: string;
  readonly spec: IsolationSpec;
  /** The isolation tester's output for it (the expected `.out`). */
  readonly output: string;
  /** Lines the output must contain: the violation as the spec shows it. */
  readonly mustContain: readonly string[];
  /** One line on what it reproduces, for the test's title. */
  readonly title: string;
}


/** Writes the files of each format; returns their paths. */
export async function writeCounterexample(cx: ExportedCounterexample, formats: readonly ExportFormat[], outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const specText = writeSpec(cx.spec);
  if (formats.includes('spec')) {
    const specPath = join(outDir, `${cx.name}.spec`);
    await writeFile(specPath, specText);
    await writeFile(join(outDir, `${cx.name}.out`), cx.output);
    written.push(specPath, join(outDir, `${cx.name}.out`));
  }
  if (formats.includes('vitest')) {
    const testPath = join(outDir, `${cx.name}.test.ts`);
    await writeFile(testPath, vitestSource(cx, specText));
    written.push(testPath);
  }
  return written;
}

/** The standalone vitest file: the spec and its expected output inline, the harness imported as the package. */
export function vitestSource(cx: ExportedCounterexample, specText: string): string {
  return `// Exported by the position race harness: ${oneLine(cx.title)}.
// Replays the counterexample's SQL as an isolation spec against the embedded PostgreSQL (or
// DATABASE_URL) and asserts that it still happens: the same output, the same violation.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chooseProvider, runSpecText, type StartedPostgres } from '${PACKAGE_NAME}';

const SPEC = ${templateLiteral(specText)};

const EXPECTED = ${templateLiteral(cx.output)};

const VIOLATION: readonly string[] = ${JSON.stringify(cx.mustContain, null, 2)};

let server: StartedPostgres | undefined;

beforeAll(async () => {
  server = await chooseProvider({ databaseUrl: process.env['DATABASE_URL'] }).start();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

it(${JSON.stringify(`reproduces ${oneLine(cx.title)}`)}, async () => {
  if (!server) throw new Error('no PostgreSQL');
  const { output } = await runSpecText(SPEC, server, ${JSON.stringify(`${cx.name}.spec`)});
  for (const line of VIOLATION) expect(output).toContain(line);
  expect(output).toBe(EXPECTED);
}, 60_000);
`;
}

/** A file name out of anything: lower-case words joined by `-`. */
export function exportName(...parts: readonly string[]): string {
  const name = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  if (!name) throw new HarnessError('E_BAD_ARGUMENT', `cannot make a file name out of ${JSON.stringify(parts)}`);
  return name;
}

function templateLiteral(s: string): string {
  return `\`${s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
