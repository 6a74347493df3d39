// Flags of `npm run scenarios`, parsed and validated into one typed object. Every bad input is a
// HarnessError whose message lists the valid choices; the CLI exits 2 on it.
import { parseArgs } from 'node:util';
import { DEFAULT_RECONNECT_TIMEOUT_MS } from '../db/index.ts';
import { HarnessError, unknownName } from '../errors/index.ts';
import { EXCHANGE_TRANSPORTS, type ExchangeTransport } from '../exchange/index.ts';
import { layerNames, resolveLayerSet, type LayerSet } from '../fixes/index.ts';
import { STRATEGIES, type StrategyName, type StrategyOptions } from '../run/index.ts';
import { parseReplayTarget, type ReplayTarget } from '../sched/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';
import { LAYERS, NAMED_SETS } from '../fixes/index.ts';
import { parseWorkloadName, workloadScenario } from '../prop/index.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../spec/index.ts';

/** `--property` without `--layers`: the baseline and the sets the matrix shows holding. */
export const PROPERTY_DEFAULT_LAYER_SETS = ['baseline', 'check-open-statuses', 'single-transaction', 'recommended'];

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
  /** `--spec`, `--expected`, `--export`: isolation spec files and counterexample export (harness/spec). */
  readonly spec: SpecCliOptions;
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
  --scenario <name>          a scenario to run (repeatable; default: all)
  --layers <a+b+c>           a layer set to run (repeatable; default: baseline, each layer, recommended)
  --strategy <name>          exhaustive (default), pct, random, replay, realtime
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
  --ci                       exit 1 when a measured outcome contradicts a scenario's expectation
  --expect <s@l=holds|violates>  override a declared expectation (repeatable)
  --debug                    print the stack trace of an internal error
  --spec <file|glob>         run PostgreSQL isolation spec files (repeatable); with --strategy exhaustive|pct|random, explore every interleaving
  --expected <file.out>      the expected output of the (one) --spec (default: <name>.out beside it)
  --export <spec|vitest>     write counterexamples as .spec + .out and/or a vitest test, into --out (repeatable, or spec,vitest)
  --help                     this text

Exit codes: 0 success, 1 with --ci when an expectation is contradicted, 2 bad input,
3 internal error, 4 infrastructure fault (some cells did not finish; the reports mark them),
130 interrupted.`;

/** The default matrix: the baseline, every single layer, and the plan's recommended set. */
export function defaultLayerSetIds(): string[] {
  return [...Object.keys(LAYERS), ...Object.keys(NAMED_SETS)];
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
        'reconnect-timeout': { type: 'string' },
        'queue-worker': { type: 'boolean', default: false },
        exchange: { type: 'string' },
        ci: { type: 'boolean', default: false },
        expect: { type: 'string', multiple: true },
        debug: { type: 'boolean', default: false },
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
  refuseIgnored(given, 'replay', ['scenario', 'layers', 'property', 'shard', 'merge'], 'the replay string names the scenario and layer set, and runs exactly one schedule');
  if (replay && values.strategy !== undefined && values.strategy !== 'replay') {
    throw new HarnessError('E_BAD_ARGUMENT', `--replay runs one schedule: --strategy must be replay or left out, got '${values.strategy}'`);
  }
  refuseIgnored(given, 'merge', ['property', 'shard'], '--merge joins reports of runs made elsewhere and runs nothing');
  refuseIgnored(given, 'property', ['strategy', 'shard'], 'property runs draw their own workloads and schedules');
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
  const layerIds = replay ? [replay.layers] : (values.layers ?? (property ? PROPERTY_DEFAULT_LAYER_SETS : defaultLayerSetIds()));
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
  const spec = specOptions(values.spec ?? [], values.expected, values.export ?? [], values.strategy);
  const exchange = values.exchange;
  if (exchange !== undefined && !Object.hasOwn(EXCHANGE_TRANSPORTS, exchange)) {
    throw unknownName('E_BAD_ARGUMENT', 'exchange transport', exchange, Object.keys(EXCHANGE_TRANSPORTS));
  }
  return {
    spec,
    list: values.list ?? false,
    help: values.help ?? false,
    scenarios,
    layerSets,
    strategy,
    budget: int('budget', values.budget, strategy === 'exhaustive' ? 5000 : 200, 1),
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
    ci: values.ci ?? false,
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
  };
}

/** The strategy's options as the flags give them (the run's process and its workers alike). */
export function strategyOptionsOf(o: CliOptions): StrategyOptions {
  return {
    budget: o.budget,
    seed: o.seed,
    depth: o.depth,
    reduce: o.reduce,
    ...(o.preemptionBound === undefined ? {} : { preemptionBound: o.preemptionBound }),
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
