// The bot's part of the command line: `--layers` (its name for `--variant`), how actors reach the
// mock exchange, the timing model of simulated runs, and property-based runs (`--property`).
import { HarnessError, unknownName } from '../../harness/errors/index.ts';
import type { FlagDef, FlagValues, PluginCli, PluginRunFacts, ScenarioBase } from '../../harness/scenario/index.ts';
import { EXCHANGE_TRANSPORTS, type ExchangeTransport } from '../exchange/index.ts';
import { LAYERS, NAMED_SETS, layerNames, resolveLayerSet, type FixLayer } from '../layers/index.ts';
import { TIMING_PARAMETERS, timingModelOf, type TimingModel } from './timing-model.ts';

/** The bot's own options (its flags): each bot cell and property run gets them. */
export interface BotOptions {
  /** How actors reach the mock exchange; undefined = direct, http for realtime. */
  readonly exchange?: ExchangeTransport;
  /** The timing model of simulated runs (default DEFAULT_TIMING_MODEL). */
  readonly timing?: TimingModel;
  /** Property runs per layer set (`--runs`). */
  readonly runs?: number;
}

/** `--property` without `--layers`: the baseline, the plan's set, and the two sets beyond it. */
export const PROPERTY_DEFAULT_LAYER_SETS = ['baseline', 'recommended', 'targeted', 'proposed'];
export const DEFAULT_PROPERTY_RUNS = 100;

const GROUP = 'Trading bot (the bot plugin)';

export const BOT_FLAGS: readonly FlagDef[] = [
  { name: 'exchange', type: 'string', value: '<transport>', group: GROUP, choices: Object.keys(EXCHANGE_TRANSPORTS), defaultText: 'direct, http for realtime', description: 'how actors reach the mock exchange: in-process calls, or HTTP through msw (the reference)' },
  ...TIMING_PARAMETERS.map((p): FlagDef => ({ name: p.flag, type: 'number', value: `<${p.unit}>`, min: p.min, max: p.max, unit: p.unit, default: p.default, group: GROUP, description: `timing model: ${p.description}` })),
  { name: 'property', type: 'boolean', group: GROUP, description: 'property-based runs (fast-check: random workloads and schedules, shrunk) instead of the scenarios; with --runs, --seed, --layers' },
  { name: 'runs', type: 'integer', min: 1, value: '<n>', group: GROUP, default: DEFAULT_PROPERTY_RUNS, description: 'property runs per layer set' },
];

export const BOT_CLI: PluginCli<ScenarioBase> = {
  title: GROUP,
  flags: BOT_FLAGS,
  variantFlag: { name: 'layers', value: '<a+b+c>', description: 'the bot\'s name for --variant: a layer set (layers joined by +, or a named set; see --list)' },
  options(values: FlagValues, facts: PluginRunFacts): BotOptions {
    const exchange = values['exchange'];
    if (typeof exchange === 'string' && !Object.hasOwn(EXCHANGE_TRANSPORTS, exchange)) throw unknownName('E_BAD_ARGUMENT', 'exchange transport', exchange, Object.keys(EXCHANGE_TRANSPORTS));
    const timingFlag = TIMING_PARAMETERS.find((p) => values[p.flag] !== undefined);
    if (timingFlag && !facts.simulated) {
      throw new HarnessError(
        'E_BAD_ARGUMENT',
        `--${timingFlag.flag} sets the timing model of --strategy simulate and of the odds pass, and this run has neither${facts.ci ? ' (--ci skips the odds pass: add --odds)' : ''}`,
      );
    }
    return {
      ...(typeof exchange === 'string' ? { exchange: exchange as ExchangeTransport } : {}),
      timing: timingModelOf(values),
      runs: typeof values['runs'] === 'number' ? values['runs'] : DEFAULT_PROPERTY_RUNS,
    };
  },
  async scenario(name) {
    // A property counterexample names its workload: `prop-sa0-y0` replays like a scenario.
    if (!name.startsWith('prop-')) return undefined;
    const { parseWorkloadName, workloadScenario } = await import('../workloads/index.ts');
    const workload = parseWorkloadName(name);
    return workload ? workloadScenario(workload) : undefined;
  },
  list() {
    const layers: readonly FixLayer[] = Object.values(LAYERS);
    return [
      { title: 'Layers', entries: layers.map((l) => [l.id, `${l.seedOption}: ${l.title}${l.notInDefaultMatrix ? ' (not in the default matrix)' : ''}`] as const) },
      { title: 'Layer sets (combine layers with +, e.g. check-open-statuses+open-status-index)', entries: Object.entries(NAMED_SETS).map(([id, set]) => [id, set.layers.join(' + ')] as const), note: `Valid --layers names: ${layerNames().join(', ')}` },
    ];
  },
  command: {
    flag: 'property',
    refuses: ['strategy', 'shard', 'odds', 'odds-runs', 'replay', 'merge', 'ablation', 'all'],
    why: 'property runs draw their own workloads and schedules',
    async run({ server, variants, seed, ci, options, out, err }) {
      const { runPropertyCli } = await import('../workloads/index.ts');
      const o = options as BotOptions;
      return runPropertyCli(server, { layerSets: (variants ?? PROPERTY_DEFAULT_LAYER_SETS).map(resolveLayerSet), runs: o.runs ?? DEFAULT_PROPERTY_RUNS, seed, ci, exchange: o.exchange }, { out, err });
    },
  },
};
