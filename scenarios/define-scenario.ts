// The public API for racing code with the harness: a scenario declares its setup, its actors
// (async functions over the bot's ports) and what it expects per layer set. The plan's races
// below are its first users, not special cases inside the runner.
import type { BotPolicy } from '../harness/bot/index.ts';
import type { InvariantId, ObservedState, Violation } from '../harness/check/index.ts';
import { HarnessError } from '../harness/errors/index.ts';
import type { MockExchange } from '../harness/exchange/index.ts';
import type { LayerSet } from '../harness/fixes/index.ts';
import type { ActorSpec } from '../harness/sched/index.ts';

export type Expectation = 'violates' | 'holds';

export interface ScenarioEnv {
  readonly policy: BotPolicy;
  readonly layerSet: LayerSet;
}

/** What setup gets before every run: the (empty) database and the (reset) mock exchange. */
export interface SetupContext extends ScenarioEnv {
  sql(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  readonly exchange: MockExchange;
}

export interface Scenario {
  /** kebab-case, used in `--scenario` and replay strings. */
  readonly name: string;
  readonly title: string;
  /** Where the plan describes it. */
  readonly plan: string;
  setup?(ctx: SetupContext): Promise<void>;
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

/** Validates and freezes a scenario definition. */
export function defineScenario(s: Scenario): Scenario {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(s.name)) {
    throw new HarnessError('E_BAD_ARGUMENT', `scenario name '${s.name}' must be kebab-case (a-z, 0-9, -)`);
  }
  return Object.freeze({ ...s });
}

/** The expectation a scenario declares for `layerSetId`. */
export function expectationFor(s: Scenario, layerSetId: string): Expectation {
  return s.expect[layerSetId] ?? s.expect.default;
}
