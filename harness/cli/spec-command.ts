// `--spec`: runs isolation spec files and diffs their output with the expected `.out`; with
// `--strategy`, explores every interleaving and lists the distinct outcomes; with `--export`,
// writes counterexamples (new outcomes of a spec, or the SQL of scenario counterexamples) as
// `.spec` + `.out` and vitest tests.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { glob } from 'tinyglobby';
import type { StartedPostgres } from '../db/index.ts';
import { HarnessError, INPUT_ERROR_CODES } from '../errors/index.ts';
import { STRATEGIES, type RunResult } from '../run/index.ts';
import { parseReplayTarget } from '../sched/index.ts';
import { SpecDatabases, SpecRunner, exploreSpec, exportScenarioCounterexample, exportSpecOutcome, permutationLine, prepareSpecFile, runPermutationSteps, runPreparedSpecFile, type PreparedSpecFile, type SpecExploration } from '../isolation/index.ts';
import type { ScenarioCatalog } from '../scenario/index.ts';
import { strategyOptionsOf, type CliOptions } from './cli-options.ts';
import type { CliIo } from './run-cli.ts';

/** The spec files of `--spec`, read and checked before a server starts; those refused are reported at once. */
export interface PreparedSpecCommand {
  readonly specs: readonly PreparedSpecFile[];
  /** A file refused among several (the others still run; the command fails with it). */
  readonly refused: HarnessError | null;
}

/**
 * Expands the globs, reads, parses and checks every spec file and its expected output: a
 * missing, empty or malformed file is refused (exit 2) before PostgreSQL starts. With several
 * files, one refused file is named on stderr and the others still run.
 */
export async function prepareSpecCommand(options: CliOptions, io: CliIo): Promise<PreparedSpecCommand> {
  const files = await specFiles(options.spec.files);
  const specs: PreparedSpecFile[] = [];
  let refused: HarnessError | null = null;
  for (const file of files) {
    try {
      specs.push(await prepareSpecFile(file, options.spec.expected));
    } catch (e) {
      if (!(e instanceof HarnessError) || files.length === 1) throw e;
      io.err.write(`spec ${file}: error ${e.code}: ${e.message}\n`);
      refused ??= e;
    }
  }
  return { specs, refused };
}

export async function runSpecCommand(server: StartedPostgres, options: CliOptions, io: CliIo, prepared: PreparedSpecCommand, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const files = prepared.specs;
  let differing = 0;
  // Explorations a cross-check miss left incomplete: their "complete" would be a false claim.
  let incomplete = 0;
  let newOutcomes = 0;
  let refused: HarnessError | null = prepared.refused;
  const several = files.length + (refused ? 1 : 0) > 1;
  // One manager of the specs' databases for the command (one admin connection, one reclaim);
  // a finished spec's database is dropped while the next one runs.
  // In the resident, the manager (and the last spec's database) carries over to the next command.
  const kept = (await io.keep?.specDatabases(server)) ?? null;
  const databases = kept ?? (await SpecDatabases.open(server));
  try {
    for (const p of files) {
      const file = p.path;
      let r;
      try {
        r = await runPreparedSpecFile(p, server, { hangTimeoutMs: options.hangTimeoutMs, env, databases });
      } catch (e) {
        // One spec that cannot run does not stop the others; the command still fails with it.
        if (!(e instanceof HarnessError) || !several) throw e;
        io.err.write(`spec ${file}: error ${e.code}: ${e.message}\n`);
        refused ??= e;
        continue;
      }
      for (const w of r.warnings) io.err.write(`${file}: ${w}\n`);
      const results = join(options.out, 'spec');
      await mkdir(results, { recursive: true });
      const actual = join(results, `${basename(file).replace(/\.spec$/, '')}.out`);
      await writeFile(actual, r.output);
      const c = r.comparison;
      // stdout is the .out a user can diff (or the diff); the status line goes to stderr.
      if (c.status === 'no-expected' && !several && !options.spec.explore) io.out.write(r.output);
      if (c.status === 'differs') {
        differing++;
        io.out.write(`${c.diff}\n`);
      }
      const verdict = c.status === 'match' ? `ok (matches ${c.expected})` : c.status === 'differs' ? `FAILED: differs from ${c.expected}` : 'no expected output to compare with';
      io.err.write(`spec ${file}: ${r.runs.length} permutation${r.runs.length === 1 ? '' : 's'}, ${verdict}; output in ${actual}\n`);
      if (!options.spec.explore) continue;
      // Dependence between steps comes from the engine's SQL footprints: DPOR applies (--no-reduce for every interleaving).
      const strategy = STRATEGIES[options.strategy].create(strategyOptionsOf(options));
      if (!strategy) throw new HarnessError('E_BAD_ARGUMENT', `--strategy ${options.strategy} cannot explore a spec`);
      const runner = await SpecRunner.open(r.spec, server, { hangTimeoutMs: options.hangTimeoutMs, env, needs: p.needs, databases });
      let exploration: SpecExploration;
      try {
        exploration = await exploreSpec(runner, strategy, r.runs, options.budget);
      } finally {
        await runner.close();
      }
      io.out.write(explorationText(file, exploration));
      const fresh = exploration.outcomes.filter((o) => !o.listed && !o.stuck);
      newOutcomes += fresh.length;
      if (exploration.misses.length > 0 && exploration.stats.reduction === 'dpor') incomplete++;
      if (options.spec.exportFormats.length > 0) {
        for (const [i, o] of fresh.entries()) {
          const written = await exportSpecOutcome(r.spec, o, i + 1, options.spec.exportFormats, options.out);
          io.out.write(`exported: ${written.join(', ')}\n`);
        }
      }
    }
  } finally {
    if (!kept) await databases.close();
  }
  if (refused) return INPUT_ERROR_CODES.has(refused.code) ? 2 : 3;
  if (differing > 0 || incomplete > 0) return 1;
  return options.ci && newOutcomes > 0 ? 1 : 0;
}

/** `--export` after a matrix run or a replay: each counterexample's SQL as a spec and/or a test. */
export async function exportCounterexamples(server: StartedPostgres, replays: readonly string[], options: CliOptions, io: CliIo, catalog: ScenarioCatalog): Promise<void> {
  for (const replay of replays) {
    const t = parseReplayTarget(replay);
    const scenario = catalog.scenarios.find((l) => l.scenario.name === t.scenario)?.scenario;
    if (!scenario) {
      io.err.write(`export: ${replay}: no scenario '${t.scenario}' in this run's scenario files\n`);
      continue;
    }
    const r = await exportScenarioCounterexample(server, scenario, t.layers, t.schedule, options.spec.exportFormats, options.out, {
      baseSchema: catalog.baseSchema,
      pluginOptions: options.pluginOptions,
    });
    io.out.write(`exported ${replay} (${r.reproduced}/${r.statements} statements reproduced): ${r.files.join(', ')}\n`);
  }
}

/** The replay strings of a run's counterexamples. */
export function counterexampleReplays(result: RunResult): string[] {
  return result.cells.flatMap((c) => (c.counterexample && !c.counterexample.command.startsWith('(') ? [c.counterexample.replay] : []));
}

async function specFiles(patterns: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of patterns) {
    if (existsSync(p)) {
      files.push(p);
      continue;
    }
    // An absolute glob lists absolute paths (not ../../.. from the working directory).
    const found = (await glob(p, { onlyFiles: true, absolute: isAbsolute(p) })).sort();
    if (found.length === 0) throw new HarnessError('E_BAD_ARGUMENT', `--spec ${p}: no such file, and the glob matches nothing`);
    files.push(...found);
  }
  return files;
}

function explorationText(file: string, e: SpecExploration): string {
  const fresh = e.outcomes.filter((o) => !o.listed && !o.stuck).length;
  const reduced = e.stats.reduction === 'dpor';
  // A cross-check miss voids what the reduction skipped: the search is then not complete.
  const complete =
    e.misses.length > 0 && reduced
      ? `, not complete: ${e.misses[0]}, beyond the footprints; run with --no-reduce`
      : e.stats.complete === true
        ? reduced
          ? ', complete: every interleaving up to reordering independent steps'
          : ', complete'
        : e.stats.strategy === 'exhaustive'
          ? ', budget reached'
          : '';
  const lines = [
    '',
    `explored ${e.runs} interleavings of ${file} (${e.stats.strategy}${reduced ? ' with partial-order reduction' : ''}${complete}): ${e.outcomes.length} distinct outcome${e.outcomes.length === 1 ? '' : 's'}, ${fresh} not reached by a listed permutation`,
  ];
  e.outcomes.forEach((o, i) => {
    const tag = o.stuck ? 'blocked for good' : o.listed ? 'listed' : 'NEW';
    lines.push(`  outcome ${i + 1} (${o.runs} run${o.runs === 1 ? '' : 's'}, ${tag}): ${permutationLine(runPermutationSteps(e.spec, o.first))}`);
    // Steps that printed nothing are left out: what differs between outcomes stands out.
    for (const s of o.signature.split('\n')) if (!s.endsWith(': ok')) lines.push(`      ${s}`);
  });
  return `${lines.join('\n')}\n`;
}
