// Clocks the bot tests drive: one whose sleeps end at once (and are recorded), one whose sleeps
// end only when the test releases them — no real timer in either.
import type { Clock } from '../../../harness/ports/index.ts';

export interface RecordedSleep {
  readonly ms: number;
  readonly label: string | undefined;
}

/** Every sleep resolves immediately and advances `now()` by its length. */
export class InstantClock implements Clock {
  readonly sleeps: RecordedSleep[] = [];
  #now = 0;

  now(): number {
    return this.#now;
  }

  sleep(ms: number, label?: string): Promise<void> {
    this.sleeps.push({ ms, label });
    this.#now += ms;
    return Promise.resolve();
  }
}

/** A sleep that has started and waits for the test. */
export interface PendingSleep extends RecordedSleep {
  /** Ends the sleep: `now()` advances by `ms` and the sleeper resumes. */
  release(): void;
}

/** Sleeps end only on `release()`; `nextSleep()` resolves as soon as someone is asleep. */
export class ManualClock implements Clock {
  #now = 0;
  readonly #started: PendingSleep[] = [];
  readonly #waiters: ((sleep: PendingSleep) => void)[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, label?: string): Promise<void> {
    return new Promise<void>((resolve) => {
      let released = false;
      const pending: PendingSleep = {
        ms,
        label,
        release: () => {
          if (released) return;
          released = true;
          this.#now += ms;
          resolve();
        },
      };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(pending);
      else this.#started.push(pending);
    });
  }

  /** The oldest sleep not yet handed out, once one has started. */
  nextSleep(): Promise<PendingSleep> {
    const started = this.#started.shift();
    if (started) return Promise.resolve(started);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
