// `random`: each step picks a runnable actor uniformly, from a seeded generator.
import { SeededRandom } from './seeded-random.ts';
import type { ActorView, Strategy, StrategyStats } from './strategy.ts';

export class RandomStrategy implements Strategy {
  readonly name = 'random';
  private readonly root: SeededRandom;
  private rng: SeededRandom;
  private runs = 0;

  constructor(
    private readonly seed: number,
    private readonly budget: number,
  ) {
    this.root = new SeededRandom(seed);
    this.rng = this.root;
  }

  beginRun(): boolean {
    if (this.runs >= this.budget) return false;
    this.rng = this.root.fork();
    return true;
  }

  next(runnable: readonly ActorView[]): number {
    return this.rng.int(runnable.length);
  }

  endRun(): void {
    this.runs++;
  }

  stats(): StrategyStats {
    return { strategy: this.name, runs: this.runs, seed: this.seed };
  }
}
