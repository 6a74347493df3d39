// The trading bot's scenarios: its flows race under every fix layer set, with the mock exchange
// and the six position invariants. A bot scenario declares what it expects per layer set.
import type { BotPolicy } from '../flow/index.ts';
import type { Violation } from '../../harness/check/index.ts';
import type { InvariantId, ObservedState } from '../../bot/invariants/index.ts';
import type { MockExchange } from '../exchange/index.ts';
import type { LayerSet } from '../layers/index.ts';
import type { ActorSpec } from '../../harness/sched/index.ts';
import { assertScenarioName, type Expectation, type ScenarioBase, type ScenarioPlugin } from '../../harness/scenario/index.ts';
import { BOT_PLUGIN } from './bot-plugin.ts';

export interface ScenarioEnv {
  readonly policy: BotPolicy;
  readonly layerSet: LayerSet;
}

/** What setup gets before every run: the (empty) database and the (reset) mock exchange. */
export interface BotSetupContext extends ScenarioEnv {
  sql(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  readonly exchange: MockExchange;
}

export interface BotScenarioDefinition {
  /** kebab-case, used in `--scenario` and replay strings. */
  readonly name: string;
  readonly title: string;
  /** Where the plan describes it. */
  readonly plan: string;
  setup?(ctx: BotSetupContext): Promise<void>;
  actors(env: ScenarioEnv): readonly ActorSpec[];
  /** Invariants to check (default: all). */
  readonly invariants?: readonly InvariantId[];
  /** A check of the scenario's own, reported as `scenario:<name>`. */
  check?(state: ObservedState, results: readonly unknown[]): Violation[];
  /** Expected outcome per layer set id; `default` for every other set. */
  readonly expect: Readonly<Record<string, Expectation>> & { readonly default: Expectation };
  /** Exhaustive search of this scenario stops at this many preemptions per run (CHESS-style). */
  readonly preemptionBound?: number;
  /** Too many interleavings for exhaustive search: sample with this strategy instead. */
  readonly sample?: { readonly strategy: 'pct' | 'random'; readonly runs: number };
}

export interface BotScenario extends BotScenarioDefinition, ScenarioBase {
  readonly plan: string;
  readonly plugin: ScenarioPlugin<BotScenario, LayerSet>;
}

/** Validates and freezes a bot scenario. */
export function defineBotScenario(s: BotScenarioDefinition): BotScenario {
  assertScenarioName(s.name);
  // The plan's section is what reports show of a scenario's description.
  return Object.freeze({ ...s, description: s.plan, plugin: BOT_PLUGIN });
}

/** The expectation a scenario declares for `layerSetId`. */
export function expectationFor(s: BotScenarioDefinition, layerSetId: string): Expectation {
  return s.expect[layerSetId] ?? s.expect.default;
}
