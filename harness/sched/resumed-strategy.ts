// A run interrupted by an infrastructure fault is run again from scratch. The strategy must see
// one uninterrupted run: the steps it already chose are replayed from the failed run's choices,
// and it is asked only from the first step it has not answered yet (so a seeded random or PCT
// strategy draws the same numbers, and an exhaustive search the same tree, as in a clean run).
import { HarnessError } from '../errors/index.ts';
import { Schedule } from './schedule.ts';
import type { ActorView, Strategy, StrategyStats } from './strategy.ts';

export class ResumedStrategy implements Strategy {
  readonly name: string;
  constructor(
    private readonly inner: Strategy,
    /** Every choice the inner strategy made in the interrupted attempts of this run. */
    private readonly answered: readonly number[],
  ) {
    this.name = inner.name;
  }

  /** The inner strategy began this run already. */
  beginRun(): boolean {
    return true;
  }

  next(runnable: readonly ActorView[], step: number): number {
    const want = this.answered[step];
    if (want === undefined) return this.inner.next(runnable, step);
    const i = runnable.findIndex((v) => v.actor === want);
    if (i < 0) {
      throw new HarnessError(
        'E_FAULT_NOT_REPRODUCED',
        `a run interrupted by a connection fault could not be repeated: its schedule so far '${new Schedule(this.answered).toString()}' picks actor ${want} at step ${step}, but only ${runnable.map((v) => `${v.actor} (${v.label})`).join(', ')} can run there. This is an infrastructure fault (the interrupted run left state behind), not a finding about the scenario; run the cell again.`,
      );
    }
    return i;
  }

  /** The caller ends the inner strategy's run once, after the attempt that succeeds. */
  endRun(): void {}

  stats(): StrategyStats {
    return this.inner.stats();
  }
}
