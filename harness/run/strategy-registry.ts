// The strategies by name (one typed map): the CLI lists them and builds them from flags.
import { DEFAULT_SIMULATION_TIMING, ExhaustiveStrategy, PctStrategy, RandomStrategy, ReplayStrategy, SimulateStrategy, type PeriodicActor, type Schedule, type SimulationTiming, type Strategy } from '../sched/index.ts';

/** Most runs per cell by default: exhaustive searches of the plan's scenarios finish within it. */
export const DEFAULT_BUDGET = { exhaustive: 5000, other: 200 } as const;

export interface StrategyOptions {
  readonly budget: number;
  readonly seed: number;
  readonly depth: number;
  readonly preemptionBound?: number;
  readonly reduce: boolean;
  readonly schedule?: Schedule;
  /** The `simulate` strategy's timing (the cell's plugin gives it; default: DEFAULT_SIMULATION_TIMING). */
  readonly timing?: SimulationTiming;
  /** The `simulate` strategy's periodic actors (the cell's plugin says which; default none). */
  readonly periodic?: PeriodicActor;
}

export interface StrategyEntry {
  readonly description: string;
  /** null for `realtime`, which runs without a strategy. */
  create(o: StrategyOptions): Strategy | null;
}

export const STRATEGIES = {
  exhaustive: {
    description: 'every interleaving, depth-first, with partial-order reduction (--no-reduce) and an optional --preemption-bound',
    create: (o) => new ExhaustiveStrategy({ budget: o.budget, reduce: o.reduce, ...(o.preemptionBound === undefined ? {} : { preemptionBound: o.preemptionBound }) }),
  },
  random: { description: 'a uniformly random runnable step each time, seeded (--seed)', create: (o) => new RandomStrategy(o.seed, o.budget) },
  simulate: {
    description: "discrete-event simulation over virtual time with the seeded timing model of the scenarios' plugin: production odds",
    create: (o) => new SimulateStrategy(o.seed, o.budget, o.timing ?? DEFAULT_SIMULATION_TIMING, o.periodic),
  },
  pct: { description: 'probabilistic concurrency testing, depth --depth; reports the 1/(n·k^(d−1)) bound', create: (o) => new PctStrategy(o.seed, o.budget, o.depth) },
  replay: {
    description: 'one given schedule (use --replay <scenario>@<variant>:<schedule>)',
    create: (o) => {
      if (!o.schedule) throw new Error('replay needs a schedule');
      return new ReplayStrategy(o.schedule);
    },
  },
  realtime: { description: 'no control: real concurrency with sleeps scaled down (the naive baseline)', create: () => null },
} as const satisfies Record<string, StrategyEntry>;

export type StrategyName = keyof typeof STRATEGIES;
