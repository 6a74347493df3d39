// The trading bot as a plugin of the harness: its layer sets are the variants, each cell gets a
// mock exchange served with msw, and after every run the six position invariants (those the
// scenario names), its own check and a liveness check judge what the flows left.
import type { Clock } from '../../harness/ports/index.ts';
import { type Violation } from '../../harness/check/index.ts';
import { checkInvariants, observeState, type ActorEnd, type ObservedState } from '../../bot/invariants/index.ts';
import { BOT_WORDS, botTiming, positionsTable } from './bot-words.ts';
import { MockExchange, connectMockExchange, exchangeHttpFace, exchangeOfService, exchangeService, type ExchangeTransport } from '../exchange/index.ts';
import { LAYERS, NAMED_SETS, resolveLayerSet, type FixLayer, type LayerSet, type NamedSetId } from '../layers/index.ts';
import type { ActorOutcome } from '../../harness/sched/index.ts';
import type { PluginCell, ScenarioPlugin, Variant } from '../../harness/scenario/index.ts';
import type { BotScenario, ScenarioEnv } from './define-bot-scenario.ts';
import { BOT_CLI, type BotOptions } from './bot-cli.ts';
import { DEFAULT_TIMING_MODEL, type TimingModel } from './timing-model.ts';

export const PRICES = { APTUSDT: 10, ETHUSDT: 2000, RACEUSDT: 1, STRESSUSDT: 1, SOLUSDT: 150, BTCUSDT: 60000, XRPUSDT: 0.5, DOGEUSDT: 0.1, ADAUSDT: 0.4, LINKUSDT: 15 };

/** Every layer alone and every named set. */
export function allLayerSetIds(): string[] {
  return [...Object.keys(LAYERS), ...Object.keys(NAMED_SETS)];
}

/** The default matrix: the baseline, every single layer but those that say why not, and the named sets. */
export function defaultLayerSetIds(): string[] {
  const layers: Readonly<Record<string, FixLayer>> = LAYERS;
  return allLayerSetIds().filter((id) => layers[id]?.notInDefaultMatrix === undefined);
}

/** A layer set as a variant of the bot's scenarios. */
export function botVariant(layerSet: LayerSet): Variant<LayerSet> {
  return {
    id: layerSet.id,
    sqlFiles: layerSet.sqlFiles,
    // A layer whose migration fails on the plan's data is a finding, not bad input.
    failedSqlIsResult: true,
    env: layerSet,
    origin: layerSet.layers.map((x) => x.seedOption).join(' + '),
    title: layerSet.layers.map((x) => x.title).join('; '),
    claimed: layerSet.claimedEffectiveness,
  };
}

/** A bot cell: its mock exchange is reachable for setups, tests and property runs. */
export interface BotCell extends PluginCell<BotScenario> {
  readonly exchange: MockExchange;
  readonly env: ScenarioEnv;
}

export const BOT_PLUGIN: ScenarioPlugin<BotScenario, LayerSet> = {
  name: 'bot',
  words: BOT_WORDS,
  variants(_scenario, selection) {
    return (selection ?? defaultLayerSetIds()).map((id) => botVariant(resolveLayerSet(id)));
  },
  expectation(scenario, variant) {
    return scenario.expect[variant] ?? scenario.expect.default;
  },
  actorCount(scenario, variant) {
    return scenario.actors({ policy: variant.env.policy, layerSet: variant.env }).length;
  },
  openCell(variant, { clock, realtime, options }) {
    // The msw HTTP path is the reference; in-process calls are the default of controlled runs.
    const transport = (options as BotOptions | undefined)?.exchange ?? (realtime ? 'http' : 'direct');
    return openBotCell(variant.env, clock, transport);
  },
  simulation: {
    // The bot's scenarios name their actors after the flow they run (scenarios/bot-actors.ts).
    periodicActor: (name) => name.startsWith('sync'),
    countedActor: (name) => name.startsWith('signal'),
    timing: (options) => timingOf(options),
    simulatedVariant: (variant, options) => {
      const timing = timingOf(options);
      const { policy } = variant.env;
      // A settlement that polls instead of sleeping is the layer's own; only the sleep is timing.
      if (policy.settlement.kind !== 'sleep' || policy.settlement.ms === timing.settlementMs) return variant;
      return { ...variant, env: { ...variant.env, policy: { ...policy, settlement: { kind: 'sleep', ms: timing.settlementMs } } } };
    },
    describeTiming: (options) => botTiming(timingOf(options)),
  },
  ablation: {
    sets: () => Object.keys(NAMED_SETS),
    plan: (set) => {
      if (!Object.hasOwn(NAMED_SETS, set)) return undefined;
      const layers: readonly string[] = NAMED_SETS[set as NamedSetId].layers;
      return {
        set,
        full: set,
        without: layers.map((removed) => {
          const rest = layers.filter((l) => l !== removed);
          return { removed, variant: rest.length > 0 ? rest.join('+') : 'baseline' };
        }),
      };
    },
  },
  cli: BOT_CLI,
};

/** The timing model the bot's options carry (its flags), else the default. */
function timingOf(options: unknown): TimingModel {
  return (options as BotOptions | undefined)?.timing ?? DEFAULT_TIMING_MODEL;
}

/** The mock exchange of one cell, on the scheduler's clock; the scenario's env for `layerSet`. */
export async function openBotCell(layerSet: LayerSet, clock: Clock, transport: ExchangeTransport = 'direct'): Promise<BotCell> {
  const env: ScenarioEnv = { policy: layerSet.policy, layerSet };
  const exchange = new MockExchange({ prices: PRICES, clock });
  const served = connectMockExchange(exchange, transport);
  return {
    exchange,
    env,
    service: (name) => {
      const account = exchangeOfService(name);
      // The HTTP face serves programs raced as process actors (the Python bot, bot/python).
      return account === undefined ? undefined : { ...exchangeService(served.client(account)), http: exchangeHttpFace(exchange, account) };
    },
    actors: (scenario) => scenario.actors(env),
    async prepare(scenario, sql) {
      exchange.reset();
      await scenario.setup?.({ ...env, exchange, sql });
    },
    async inspect(scenario, { run, actors, observer, readAndReset }) {
      const ends = run.actors.map((a, i) => actorEnd(actors[i]?.name ?? `actor-${i}`, a));
      // The state is read in one query; where allowed, the same round trip empties the tables.
      const db = readAndReset ? { query: readAndReset } : observer;
      const state = await observeState(db, exchange, ends, run.outcome === 'completed' || run.outcome === 'deadlock');
      const violations: Violation[] = checkInvariants(state, scenario.invariants);
      if (scenario.check) violations.push(...scenario.check(state, run.actors.map((a) => (a.status === 'ok' ? a.value : undefined))));
      if (run.outcome === 'hang' || run.outcome === 'step-limit') {
        violations.push({ invariant: 'scenario:liveness', message: `run ended as ${run.outcome}`, rows: [] });
      }
      return { violations, finalTables: [positionsTable(state.rows, violations)], signature: botSignature(state) };
    },
    close() {
      served.close();
      return Promise.resolve();
    },
  };
}

function actorEnd(name: string, a: ActorOutcome): ActorEnd {
  if (a.status === 'ok') return { name, status: 'ok', sqlState: null, code: null, message: null };
  if (a.status === 'error') return { name, status: 'error', sqlState: a.sqlState, code: a.code, message: a.message };
  return { name, status: 'unfinished', sqlState: null, code: null, message: a.state };
}

/** The positions and the exchange's positions and stops, one line: what tells two bot outcomes apart. */
function botSignature(state: ObservedState): string {
  const rows = state.rows.map((r) => `#${r.id} ${r.symbol}@${r.exchange} ${r.side} ${r.quantity} ${r.status}${r.exitReason ? ` (${r.exitReason})` : ''}`);
  const exchange = Object.entries(state.exchange).flatMap(([name, ex]) => [
    ...ex.positions.map((p) => `${name}:${p.symbol} ${p.side} ${p.quantity}`),
    ...ex.openStops.map((o) => `${name}:${o.symbol} stop ${o.quantity}`),
  ]);
  return `rows: ${rows.join('; ') || 'none'} | exchange: ${exchange.join('; ') || 'flat'}`;
}
