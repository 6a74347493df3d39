// assertRace: a race as a vitest assertion, in the style of fast-check's fc.assert. It searches
// the scenario's interleavings on a real PostgreSQL and checks what the scenario expects (or the
// `expect` option): `holds` passes when the search proves it (or, for a sampling strategy, finds
// nothing), `violates` when a run broke a check; otherwise it throws an AssertionError that
// carries the verdict, the violated checks, the counterexample's trace and how to replay it.
import { chooseProvider, type SqlFile, type StartedPostgres } from '../db/index.ts';
import { renderReplayText, renderTraceText } from '../report/index.ts';
import { DEFAULT_BUDGET, runMatrix, runReplay, verdictOf, type CellResult, type ExpectedVerdict, type RunResult } from '../run/index.ts';
import { parseReplayTarget } from '../sched/index.ts';
import { loadRaceConfig, type Expectation, type ScenarioBase } from '../scenario/index.ts';
import { RACE_DATABASE_URL } from './global-setup.ts';

export interface AssertRaceOptions {
  /** `exhaustive` (default): every interleaving, up to partial-order reduction; `pct`, `random`: samples. */
  readonly strategy?: 'exhaustive' | 'pct' | 'random';
  /** Most runs per variant (default 5000 for exhaustive, 200 otherwise, as the CLI). */
  readonly budget?: number;
  readonly seed?: number;
  /** PCT bug depth (default 2). */
  readonly depth?: number;
  readonly preemptionBound?: number;
  /** Variants to run (the bot's scenarios: layer sets); default: the scenario's own. */
  readonly layers?: readonly string[];
  /**
   * What passes, in the words a scenario declares (`expect` of defineScenario, the CLI's
   * `--expect`): `holds` — the exhaustive search finished with no violation (proven), or for a
   * sampling strategy no run violated; `violates` — a run broke a check (a known bug). Default:
   * what the scenario declares for each variant.
   */
  readonly expect?: Expectation;
  /** `<scenario>@<variant>:<schedule>` from a failure: run exactly that schedule. */
  readonly replay?: string;
  /** The configuration whose schema every template gets first (default: race.config.ts in the working directory, if any). */
  readonly config?: string;
  /** A server of your own; default: the global setup's, then DATABASE_URL, then an embedded one. */
  readonly databaseUrl?: string;
  readonly hangTimeoutMs?: number;
}

export interface RaceReport {
  /** The worst verdict over the variants: error, then violated, then inconclusive, then proven. */
  readonly verdict: ExpectedVerdict;
  readonly cells: readonly CellResult[];
  readonly result: RunResult | null;
}

/** The failure of a race assertion: what the search found, and how to replay it. */
export class RaceAssertionError extends Error {
  override readonly name = 'AssertionError';
  constructor(
    message: string,
    readonly verdict: ExpectedVerdict,
    /** The cell that failed the assertion. */
    readonly cell: CellResult | null,
    /** `<scenario>@<variant>:<schedule>` of its counterexample, if any. */
    readonly replay: string | null,
  ) {
    super(message);
  }
}

/** Runs the race; resolves with its report when it meets `expect`, throws RaceAssertionError otherwise. */
export async function assertRace(scenario: ScenarioBase, options: AssertRaceOptions = {}): Promise<RaceReport> {
  const server = await raceServer(options.databaseUrl);
  // Your application's schema, as the CLI applies it.
  const { baseSchema } = await loadRaceConfig(process.cwd(), options.config);
  if (options.replay) return replayOne(server, scenario, options.replay, baseSchema);
  const strategy = options.strategy ?? 'exhaustive';
  const result = await runMatrix({
    scenarios: [scenario],
    baseSchema,
    ...(options.layers ? { layers: options.layers } : {}),
    strategy,
    strategyOptions: {
      budget: options.budget ?? (strategy === 'exhaustive' ? DEFAULT_BUDGET.exhaustive : DEFAULT_BUDGET.other),
      seed: options.seed ?? 1,
      depth: options.depth ?? 2,
      reduce: true,
      ...(options.preemptionBound === undefined ? {} : { preemptionBound: options.preemptionBound }),
    },
    workers: 1,
    server,
    ...(options.hangTimeoutMs ? { hangTimeoutMs: options.hangTimeoutMs } : {}),
    replayCommand: (replay) => `assertRace(scenario, { replay: '${replay}' })`,
  });
  for (const cell of result.cells) {
    const want = options.expect ?? cell.expectation;
    const verdict = verdictOf(cell);
    // Under a sampling strategy nothing is proven: no violation in what ran is what `holds` can ask.
    const ok = want === 'violates' ? verdict === 'violated' : verdict === 'proven' || (strategy !== 'exhaustive' && verdict === 'inconclusive');
    if (!ok) throw new RaceAssertionError(failureText(cell, verdict, want, strategy), verdict, cell, cell.counterexample?.replay ?? null);
  }
  return { verdict: worst(result.cells.map(verdictOf)), cells: result.cells, result };
}

async function replayOne(server: StartedPostgres, scenario: ScenarioBase, replay: string, baseSchema: readonly SqlFile[]): Promise<RaceReport> {
  const target = parseReplayTarget(replay);
  const r = await runReplay(server, scenario, target.layers, target.schedule, { baseSchema });
  if (r.violations.length === 0) return { verdict: 'inconclusive', cells: [], result: null };
  const text = renderReplayText(r);
  throw new RaceAssertionError(`Race '${scenario.name}' replayed ${replay}: violated\n\n${text}`, 'violated', null, replay);
}

function failureText(cell: CellResult, verdict: ExpectedVerdict, want: Expectation, strategy: string): string {
  const lines = [`Race '${cell.scenario}' @ ${cell.variant}: expected it ${want === 'holds' ? 'to hold' : 'to be violated'}, got ${verdict} (${cell.violating} of ${cell.schedules} schedules violated${cell.coverage.complete ? ', every interleaving explored' : ''})`];
  if (cell.error) lines.push(`error: ${cell.error}`);
  if (verdict === 'inconclusive' && strategy === 'exhaustive') {
    // A search that finished can still prove nothing: the run-time cross-check says why.
    if (cell.coverage.complete) lines.push(`It proves nothing: ${cell.verdictReason}.`);
    else lines.push('The search did not finish within its budget, so it proves nothing: raise `budget`, or sample with `strategy: "pct"` (no violation in what ran then holds).');
  }
  const cx = cell.counterexample;
  if (cx) {
    lines.push('', 'Violated checks:');
    for (const [check, n] of Object.entries(cell.violationsByInvariant)) lines.push(`  ${check} (in ${n} schedules)`);
    lines.push('', `Counterexample (found at run ${cx.foundAtRun + 1}):`, '');
    lines.push(renderTraceText(cx).trimEnd());
    lines.push('', `Replay it: ${cx.command}`);
  }
  return lines.join('\n');
}

function worst(verdicts: readonly ExpectedVerdict[]): ExpectedVerdict {
  for (const v of ['error', 'violated', 'inconclusive'] as const) if (verdicts.includes(v)) return v;
  return 'proven';
}

let embedded: Promise<StartedPostgres> | undefined;

/** The global setup's server, DATABASE_URL's, or one embedded server for this worker (stopped at exit). */
async function raceServer(databaseUrl: string | undefined): Promise<StartedPostgres> {
  const url = databaseUrl ?? (await provided()) ?? process.env['DATABASE_URL'];
  if (url) return chooseProvider({ databaseUrl: url }).start();
  embedded ??= chooseProvider({}).start();
  return embedded;
}

/** The global setup's URL. vitest is imported here, not at the top: a global setup imports this folder too. */
async function provided(): Promise<string | undefined> {
  try {
    const { inject } = await import('vitest');
    return inject(RACE_DATABASE_URL) || undefined;
  } catch {
    // Not inside a vitest run with the global setup.
    return undefined;
  }
}
