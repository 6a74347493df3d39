// Flags of `npm run scenarios`, parsed and validated into one typed object. Every bad input is a
// HarnessError whose message lists the valid choices; the CLI exits 2 on it.
import { parseArgs } from 'node:util';
import { HarnessError, unknownName } from '../errors/index.ts';
import { layerNames, resolveLayerSet, type LayerSet } from '../fixes/index.ts';
import { STRATEGIES, ablationLayerSets, type StrategyName } from '../run/index.ts';
import { TIMING_PARAMETERS, parseReplayTarget, parseTimingModel, type ReplayTarget, type TimingModel } from '../sched/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';
import { LAYERS, NAMED_SETS } from '../fixes/index.ts';
import { parseWorkloadName, workloadScenario } from '../prop/index.ts';

/** `--property` without `--layers`: the baseline, the plan's set, and the two sets beyond it. */
export const PROPERTY_DEFAULT_LAYER_SETS = ['baseline', 'recommended', 'targeted', 'proposed'];

export interface CliOptions {
  readonly list: boolean;
  readonly help: boolean;
  readonly scenarios: readonly Scenario[];
  readonly layerSets: readonly LayerSet[];
  readonly strategy: StrategyName;
  readonly budget: number;
  readonly seed: number;
  readonly depth: number;
  readonly preemptionBound: number | undefined;
  readonly reduce: boolean;
  readonly replay: ReplayTarget | null;
  readonly db: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly workers: number;
  readonly formats: string;
  readonly out: string;
  readonly ci: boolean;
  readonly shard: { k: number; n: number } | undefined;
  /** `--merge`: results.json files of shards to merge into one report instead of running. */
  readonly merge: readonly string[];
  readonly hangTimeoutMs: number;
  readonly property: boolean;
  readonly runs: number;
  /** `--expect s@l=holds`: overrides of declared expectations (what a team asserts in CI). */
  readonly expectOverrides: readonly { readonly scenario: string; readonly layers: string; readonly expect: 'holds' | 'violates' }[];
  /** `--ablation <set>`: the named set whose layers are each left out once. */
  readonly ablation: string | null;
  /** The timing model of `--strategy simulate` and of the odds pass. */
  readonly timing: TimingModel;
  /** Simulated runs per cell for the odds column; null when there is no odds pass. */
  readonly oddsRuns: number | null;
}

export const USAGE = `Usage: npm run scenarios -- [options]

  --list                     list scenarios, layers, layer sets and strategies
  --scenario <name>          a scenario to run (repeatable; default: all)
  --layers <a+b+c>           a layer set to run (repeatable; default: baseline, each layer, recommended)
  --strategy <name>          exhaustive (default), simulate, pct, random, replay, realtime
  --budget <n>               most runs per cell (default 500 for exhaustive, 200 otherwise)
  --seed <n>                 seed for pct/random/property runs (default 1)
  --depth <d>                PCT bug depth (default 2)
  --preemption-bound <n>     exhaustive: at most n preemptions per run
  --no-reduce                exhaustive: no partial-order reduction (every interleaving)
  --replay <s@l:schedule>    run one schedule and print its trace
  --property                 property-based runs (fast-check) instead of scenarios; with --runs, --seed, --layers
  --runs <n>                 property runs per layer set (default 100)
  --db <provider>            embedded (default), url, testcontainers
  --database-url <url>       an existing server (also DATABASE_URL); the harness only writes to databases it creates
  --workers <n>              cells in parallel, each on its own database (default 2)
  --shard <k/n>              run the k-th of n slices of the matrix (e.g. one per machine)
  --merge <a.json,b.json>    merge shards' results.json into one set of reports (no run)
  --format <list>            json,md,junit,html (default: all)
  --out <dir>                where reports go (default: reports)
  --hang-timeout <ms>        wall-clock limit without progress before a run is a hang (default 5000)
  --ci                       exit 1 when a measured outcome contradicts a scenario's expectation
  --expect <s@l=holds|violates>  override a declared expectation (repeatable)
  --ablation <set>           run a named set and the set without each of its layers; table of why each is needed
  --odds-runs <n>            simulated runs per cell for the production odds (default 100)
  --no-odds                  skip the odds pass (--ci skips it unless --odds is given)
  --odds                     run the odds pass even with --ci
${TIMING_PARAMETERS.map((p) => `  --${`${p.flag} <${p.unit}>`.padEnd(25)}${p.description} (${p.min}–${p.max}, default ${p.default})`).join('\n')}
  --help                     this text

Exit codes: 0 success, 1 with --ci when an expectation is contradicted, 2 bad input.`;

/** The default matrix: the baseline, every single layer, and the plan's recommended set. */
export function defaultLayerSetIds(): string[] {
  return [...Object.keys(LAYERS), ...Object.keys(NAMED_SETS)];
}

function int(name: string, v: string | undefined, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new HarnessError('E_BAD_ARGUMENT', `--${name} must be a whole number ≥ ${min}, got '${v}'`);
  return n;
}

export function parseCliOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        scenario: { type: 'string', multiple: true },
        layers: { type: 'string', multiple: true },
        strategy: { type: 'string' },
        budget: { type: 'string' },
        seed: { type: 'string' },
        depth: { type: 'string' },
        'preemption-bound': { type: 'string' },
        'no-reduce': { type: 'boolean', default: false },
        replay: { type: 'string' },
        property: { type: 'boolean', default: false },
        runs: { type: 'string' },
        db: { type: 'string' },
        'database-url': { type: 'string' },
        workers: { type: 'string' },
        shard: { type: 'string' },
        merge: { type: 'string', multiple: true },
        format: { type: 'string' },
        out: { type: 'string' },
        'hang-timeout': { type: 'string' },
        ci: { type: 'boolean', default: false },
        expect: { type: 'string', multiple: true },
        ablation: { type: 'string' },
        'odds-runs': { type: 'string' },
        odds: { type: 'boolean', default: false },
        'no-odds': { type: 'boolean', default: false },
        ...Object.fromEntries(TIMING_PARAMETERS.map((p) => [p.flag, { type: 'string' as const }])),
      },
    }));
  } catch (e) {
    throw new HarnessError('E_BAD_ARGUMENT', `${(e as Error).message}\n\n${USAGE}`);
  }
  const replay = values.replay ? parseReplayTarget(values.replay) : null;
  const scenarioNames = replay ? [replay.scenario] : (values.scenario ?? Object.keys(SCENARIOS));
  const expectOverrides = (values.expect ?? []).map((e) => {
    const m = /^([a-z0-9-]+)@([a-z0-9+-]+)=(holds|violates)$/.exec(e);
    if (!m) throw new HarnessError('E_BAD_ARGUMENT', `--expect must look like <scenario>@<layers>=holds|violates, got '${e}'`);
    if (!SCENARIOS[m[1] as string]) throw unknownName('E_UNKNOWN_SCENARIO', 'scenario', m[1] as string, Object.keys(SCENARIOS));
    resolveLayerSet(m[2] as string);
    return { scenario: m[1] as string, layers: m[2] as string, expect: m[3] as 'holds' | 'violates' };
  });
  const scenarios = scenarioNames.map((n) => {
    // A property counterexample names its workload: `prop-sa0-y0` replays like a scenario.
    const workload = parseWorkloadName(n);
    const s = workload ? workloadScenario(workload) : SCENARIOS[n];
    if (!s) throw unknownName('E_UNKNOWN_SCENARIO', 'scenario', n, Object.keys(SCENARIOS));
    const overrides = expectOverrides.filter((o) => o.scenario === n);
    if (overrides.length === 0) return s;
    const expect: Record<string, 'holds' | 'violates'> = { ...s.expect };
    for (const o of overrides) expect[o.layers] = o.expect;
    return { ...s, expect: expect as Scenario['expect'] };
  });
  const property = values.property ?? false;
  const ablation = typeof values.ablation === 'string' ? ablationLayerSets(values.ablation) : null;
  if (ablation && values.layers) throw new HarnessError('E_BAD_ARGUMENT', '--ablation chooses its own layer sets; drop --layers');
  const layerIds = replay
    ? [replay.layers]
    : ablation
      ? [ablation.full, ...ablation.without.map((w) => w.spec)]
      : (values.layers ?? (property ? PROPERTY_DEFAULT_LAYER_SETS : defaultLayerSetIds()));
  const layerSets = layerIds.map(resolveLayerSet);
  const strategyName = replay ? 'replay' : (values.strategy ?? 'exhaustive');
  if (!(strategyName in STRATEGIES)) throw unknownName('E_UNKNOWN_STRATEGY', 'strategy', strategyName, Object.keys(STRATEGIES));
  if (strategyName === 'replay' && !replay) throw new HarnessError('E_BAD_ARGUMENT', '--strategy replay needs --replay <scenario>@<layers>:<schedule>');
  let shard: { k: number; n: number } | undefined;
  if (values.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(values.shard);
    const k = Number(m?.[1]);
    const n = Number(m?.[2]);
    if (!m || n < 1 || k < 1 || k > n) throw new HarnessError('E_BAD_ARGUMENT', `--shard must be k/n with 1 ≤ k ≤ n, e.g. 1/4; got '${values.shard}'`);
    shard = { k, n };
  }
  const strategy = strategyName as StrategyName;
  const flagValues = values as Record<string, unknown>;
  const timing = parseTimingModel(Object.fromEntries(TIMING_PARAMETERS.map((p) => [p.flag, typeof flagValues[p.flag] === 'string' ? (flagValues[p.flag] as string) : undefined])));
  const ci = values.ci ?? false;
  // The odds pass adds runs to every cell; CI gates verdicts only, so it skips it unless asked.
  const withOdds = strategy === 'exhaustive' && !(values['no-odds'] ?? false) && (!ci || (values.odds ?? false));
  const oddsRuns = withOdds ? int('odds-runs', values['odds-runs'] as string | undefined, 100, 1) : null;
  return {
    list: values.list ?? false,
    help: values.help ?? false,
    scenarios,
    layerSets,
    strategy,
    budget: int('budget', values.budget, strategy === 'exhaustive' ? 500 : 200, 1),
    seed: int('seed', values.seed, 1),
    depth: int('depth', values.depth, 2, 1),
    preemptionBound: values['preemption-bound'] === undefined ? undefined : int('preemption-bound', values['preemption-bound'], 0),
    reduce: !(values['no-reduce'] ?? false),
    replay,
    db: values.db,
    databaseUrl: values['database-url'] ?? env['DATABASE_URL'],
    workers: int('workers', values.workers, 2, 1),
    formats: values.format ?? 'json,md,junit,html',
    out: values.out ?? 'reports',
    ci,
    shard,
    merge: (values.merge ?? []).flatMap((m) => m.split(',')).filter(Boolean),
    hangTimeoutMs: int('hang-timeout', values['hang-timeout'], 5000, 100),
    property,
    expectOverrides,
    runs: int('runs', values.runs, 100, 1),
    ablation: ablation ? ablation.full : null,
    timing,
    oddsRuns,
  };
}

/** `--list`: every registry, one line an entry. */
export function listing(): string {
  const lines: string[] = ['Scenarios:'];
  for (const s of Object.values(SCENARIOS)) lines.push(`  ${s.name.padEnd(22)} ${s.title}`);
  lines.push('', 'Layers:');
  for (const l of Object.values(LAYERS)) lines.push(`  ${l.id.padEnd(22)} ${l.seedOption}: ${l.title}`);
  lines.push('', 'Layer sets (combine layers with +, e.g. check-open-statuses+open-status-index):');
  for (const [id, set] of Object.entries(NAMED_SETS)) lines.push(`  ${id.padEnd(22)} ${set.layers.join(' + ')}`);
  lines.push('', 'Strategies:');
  for (const [id, s] of Object.entries(STRATEGIES)) lines.push(`  ${id.padEnd(22)} ${s.description}`);
  lines.push('', `Valid --layers names: ${layerNames().join(', ')}`);
  return lines.join('\n');
}
