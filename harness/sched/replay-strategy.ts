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

/**
 * Schedules as runs of steps: each segment [pick, length] releases `runnable[pick mod n]` for up
 * to `length` steps in a row. Races need one actor to get well ahead of another; a handful of
 * segments expresses that where per-step coin flips almost never do, and shrinks to few numbers.
 */
export class SegmentStrategy implements Strategy {
  readonly name = 'segments';
  private runs = 0;
  private segment = 0;
  private actor = -1;
  private remaining = 0;
  constructor(private readonly segments: readonly (readonly [number, number])[]) {}
  beginRun(): boolean {
    this.segment = 0;
    this.actor = -1;
    this.remaining = 0;
    return this.runs < 1;
  }
  next(runnable: readonly ActorView[]): number {
    if (this.remaining > 0) {
      const i = runnable.findIndex((v) => v.actor === this.actor);
      if (i >= 0) {
        this.remaining--;
        return i;
      }
    }
    const seg = this.segments[this.segment++];
    if (!seg) return 0;
    const i = seg[0] % runnable.length;
    this.actor = (runnable[i] as ActorView).actor;
    this.remaining = seg[1] - 1;
    return i;
  }
  endRun(): void {
    this.runs++;
  }
  stats(): StrategyStats {
    return { strategy: this.name, runs: this.runs };
  }
}
