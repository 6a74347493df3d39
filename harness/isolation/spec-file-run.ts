// A spec file end to end: read, refuse what cannot run, run its permutations (listed, or every
// interleaving when it lists none) on a database of its own, and compare the output with its
// expected `.out` (beside it, or given).
import { readFile } from 'node:fs/promises';
import type { StartedPostgres } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { compareWithExpected, expectedFilesBeside, type ExpectedComparison, type ExpectedFile } from './expected-output.ts';
import { renderTranscript } from './isolation-output.ts';
import type { IsolationSpec } from './spec-model.ts';
import { specPermutations } from './spec-permutations.ts';
import { analyseSpec, type SpecNeeds } from './spec-refusals.ts';
import { readSpec, readSpecFile } from './spec-reader.ts';
import { SpecRunner, type PermutationRun, type SpecRunnerOptions } from './spec-runner.ts';

export interface SpecFileResult {
  readonly path: string;
  readonly spec: IsolationSpec;
  /** The isolation tester's text for every permutation. */
  readonly output: string;
  readonly runs: readonly PermutationRun[];
  readonly comparison: ExpectedComparison;
  /** What the tester writes to stderr: unused steps, failed teardowns. */
  readonly warnings: readonly string[];
}

export interface SpecFileOptions extends SpecRunnerOptions {
  /** An expected-output file instead of the `.out` files beside the spec. */
  readonly expected?: string;
}

/** A spec file read, checked and paired with its expected outputs: everything done before a server is needed. */
export interface PreparedSpecFile {
  readonly path: string;
  readonly spec: IsolationSpec;
  readonly expected: readonly ExpectedFile[];
  readonly needs: SpecNeeds;
}

export async function runSpecFile(path: string, server: StartedPostgres, options: SpecFileOptions = {}): Promise<SpecFileResult> {
  return runPreparedSpecFile(await prepareSpecFile(path, options.expected), server, options);
}

/**
 * Reads and parses `path`, refuses what the harness cannot run (E_SPEC_PARSE,
 * E_SPEC_UNSUPPORTED) and reads the expected output — without a database, so a bad file is
 * refused before any server starts.
 */
export async function prepareSpecFile(path: string, expectedPath?: string): Promise<PreparedSpecFile> {
  const spec = await readSpecFile(path);
  const needs = await analyseSpec(spec);
  const expected = expectedPath ? [await readExpected(expectedPath)] : await expectedFilesBeside(path);
  return { path, spec, expected, needs };
}

export async function runPreparedSpecFile(prepared: PreparedSpecFile, server: StartedPostgres, options: SpecRunnerOptions = {}): Promise<SpecFileResult> {
  const { path, spec } = prepared;
  const { output, runs } = await runWholeSpec(spec, server, { ...options, needs: prepared.needs });
  return { path, spec, output, runs, comparison: compareWithExpected(output, prepared.expected, `${path} (this run)`), warnings: [...spec.warnings, ...runs.flatMap((r) => r.warnings)] };
}

/** Runs spec text (e.g. an exported counterexample held in a test) and returns its output. */
export async function runSpecText(text: string, server: StartedPostgres, source = '<spec>', options: SpecRunnerOptions = {}): Promise<{ readonly spec: IsolationSpec; readonly output: string; readonly runs: readonly PermutationRun[] }> {
  const spec = readSpec(text, source);
  return { spec, ...(await runWholeSpec(spec, server, options)) };
}

/** Every permutation of `spec` on a database of its own. */
export async function runWholeSpec(spec: IsolationSpec, server: StartedPostgres, options: SpecRunnerOptions = {}): Promise<{ output: string; runs: PermutationRun[] }> {
  const session = await SpecRunner.open(spec, server, options);
  try {
    const runs: PermutationRun[] = [];
    for (const p of specPermutations(spec)) runs.push(await session.runPermutation(p.steps));
    return { output: specOutput(spec, runs), runs };
  } finally {
    await session.close();
  }
}

/** The tester's whole output: the parse line, then every permutation's transcript. */
export function specOutput(spec: IsolationSpec, runs: readonly PermutationRun[]): string {
  return renderTranscript([{ kind: 'parsed', sessions: spec.sessions.length }, ...runs.flatMap((r) => r.transcript)]);
}

async function readExpected(path: string): Promise<ExpectedFile> {
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (e) {
    throw new HarnessError('E_BAD_ARGUMENT', `--expected ${path}: ${(e as Error).message}`);
  }
}
