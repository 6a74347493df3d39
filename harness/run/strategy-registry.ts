// The strategies by name (one typed map): the CLI lists them and builds them from flags.
import { ExhaustiveStrategy, PctStrategy, RandomStrategy, ReplayStrategy, type Schedule, type Strategy } from '../sched/index.ts';

/** Most runs per cell by default: exhaustive searches of the plan's scenarios finish within it. */
export const DEFAULT_BUDGET = { exhaustive: 5000, other: 200 } as const;

export interface StrategyOptions {
  readonly budget: number;
  readonly seed: number;
  readonly depth: number;
  readonly preemptionBound?: number;
  readonly reduce: boolean;
  readonly schedule?: Schedule;
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
  pct: { description: 'probabilistic concurrency testing, depth --depth; reports the 1/(n·k^(d−1)) bound', create: (o) => new PctStrategy(o.seed, o.budget, o.depth) },
  replay: {
    description: 'one given schedule (use --replay <scenario>@<layers>:<schedule>)',
    create: (o) => {
      if (!o.schedule) throw new Error('replay needs a schedule');
      return new ReplayStrategy(o.schedule);
    },
  },
  realtime: { description: 'no control: real concurrency with sleeps scaled down (the naive baseline)', create: () => null },
} as const satisfies Record<string, StrategyEntry>;

export type StrategyName = keyof typeof STRATEGIES;
