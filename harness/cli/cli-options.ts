// Flags of `npm run scenarios`, parsed and validated into one typed object. Every bad input is a
// HarnessError whose message lists the valid choices; the CLI exits 2 on it.
import { parseArgs } from 'node:util';
import { DEFAULT_RECONNECT_TIMEOUT_MS } from '../db/index.ts';
import { HarnessError, unknownName } from '../errors/index.ts';
import { EXCHANGE_TRANSPORTS, type ExchangeTransport } from '../../bot/exchange/index.ts';
import { layerNames, resolveLayerSet, type FixLayer, type LayerSet } from '../../bot/layers/index.ts';
import { DEFAULT_BUDGET, STRATEGIES, ablationPlan, type OddsOptions, type StrategyName, type StrategyOptions } from '../run/index.ts';
import { parseReplayTarget, type ReplayTarget } from '../sched/index.ts';
import { LAYERS, NAMED_SETS } from '../../bot/layers/index.ts';
import { parseWorkloadName, workloadScenario } from '../../bot/workloads/index.ts';
import { defaultLayerSetIds } from '../../bot/plugin/index.ts';
import { DEFAULT_VARIANT, TIMING_PARAMETERS, parseTimingModel, type AblationPlan, type TimingModel, type ScenarioBase, type ScenarioCatalog, type ScenarioSources } from '../scenario/index.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../isolation/index.ts';

/** `--property` without `--layers`: the baseline, the plan's set, and the two sets beyond it. */
export const PROPERTY_DEFAULT_LAYER_SETS = ['baseline', 'recommended', 'targeted', 'proposed'];

export interface CliOptions {
  readonly list: boolean;
  readonly help: boolean;
  readonly scenarios: readonly ScenarioBase[];
  /** `--layers` as given (variant ids); undefined: each scenario's default variants. */
  readonly layers: readonly string[] | undefined;
  /** The bot's layer sets among them (property runs use these). */
  readonly layerSets: readonly LayerSet[];
  /** `--config` and `--scenarios`: where the scenarios come from (passed on to worker processes). */
  readonly config: string | undefined;
  readonly scenarioGlobs: readonly string[];
  /** `--update-expected`: rewrite the expected-outcomes files with what was measured. */
  readonly updateExpected: boolean;
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
  /** How long to wait for the server to take connections again after one died. */
  readonly reconnectTimeoutMs: number;
  /** Hidden: this process is a worker process taking cells from its parent over IPC. */
  readonly queueWorker: boolean;
  /** `--exchange`: how actors reach the mock exchange; undefined = direct, http for realtime. */
  readonly exchange: ExchangeTransport | undefined;
  readonly property: boolean;
  readonly runs: number;
  /** `--expect s@l=holds`: overrides of declared expectations (what a team asserts in CI). */
  readonly expectOverrides: readonly { readonly scenario: string; readonly layers: string; readonly expect: 'holds' | 'violates' }[];
  /** `--debug`: stack traces of internal errors on stderr. */
  readonly debug: boolean;
  /** `--spec`, `--expected`, `--export`: isolation spec files and counterexample export (harness/isolation). */
  readonly spec: SpecCliOptions;
  /** `--ablation <set>`: the named set whose parts are each left out once, and the variants that takes. */
  readonly ablation: AblationPlan | null;
  /** The timing model of `--strategy simulate` and of the odds pass. */
  readonly timing: TimingModel;
  /** Simulated runs per cell for the odds column; null when there is no odds pass. */
  readonly oddsRuns: number | null;
}

export interface SpecCliOptions {
  /** Spec files or globs to run. */
  readonly files: readonly string[];
  readonly expected: string | undefined;
  /** `--strategy` was given: explore every interleaving instead of running the listed permutations. */
  readonly explore: boolean;
  readonly exportFormats: readonly ExportFormat[];
}

export const USAGE = `Usage: npm run scenarios -- [options]

  --list                     list scenarios, layers, layer sets and strategies
  --scenarios <glob>         scenario files to load (repeatable; default: race.config.ts's, else **/*.race.ts)
  --config <file>            the configuration file (default: race.config.ts in the working directory)
  --scenario <name>          a scenario to run (repeatable; default: all)
  --layers <a+b+c>           a layer set to run (repeatable; default: baseline, each layer but serializable, the named sets)
  --strategy <name>          exhaustive (default), simulate, pct, random, replay, realtime
  --budget <n>               most runs per cell (default 5000 for exhaustive, 200 otherwise)
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
  --reconnect-timeout <ms>   how long to wait for PostgreSQL to come back after a lost connection (default 30000)
  --exchange <http|direct>   how actors reach the mock exchange: direct in-process calls (default) or
                             HTTP through msw (the reference; always used by realtime)
  --ci                       exit 1 when a measured outcome contradicts a scenario's expectation or
                             differs from its expected-outcomes file (expected/<scenario>.json)
  --update-expected          rewrite the expected-outcomes files with the measured outcomes
  --expect <s@l=holds|violates>  override a declared expectation (repeatable)
  --ablation <set>           run a named set and the set without each of its layers; a table of why each is needed
  --odds-runs <n>            simulated runs per cell for the production odds column (default 100)
  --no-odds                  skip the odds pass (the default run has one; --ci skips it unless --odds)
  --odds                     run the odds pass with --ci or another strategy too
${TIMING_PARAMETERS.map((p) => `  --${`${p.flag} <${p.unit}>`.padEnd(25)}${p.description} (${p.min}–${p.max}, default ${p.default})`).join('\n')}
  --debug                    print the stack trace of an internal error
  --spec <file|glob>         run PostgreSQL isolation spec files (repeatable); with --strategy exhaustive|pct|random, explore every interleaving
  --expected <file.out>      the expected output of the (one) --spec (default: <name>.out beside it)
  --export <spec|vitest>     write counterexamples as .spec + .out and/or a vitest test, into --out (repeatable, or spec,vitest)
  --help                     this text

Exit codes: 0 success, 1 with --ci when an expectation is contradicted (a scenario whose setup or
check threw is one) or outcomes differ from their file, 2 bad input, 3 internal error,
4 infrastructure fault (some cells did not finish; the reports mark them), 130 interrupted.`;

/** `--config` and `--scenarios`, read before the scenarios are loaded (the rest needs them). */
export function scenarioSources(argv: readonly string[], cwd: string): ScenarioSources {
  const { values } = parseArgs({ args: [...argv], strict: false, allowPositionals: true, options: { config: { type: 'string' }, scenarios: { type: 'string', multiple: true } } });
  const config = typeof values.config === 'string' ? values.config : undefined;
  const scenarios = (Array.isArray(values.scenarios) ? values.scenarios : []).filter((s): s is string => typeof s === 'string');
  return { cwd, ...(config ? { config } : {}), ...(scenarios.length > 0 ? { scenarios } : {}) };
}

/** Most worker processes: each holds a PostgreSQL session per actor plus two. */
export const MAX_WORKERS = 64;

function int(name: string, v: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return fallback;
  // Digits only: Number('') is 0 and Number('1e3') is 1000, neither of which the user wrote.
  const n = /^\d{1,15}$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new HarnessError('E_BAD_ARGUMENT', `--${name} must be a whole number ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}, got '${v}'`);
  }
  return n;
}

/** Flags that would be silently ignored next to another: refused, naming the one that wins. */
function refuseIgnored(given: Readonly<Record<string, unknown>>, flag: string, ignored: readonly string[], why: string): void {
  if (given[flag] === undefined || given[flag] === false) return;
  for (const other of ignored) {
    const v = given[other];
    if (v !== undefined && v !== false) throw new HarnessError('E_BAD_ARGUMENT', `--${other} cannot be combined with --${flag}: ${why}`);
  }
}

export function parseCliOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, catalog: ScenarioCatalog): CliOptions {
  const SCENARIOS: Readonly<Record<string, ScenarioBase>> = Object.fromEntries(catalog.scenarios.map((l) => [l.scenario.name, l.scenario]));
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        scenario: { type: 'string', multiple: true },
        scenarios: { type: 'string', multiple: true },
        config: { type: 'string' },
        'update-expected': { type: 'boolean', default: false },
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
        'reconnect-timeout': { type: 'string' },
        'queue-worker': { type: 'boolean', default: false },
        exchange: { type: 'string' },
        ci: { type: 'boolean', default: false },
        expect: { type: 'string', multiple: true },
        debug: { type: 'boolean', default: false },
        ablation: { type: 'string' },
        odds: { type: 'boolean', default: false },
        'no-odds': { type: 'boolean', default: false },
        'odds-runs': { type: 'string' },
        ...Object.fromEntries(TIMING_PARAMETERS.map((p) => [p.flag, { type: 'string' as const }])),
        spec: { type: 'string', multiple: true },
        expected: { type: 'string' },
        export: { type: 'string', multiple: true },
      },
    }));
  } catch (e) {
    throw new HarnessError('E_BAD_ARGUMENT', `${(e as Error).message}\n\n${USAGE}`);
  }
  // An empty --replay is a malformed schedule, not "no replay" (which would run the whole matrix).
  const replay = values.replay !== undefined ? parseReplayTarget(values.replay) : null;
  const given = values as Readonly<Record<string, unknown>>;
  refuseIgnored(given, 'replay', ['scenario', 'layers', 'property', 'shard', 'merge', 'odds', 'odds-runs'], 'the replay string names the scenario and layer set, and runs exactly one schedule');
  if (replay && values.strategy !== undefined && values.strategy !== 'replay') {
    throw new HarnessError('E_BAD_ARGUMENT', `--replay runs one schedule: --strategy must be replay or left out, got '${values.strategy}'`);
  }
  refuseIgnored(given, 'merge', ['property', 'shard'], '--merge joins reports of runs made elsewhere and runs nothing');
  refuseIgnored(given, 'property', ['strategy', 'shard', 'odds', 'odds-runs'], 'property runs draw their own workloads and schedules');
  if (values.strategy !== undefined && values.strategy !== 'exhaustive') {
    for (const flag of ['preemption-bound', 'no-reduce'] as const) {
      if (given[flag] !== undefined && given[flag] !== false) throw new HarnessError('E_BAD_ARGUMENT', `--${flag} only applies to --strategy exhaustive, not '${values.strategy}'`);
    }
  }
  const scenarioNames = replay ? [replay.scenario] : (values.scenario ?? Object.keys(SCENARIOS));
  const expectOverrides = (values.expect ?? []).map((e) => {
    const m = /^([a-z0-9-]+)@([a-z0-9+-]+)=(holds|violates)$/.exec(e);
    if (!m) throw new HarnessError('E_BAD_ARGUMENT', `--expect must look like <scenario>@<layers>=holds|violates, got '${e}'`);
    if (!SCENARIOS[m[1] as string]) throw unknownName('E_UNKNOWN_SCENARIO', 'scenario', m[1] as string, Object.keys(SCENARIOS));
    if (m[2] !== DEFAULT_VARIANT) resolveLayerSet(m[2] as string);
    return { scenario: m[1] as string, layers: m[2] as string, expect: m[3] as 'holds' | 'violates' };
  });
  const scenarios = scenarioNames.map((n) => {
    // A property counterexample names its workload: `prop-sa0-y0` replays like a scenario.
    const workload = parseWorkloadName(n);
    const s = workload ? workloadScenario(workload) : SCENARIOS[n];
    if (!s) throw unknownName('E_UNKNOWN_SCENARIO', 'scenario', n, Object.keys(SCENARIOS));
    const overrides = new Map(expectOverrides.filter((o) => o.scenario === n).map((o) => [o.layers, o.expect]));
    if (overrides.size === 0) return s;
    // Whatever the scenario's plugin, the override wins for the variants it names.
    const plugin = s.plugin;
    return { ...s, plugin: { ...plugin, expectation: (sc: ScenarioBase, v: string) => overrides.get(v) ?? plugin.expectation(sc, v) } };
  });
  const property = values.property ?? false;
  refuseIgnored(given, 'ablation', ['layers', 'replay', 'property', 'merge'], '--ablation chooses its own layer sets');
  // A shard holds some of the ablation's cells only; its table would be wrong, not partial.
  refuseIgnored(given, 'ablation', ['shard'], 'an ablation needs all its cells in one run (run it without --shard)');
  // Its reduced sets are not what a scenario's expected outcomes describe.
  refuseIgnored(given, 'ablation', ['update-expected'], 'an ablation runs layer sets the expected-outcomes files do not record');
  const ablation = typeof values.ablation === 'string' ? ablationPlan(scenarios, values.ablation) : null;
  const selected = ablation ? [ablation.full, ...ablation.without.map((w) => w.variant)] : values.layers;
  const layerIds = replay ? [replay.layers] : (selected ?? (property ? PROPERTY_DEFAULT_LAYER_SETS : defaultLayerSetIds()));
  // `default` is the one variant of generic scenarios, not a layer set.
  const layerSets = layerIds.filter((id) => id !== DEFAULT_VARIANT).map(resolveLayerSet);
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
  const spec = specOptions(values.spec ?? [], values.expected, values.export ?? [], values.strategy);
  const flagValues = values as Readonly<Record<string, unknown>>;
  const timing = parseTimingModel(Object.fromEntries(TIMING_PARAMETERS.map((p) => [p.flag, typeof flagValues[p.flag] === 'string' ? (flagValues[p.flag] as string) : undefined])));
  refuseIgnored(given, 'no-odds', ['odds', 'odds-runs'], '--no-odds skips the odds pass');
  const ci = values.ci ?? false;
  const askedOdds = (values.odds ?? false) || values['odds-runs'] !== undefined;
  if (askedOdds && (strategy === 'simulate' || strategy === 'replay' || strategy === 'realtime')) {
    throw new HarnessError('E_BAD_ARGUMENT', `--odds adds simulated runs after an exhaustive, pct or random search, not after --strategy ${strategy}${strategy === 'simulate' ? ' (every run is one already: use --budget)' : ''}`);
  }
  // The default run shows the odds column; CI gates verdicts only, so it skips the pass unless asked.
  const withOdds = !property && !(values['no-odds'] ?? false) && (askedOdds || (strategy === 'exhaustive' && !ci && !replay));
  const oddsRuns = withOdds ? int('odds-runs', values['odds-runs'], 100, 1) : null;
  const timingFlag = TIMING_PARAMETERS.find((p) => typeof flagValues[p.flag] === 'string');
  if (timingFlag && strategy !== 'simulate' && !withOdds) {
    throw new HarnessError('E_BAD_ARGUMENT', `--${timingFlag.flag} sets the timing model of --strategy simulate and of the odds pass, and this run has neither${ci ? ' (--ci skips the odds pass: add --odds)' : ''}`);
  }
  const exchange = values.exchange;
  if (exchange !== undefined && !Object.hasOwn(EXCHANGE_TRANSPORTS, exchange)) {
    throw unknownName('E_BAD_ARGUMENT', 'exchange transport', exchange, Object.keys(EXCHANGE_TRANSPORTS));
  }
  return {
    spec,
    list: values.list ?? false,
    help: values.help ?? false,
    scenarios,
    layers: replay ? [replay.layers] : selected,
    layerSets,
    config: values.config,
    scenarioGlobs: values.scenarios ?? [],
    updateExpected: values['update-expected'] ?? false,
    strategy,
    budget: int('budget', values.budget, strategy === 'exhaustive' ? DEFAULT_BUDGET.exhaustive : DEFAULT_BUDGET.other, 1),
    seed: int('seed', values.seed, 1),
    depth: int('depth', values.depth, 2, 1),
    preemptionBound: values['preemption-bound'] === undefined ? undefined : int('preemption-bound', values['preemption-bound'], 0),
    reduce: !(values['no-reduce'] ?? false),
    replay,
    db: values.db,
    databaseUrl: values['database-url'] ?? env['DATABASE_URL'],
    workers: int('workers', values.workers, 2, 1, MAX_WORKERS),
    formats: values.format ?? 'json,md,junit,html',
    out: values.out ?? 'reports',
    ci,
    shard,
    merge: (values.merge ?? []).flatMap((m) => m.split(',')).filter(Boolean),
    hangTimeoutMs: int('hang-timeout', values['hang-timeout'], 5000, 100),
    reconnectTimeoutMs: int('reconnect-timeout', values['reconnect-timeout'], DEFAULT_RECONNECT_TIMEOUT_MS, 0),
    queueWorker: values['queue-worker'] ?? false,
    exchange: exchange as ExchangeTransport | undefined,
    property,
    expectOverrides,
    runs: int('runs', values.runs, 100, 1),
    debug: values.debug ?? false,
    ablation,
    timing,
    oddsRuns,
  };
}

/** The odds pass as the flags ask for it (the run's process and its workers alike). */
export function oddsOptionsOf(o: CliOptions): OddsOptions | undefined {
  return o.oddsRuns === null ? undefined : { runs: o.oddsRuns, seed: o.seed, timing: o.timing };
}

/** The flags that give a worker process the same timing model and odds pass. */
export function timingArgs(o: CliOptions): string[] {
  // The timing model only where something is simulated: elsewhere its flags are refused.
  const simulated = o.oddsRuns !== null || o.strategy === 'simulate';
  return [
    ...(o.oddsRuns === null ? ['--no-odds'] : ['--odds-runs', String(o.oddsRuns)]),
    ...(simulated ? TIMING_PARAMETERS.flatMap((p) => [`--${p.flag}`, String(o.timing[p.field])]) : []),
  ];
}

/** The strategy's options as the flags give them (the run's process and its workers alike). */
export function strategyOptionsOf(o: CliOptions): StrategyOptions {
  return {
    budget: o.budget,
    seed: o.seed,
    depth: o.depth,
    reduce: o.reduce,
    ...(o.preemptionBound === undefined ? {} : { preemptionBound: o.preemptionBound }),
    timing: o.timing,
  };
}

function specOptions(files: readonly string[], expected: string | undefined, exports: readonly string[], strategy: string | undefined): SpecCliOptions {
  const exportFormats = exports.flatMap((e) => e.split(',')).filter(Boolean);
  for (const f of exportFormats) if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw unknownName('E_UNKNOWN_FORMAT', 'export format', f, EXPORT_FORMATS);
  if (expected !== undefined && files.length !== 1) throw new HarnessError('E_BAD_ARGUMENT', '--expected compares the output of one spec: give exactly one --spec with it');
  const explore = files.length > 0 && strategy !== undefined;
  if (explore && !['exhaustive', 'pct', 'random'].includes(strategy)) throw new HarnessError('E_BAD_ARGUMENT', `--spec explores with --strategy exhaustive, pct or random (got '${strategy}'); without --strategy it runs the spec's permutations`);
  return { files, expected, explore, exportFormats: exportFormats as ExportFormat[] };
}

/** `--list`: every registry, one line an entry. */
export function listing(catalog: ScenarioCatalog): string {
  const lines: string[] = ['Scenarios:'];
  const nameWidth = Math.max(22, ...catalog.scenarios.map((l) => l.scenario.name.length));
  for (const { scenario: s } of catalog.scenarios) lines.push(`  ${s.name.padEnd(nameWidth)} ${s.title}`);
  lines.push('', 'Layers:');
  for (const l of Object.values(LAYERS) as FixLayer[]) lines.push(`  ${l.id.padEnd(22)} ${l.seedOption}: ${l.title}${l.notInDefaultMatrix ? ' (not in the default matrix)' : ''}`);
  lines.push('', 'Layer sets (combine layers with +, e.g. check-open-statuses+open-status-index):');
  for (const [id, set] of Object.entries(NAMED_SETS)) lines.push(`  ${id.padEnd(22)} ${set.layers.join(' + ')}`);
  lines.push('', 'Strategies:');
  for (const [id, s] of Object.entries(STRATEGIES)) lines.push(`  ${id.padEnd(22)} ${s.description}`);
  lines.push('', `Valid --layers names: ${layerNames().join(', ')}`);
  return lines.join('\n');
}
