// The command line, parsed and validated into one typed object: the core's flags from its table,
// each loaded plugin's from its own (turned into that plugin's options). Every bad input is a
// HarnessError whose message names the flag and the valid choices; the CLI exits 2 on it.
import { HarnessError, unknownName } from '../errors/index.ts';
import type { ExportFormat } from '../isolation/index.ts';
import { DEFAULT_BUDGET, STRATEGIES, ablationPlan, type OddsOptions, type StrategyName, type StrategyOptions } from '../run/index.ts';
import { parseReplayTarget, type ReplayTarget } from '../sched/index.ts';
import type { AblationPlan, FlagValues, LoadedScenario, PluginCommand, RaceConfig, ScenarioBase, ScenarioPlugin } from '../scenario/index.ts';
import { commandLineFlags, pluginsInUse } from './cli-plugins.ts';
import { CORE_FLAGS, DEFAULT_ODDS_RUNS, EXPORT_FORMATS } from './core-flags.ts';
import { parseFlags, parseSome, type ParsedFlags } from './flag-table.ts';
import { helpText } from './help-text.ts';

export interface CliOptions {
  readonly list: boolean;
  readonly scenarios: readonly ScenarioBase[];
  /** `--variant` (or a plugin's name for it) as given, else the configuration's default run; undefined: each scenario's default variants. */
  readonly variants: readonly string[] | undefined;
  /** The run is the configuration's default run (no `--scenario`, `--variant` or `--all`). */
  readonly defaultRun: boolean;
  /** The default run with the search it implies (no flag chose the strategy, budget, bound or reduction). */
  readonly defaultSearch: boolean;
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
  /** `--expect s@v=holds`: overrides of declared expectations (what a team asserts in CI). */
  readonly expectOverrides: readonly { readonly scenario: string; readonly variant: string; readonly expect: 'holds' | 'violates' }[];
  /** `--debug`: stack traces of internal errors on stderr. */
  readonly debug: boolean;
  /** `--spec`, `--expected`, `--export`: isolation spec files and counterexample export (harness/isolation). */
  readonly spec: SpecCliOptions;
  /** `--ablation <set>`: the named set whose parts are each left out once, and the variants that takes. */
  readonly ablation: AblationPlan | null;
  /** Simulated runs per cell for the odds column; null when there is no odds pass. */
  readonly oddsRuns: number | null;
  /** Each plugin's options from its flags, by plugin name (what its cells get). */
  readonly pluginOptions: Readonly<Record<string, unknown>>;
  /** The plugins' flags as given, for worker processes. */
  readonly pluginArgs: readonly string[];
  /** A plugin's command chosen by its flag (the bot: `--property`), instead of the matrix. */
  readonly command: { readonly plugin: ScenarioPlugin; readonly command: PluginCommand } | null;
  /** `--variant` exactly as given (a command's selection; the configuration's default run aside). */
  readonly givenVariants: readonly string[] | undefined;
}

export interface SpecCliOptions {
  /** Spec files or globs to run. */
  readonly files: readonly string[];
  readonly expected: string | undefined;
  /** `--strategy` was given: explore every interleaving instead of running the listed permutations. */
  readonly explore: boolean;
  readonly exportFormats: readonly ExportFormat[];
}

/** `--config` and `--scenarios`, read before the scenarios are loaded (the rest needs them). */
export function scenarioSources(argv: readonly string[]): { config: string | undefined; scenarios: readonly string[] } {
  const v = parseSome(argv, CORE_FLAGS.filter((f) => f.name === 'config' || f.name === 'scenarios'));
  return { config: typeof v['config'] === 'string' ? v['config'] : undefined, scenarios: (v['scenarios'] as readonly string[] | undefined) ?? [] };
}

/** What the command line is checked against: the loaded scenarios and the configuration. */
export interface CliContext {
  readonly scenarios: readonly LoadedScenario[];
  readonly config: RaceConfig;
  /** Shown in messages about the configuration. */
  readonly configFile: string | null;
}

export async function parseCliOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, context: CliContext): Promise<CliOptions> {
  const loaded = context.scenarios.map((l) => l.scenario);
  const plugins = pluginsInUse(context.config.plugins ?? [], loaded);
  const { flags, aliases } = commandLineFlags(plugins);
  const parsed = parseFlags(argv, flags, aliases, helpText(plugins));
  const { values, given } = parsed;
  const str = (name: string) => values[name] as string | undefined;
  const num = (name: string) => values[name] as number | undefined;
  const bool = (name: string) => values[name] === true;
  const list = (name: string) => values[name] as readonly string[] | undefined;
  const shown = (name: string) => parsed.spelled.get(name) ?? name;
  const refuse = (flag: string, others: readonly string[], why: string) => refuseIgnored(parsed, flag, others, why);

  // A spec run loads neither the configuration nor its scenarios (run-cli.ts): what would choose among them is refused, not ignored.
  refuse('spec', ['scenario', 'variant', 'all', 'replay', 'merge', 'list', 'config', 'scenarios', 'update-expected', 'shard'], 'a --spec run reads only its spec files, not the configuration or its scenarios');
  const command = chosenCommand(plugins, given);
  // An empty --replay is a malformed schedule, not "no replay" (which would run the whole matrix).
  const replay = given.has('replay') ? parseReplayTarget(str('replay') ?? '') : null;
  refuse('replay', ['scenario', 'variant', 'all', 'shard', 'merge', 'odds', 'odds-runs'], 'the replay string names the scenario and variant, and runs exactly one schedule');
  if (replay && given.has('strategy') && str('strategy') !== 'replay') {
    throw new HarnessError('E_BAD_ARGUMENT', `--replay runs one schedule: --strategy must be replay or left out, got '${str('strategy')}'`);
  }
  refuse('merge', ['shard'], '--merge joins reports of runs made elsewhere and runs nothing');
  if (command) refuse(command.command.flag, command.command.refuses, command.command.why);
  refuse('all', ['scenario', 'variant'], '--all runs every scenario under every default variant');
  const strategyName = replay ? 'replay' : (str('strategy') ?? 'exhaustive');
  if (!(strategyName in STRATEGIES)) throw unknownName('E_UNKNOWN_STRATEGY', 'strategy', strategyName, Object.keys(STRATEGIES));
  if (strategyName === 'replay' && !replay) throw new HarnessError('E_BAD_ARGUMENT', '--strategy replay needs --replay <scenario>@<variant>:<schedule>');
  const strategy = strategyName as StrategyName;
  if (strategy !== 'exhaustive') {
    for (const flag of ['preemption-bound', 'no-reduce']) {
      if (given.has(flag)) throw new HarnessError('E_BAD_ARGUMENT', `--${flag} only applies to --strategy exhaustive, not '${strategy}'`);
    }
  }

  const byName = new Map(loaded.map((s) => [s.name, s]));
  const lookUp = async (name: string): Promise<ScenarioBase> => {
    const found = byName.get(name) ?? (await pluginScenario(plugins, name));
    if (!found) throw unknownName('E_UNKNOWN_SCENARIO', 'scenario', name, byName.keys());
    return found;
  };
  // The configuration's default run names its own scenarios: not those `--scenarios` loads instead.
  const defaults = !given.has('all') && !given.has('scenarios') && !replay && !command ? checkedDefaultRun(context, byName) : {};
  const isDefaultRun = !given.has('scenario') && !given.has('variant') && !given.has('all') && (defaults.scenarios !== undefined || defaults.variants !== undefined || defaults.budget !== undefined);
  const scenarioNames = replay ? [replay.scenario] : (list('scenario') ?? defaults.scenarios ?? [...byName.keys()]);
  const chosen = await Promise.all(scenarioNames.map(lookUp));
  const expectOverrides = await Promise.all(
    (list('expect') ?? []).map(async (e) => {
      const m = /^([a-z0-9-]+)@([a-z0-9+-]+)=(holds|violates)$/.exec(e);
      if (!m) throw new HarnessError('E_BAD_ARGUMENT', `--expect must look like <scenario>@<variant>=holds|violates, got '${e}'`);
      const [, scenario = '', variant = '', expect = ''] = m;
      assertVariant(await lookUp(scenario), variant);
      return { scenario, variant, expect: expect as 'holds' | 'violates' };
    }),
  );
  const scenarios = chosen.map((s) => withOverrides(s, expectOverrides.filter((o) => o.scenario === s.name)));

  refuse('ablation', ['variant', 'replay', 'merge', 'all'], '--ablation chooses its own variants');
  // A shard holds some of the ablation's cells only; its table would be wrong, not partial.
  refuse('ablation', ['shard'], 'an ablation needs all its cells in one run (run it without --shard)');
  // Its reduced sets are not what a scenario's expected outcomes describe.
  refuse('ablation', ['update-expected'], 'an ablation runs variants the expected-outcomes files do not record');
  const ablation = given.has('ablation') ? ablationPlan(scenarios, str('ablation') ?? '') : null;
  const givenVariants = list('variant');
  const variants = replay ? [replay.layers] : ablation ? [ablation.full, ...ablation.without.map((w) => w.variant)] : (givenVariants ?? defaults.variants);
  // Every chosen variant must exist before the database starts (the bot: a layer set that composes).
  if (variants && !command) for (const s of scenarios) s.plugin.variants(s, variants);
  if (command && givenVariants) for (const s of scenarios.filter((x) => x.plugin === command.plugin)) s.plugin.variants(s, givenVariants);

  let shard: { k: number; n: number } | undefined;
  if (given.has('shard')) {
    const raw = str('shard') ?? '';
    const m = /^(\d+)\/(\d+)$/.exec(raw);
    const k = Number(m?.[1]);
    const n = Number(m?.[2]);
    if (!m || n < 1 || k < 1 || k > n) throw new HarnessError('E_BAD_ARGUMENT', `--shard must be k/n with 1 ≤ k ≤ n, e.g. 1/4; got '${raw}'`);
    shard = { k, n };
  }
  const spec = specOptions(list('spec') ?? [], str('expected'), list('export') ?? [], given.has('strategy') ? str('strategy') : undefined);

  refuse('no-odds', ['odds', 'odds-runs'], '--no-odds skips the odds pass');
  const ci = bool('ci');
  const simulates = scenarios.some((s) => s.plugin.simulation !== undefined);
  const askedOdds = given.has('odds') || given.has('odds-runs');
  if (askedOdds && !simulates) {
    const flag = given.has('odds') ? 'odds' : 'odds-runs';
    throw new HarnessError('E_BAD_ARGUMENT', `--${flag}: the chosen scenarios' plugins do not simulate timing, so there are no production odds to estimate`);
  }
  if (askedOdds && (strategy === 'simulate' || strategy === 'replay' || strategy === 'realtime')) {
    throw new HarnessError('E_BAD_ARGUMENT', `--odds adds simulated runs after an exhaustive, pct or random search, not after --strategy ${strategy}${strategy === 'simulate' ? ' (every run is one already: use --budget)' : ''}`);
  }
  // The default run shows the odds column; CI gates verdicts only, so it skips the pass unless asked.
  const withOdds = simulates && !command && !bool('no-odds') && (askedOdds || (strategy === 'exhaustive' && !ci && !replay));
  const oddsRuns = withOdds ? (num('odds-runs') ?? DEFAULT_ODDS_RUNS) : null;

  const facts = { strategy, simulated: strategy === 'simulate' || oddsRuns !== null, ci, replay: replay !== null };
  const pluginOptions: Record<string, unknown> = {};
  const pluginArgs: string[] = [];
  for (const p of plugins) {
    if (!p.cli) continue;
    const own: Record<string, FlagValues[string]> = {};
    for (const f of p.cli.flags) {
      if (!given.has(f.name)) continue;
      const v = values[f.name];
      own[f.name] = v;
      // Worker processes get the same options; they never run a command.
      if (f.name === p.cli.command?.flag) continue;
      if (v === true) pluginArgs.push(`--${f.name}`);
      else if (Array.isArray(v)) for (const x of v) pluginArgs.push(`--${f.name}`, x);
      else if (v !== undefined && v !== false) pluginArgs.push(`--${f.name}`, String(v));
    }
    pluginOptions[p.name] = p.cli.options(own, facts);
  }

  return {
    spec,
    list: bool('list'),
    scenarios,
    variants,
    defaultRun: isDefaultRun,
    defaultSearch: isDefaultRun && !['strategy', 'budget', 'seed', 'depth', 'preemption-bound', 'no-reduce'].some((f) => given.has(f)),
    givenVariants,
    config: str('config'),
    scenarioGlobs: list('scenarios') ?? [],
    updateExpected: bool('update-expected'),
    strategy,
    budget: num('budget') ?? (isDefaultRun ? defaults.budget : undefined) ?? (strategy === 'exhaustive' ? DEFAULT_BUDGET.exhaustive : DEFAULT_BUDGET.other),
    seed: num('seed') as number,
    depth: num('depth') as number,
    preemptionBound: num('preemption-bound'),
    reduce: !bool('no-reduce'),
    replay,
    db: str('db'),
    databaseUrl: str('database-url') ?? env['DATABASE_URL'],
    workers: num('workers') as number,
    formats: str('format') as string,
    out: str('out') as string,
    ci,
    shard,
    merge: (list('merge') ?? []).flatMap((m) => m.split(',')).filter(Boolean),
    hangTimeoutMs: num('hang-timeout') as number,
    reconnectTimeoutMs: num('reconnect-timeout') as number,
    queueWorker: bool('queue-worker'),
    expectOverrides,
    debug: bool('debug'),
    ablation,
    oddsRuns,
    pluginOptions,
    pluginArgs,
    command,
  };

  function refuseIgnored(p: ParsedFlags, flag: string, ignored: readonly string[], why: string): void {
    if (!p.given.has(flag)) return;
    for (const other of ignored) if (p.given.has(other)) throw new HarnessError('E_BAD_ARGUMENT', `--${shown(other)} cannot be combined with --${shown(flag)}: ${why}`);
  }
}

/** The command a plugin's flag chooses; two at once is bad input. */
function chosenCommand(plugins: readonly ScenarioPlugin[], given: ReadonlySet<string>): CliOptions['command'] {
  const chosen = plugins.flatMap((plugin) => (plugin.cli?.command && given.has(plugin.cli.command.flag) ? [{ plugin, command: plugin.cli.command }] : []));
  if (chosen.length > 1) throw new HarnessError('E_BAD_ARGUMENT', `--${chosen[0]?.command.flag} and --${chosen[1]?.command.flag} are two commands; give one`);
  return chosen[0] ?? null;
}

async function pluginScenario(plugins: readonly ScenarioPlugin[], name: string): Promise<ScenarioBase | undefined> {
  for (const p of plugins) {
    const s = await p.cli?.scenario?.(name);
    if (s) return s;
  }
  return undefined;
}

/** The configuration's default run, its scenario names checked (a stale name is the configuration's mistake). */
function checkedDefaultRun(context: CliContext, byName: ReadonlyMap<string, ScenarioBase>): { scenarios?: readonly string[]; variants?: readonly string[]; budget?: number } {
  const d = context.config.defaultRun;
  if (!d) return {};
  for (const n of d.scenarios ?? []) {
    if (!byName.has(n)) throw new HarnessError('E_BAD_SCENARIO', `${context.configFile ?? 'the configuration'}: defaultRun names scenario '${n}', which no scenario file defines; valid scenarios: ${[...byName.keys()].join(', ')}`);
  }
  return { ...(d.scenarios ? { scenarios: d.scenarios } : {}), ...(d.variants ? { variants: d.variants } : {}), ...(d.budget !== undefined ? { budget: d.budget } : {}) };
}

/** `variant` must be one of the scenario's: its plugin resolves it (the bot: a layer set), else names the valid ones. */
function assertVariant(scenario: ScenarioBase, variant: string): void {
  const found = scenario.plugin.variants(scenario, [variant]);
  if (!found.some((v) => v.id === variant)) {
    throw new HarnessError('E_BAD_ARGUMENT', `--expect: scenario '${scenario.name}' has no variant '${variant}'; its variants: ${scenario.plugin.variants(scenario, undefined).map((v) => v.id).join(', ')}`);
  }
}

/** The scenario with `--expect` overrides winning for the variants they name, whatever its plugin. */
function withOverrides(s: ScenarioBase, overrides: readonly { variant: string; expect: 'holds' | 'violates' }[]): ScenarioBase {
  if (overrides.length === 0) return s;
  const byVariant = new Map(overrides.map((o) => [o.variant, o.expect]));
  const plugin = s.plugin;
  return { ...s, plugin: { ...plugin, expectation: (sc: ScenarioBase, v: string) => byVariant.get(v) ?? plugin.expectation(sc, v) } };
}

/** The odds pass as the flags ask for it (the run's process and its workers alike). */
export function oddsOptionsOf(o: CliOptions): OddsOptions | undefined {
  return o.oddsRuns === null ? undefined : { runs: o.oddsRuns, seed: o.seed };
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
