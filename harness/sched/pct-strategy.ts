// `pct`: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010). Actors get random
// distinct priorities; at d−1 random steps the running actor drops below all others. A depth-d
// bug among n actors and k steps is hit with probability ≥ 1/(n·k^(d−1)) per run.
import { SeededRandom } from './seeded-random.ts';
import type { ActorView, Strategy, StrategyStats } from './strategy.ts';

export class PctStrategy implements Strategy {
  readonly name = 'pct';
  private readonly root: SeededRandom;
  private runs = 0;
  private priorities = new Map<number, number>();
  private changePoints = new Map<number, number>();
  /** Largest step count seen; the first run estimates it. */
  private k: number;
  private n = 0;

  constructor(
    private readonly seed: number,
    private readonly budget: number,
    private readonly depth = 2,
    initialSteps = 0,
  ) {
    this.root = new SeededRandom(seed);
    this.k = initialSteps;
  }

  beginRun(): boolean {
    if (this.runs >= this.budget) return false;
    const rng = this.root.fork();
    this.priorities = new Map();
    this.changePoints = new Map();
    this.rng = rng;
    // Change points are drawn over the step count known so far; before the first run, none.
    const k = Math.max(this.k, 1);
    // Steps are numbered 0..k−1; a change point at step 0 would change nothing worth choosing.
    for (let i = 1; i < this.depth && this.k > 1; i++) this.changePoints.set(1 + rng.int(k - 1), this.depth - i);
    return true;
  }

  private rng: SeededRandom = new SeededRandom(0);

  next(runnable: readonly ActorView[], step: number): number {
    for (const v of runnable) {
      if (!this.priorities.has(v.actor)) {
        // Fresh actors get a random priority above every change-point priority (which are < depth).
        this.priorities.set(v.actor, this.depth + this.rng.next() * 1e6);
        this.n = Math.max(this.n, this.priorities.size);
      }
    }
    let best = 0;
    for (let i = 1; i < runnable.length; i++) {
      if ((this.priorities.get((runnable[i] as ActorView).actor) ?? 0) > (this.priorities.get((runnable[best] as ActorView).actor) ?? 0)) best = i;
    }
    const lowered = this.changePoints.get(step);
    if (lowered !== undefined) {
      this.priorities.set((runnable[best] as ActorView).actor, lowered);
      return this.next(runnable, -1);
    }
    return best;
  }

  endRun(steps: number): void {
    this.runs++;
    this.k = Math.max(this.k, steps);
  }

  stats(): StrategyStats {
    const n = Math.max(this.n, 1);
    const k = Math.max(this.k, 1);
    const d = this.depth;
    return { strategy: this.name, runs: this.runs, seed: this.seed, pctBound: { n, k, d, p: 1 / (n * k ** (d - 1)) } };
  }
}
