// `replay`: follow a given schedule exactly. A choice the run cannot take means the code or the
// scenario changed since the schedule was recorded.
import { HarnessError } from '../errors/index.ts';
import type { Schedule } from './schedule.ts';
import type { ActorView, Strategy, StrategyStats } from './strategy.ts';

export class ReplayStrategy implements Strategy {
  readonly name = 'replay';
  private runs = 0;
  constructor(
    private readonly target: Schedule,
    private readonly times = 1,
  ) {}

  beginRun(): boolean {
    return this.runs < this.times;
  }

  next(runnable: readonly ActorView[], step: number): number {
    const want = this.target.choices[step];
    if (want === undefined) {
      throw new HarnessError(
        'E_SCHEDULE_DIVERGED',
        `schedule '${this.target.toString()}' ends after ${this.target.choices.length} steps but the run goes on (runnable: ${runnable.map((v) => v.actor).join(', ')}); it was recorded on other code or another scenario`,
      );
    }
    const i = runnable.findIndex((v) => v.actor === want);
    if (i < 0) {
      throw new HarnessError(
        'E_SCHEDULE_DIVERGED',
        `schedule '${this.target.toString()}' picks actor ${want} at step ${step}, but only ${runnable.map((v) => `${v.actor} (${v.label})`).join(', ')} can run there; it was recorded on other code, scenario or layers`,
      );
    }
    return i;
  }

  endRun(): void {
    this.runs++;
  }

  stats(): StrategyStats {
    return { strategy: this.name, runs: this.runs };
  }
}

/**
 * Choices as fast-check generates them: each number picks `n mod runnable.length`; past the end
 * of the array the first runnable actor goes. Any array is a valid schedule, so shrinking works.
 */
export class ChoiceStrategy implements Strategy {
  readonly name = 'choices';
  private runs = 0;
  constructor(private readonly choices: readonly number[]) {}
  beginRun(): boolean {
    return this.runs < 1;
  }
  next(runnable: readonly ActorView[], step: number): number {
    const c = this.choices[step];
    return c === undefined ? 0 : c % runnable.length;
  }
  endRun(): void {
    this.runs++;
  }
  stats(): StrategyStats {
    return { strategy: this.name, runs: this.runs };
  }
}
