// `exhaustive`: depth-first over every interleaving, re-running the scenario from the start for
// each one (stateless search, as loom and shuttle do). Options: a preemption bound, and
// partial-order reduction with sleep sets (Godefroid): once a step has been explored at a node,
// sibling subtrees skip it until a dependent step runs, so equivalent orders run once.
import { ABANDON, independent, type ActorView, type Strategy, type StrategyStats } from './strategy.ts';

interface Frame {
  readonly options: readonly ActorView[];
  /** Actors explored (or skipped) at this node. */
  readonly done: Set<number>;
  /** Actors actually explored here, in order; the last is `chosen`. */
  readonly explored: number[];
  /** Steps (by actor) that need not run first here: an equivalent order covers them. */
  readonly sleep: readonly ActorView[];
  chosen: number;
  /** Actor that ran the step before this node, for counting preemptions. */
  readonly previous: number | null;
  readonly preemptions: number;
}

export interface ExhaustiveOptions {
  /** Partial-order reduction (default on). */
  readonly reduce?: boolean;
  /** At most this many preemptions per run (a switch away from an actor that could go on). */
  readonly preemptionBound?: number;
  /** Stop after this many runs even if the tree is not exhausted. */
  readonly budget?: number;
}

export class ExhaustiveStrategy implements Strategy {
  readonly name = 'exhaustive';
  private readonly stack: Frame[] = [];
  private runs = 0;
  private pruned = 0;
  private abandoned = 0;
  private exhausted = false;
  private readonly reduce: boolean;
  private readonly bound: number;
  private readonly budget: number;

  constructor(options: ExhaustiveOptions = {}) {
    this.reduce = options.reduce ?? true;
    this.bound = options.preemptionBound ?? Number.POSITIVE_INFINITY;
    this.budget = options.budget ?? Number.POSITIVE_INFINITY;
  }

  beginRun(): boolean {
    return !this.exhausted && this.runs < this.budget;
  }

  next(runnable: readonly ActorView[], step: number): number {
    const frame = this.stack[step];
    if (frame) {
      // Replaying the prefix chosen by the backtrack; the engine is deterministic, so the same
      // actors are runnable here as last time.
      const i = runnable.findIndex((v) => v.actor === frame.chosen);
      if (i < 0) throw new Error(`exhaustive search diverged at step ${step}: actor ${frame.chosen} not runnable; the scenario is not deterministic`);
      return i;
    }
    const parent = this.stack[step - 1];
    const sleep = parent ? this.childSleep(parent) : [];
    const previous = parent ? parent.chosen : null;
    const preemptions = parent ? parent.preemptions + this.preemptionCost(parent) : 0;
    const created: Frame = { options: runnable, done: new Set(), explored: [], sleep, chosen: -1, previous, preemptions };
    const pick = this.firstAllowed(created);
    if (pick === undefined) {
      // Every step here is asleep or over the bound: this run repeats one already covered.
      this.abandoned++;
      return ABANDON;
    }
    created.chosen = pick.actor;
    created.done.add(pick.actor);
    created.explored.push(pick.actor);
    this.stack.push(created);
    return runnable.indexOf(pick);
  }

  endRun(): void {
    this.runs++;
    // Backtrack: the deepest frame with an unexplored allowed option gets it next run.
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1] as Frame;
      const pick = this.firstAllowed(top);
      if (pick) {
        top.chosen = pick.actor;
        top.done.add(pick.actor);
        top.explored.push(pick.actor);
        return;
      }
      this.stack.pop();
    }
    this.exhausted = true;
  }

  stats(): StrategyStats {
    return { strategy: this.name, runs: this.runs, complete: this.exhausted, pruned: this.pruned, abandoned: this.abandoned };
  }

  private firstAllowed(frame: Frame): ActorView | undefined {
    for (const v of frame.options) {
      if (frame.done.has(v.actor)) continue;
      if (this.reduce && frame.sleep.some((s) => s.actor === v.actor)) {
        this.pruned++;
        frame.done.add(v.actor);
        continue;
      }
      if (frame.preemptions + this.costOf(frame, v.actor) > this.bound) {
        this.pruned++;
        frame.done.add(v.actor);
        continue;
      }
      return v;
    }
    return undefined;
  }

  /** Sleep set of the child reached through `parent.chosen`: earlier siblings stay asleep while independent. */
  private childSleep(parent: Frame): ActorView[] {
    if (!this.reduce) return [];
    const chosen = parent.options.find((v) => v.actor === parent.chosen);
    if (!chosen) return [];
    const candidates = [
      ...parent.sleep,
      ...parent.options.filter((v) => v.actor !== parent.chosen && parent.explored.includes(v.actor)),
    ];
    return candidates.filter((s) => independent(s, chosen));
  }

  private preemptionCost(frame: Frame): number {
    return this.costOf(frame, frame.chosen);
  }

  private costOf(frame: Frame, actor: number): number {
    if (frame.previous === null || frame.previous === actor) return 0;
    return frame.options.some((v) => v.actor === frame.previous) ? 1 : 0;
  }
}
