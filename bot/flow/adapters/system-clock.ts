// Production adapter of Clock: wall time and real timers.
import type { Clock } from '../../../harness/ports/index.ts';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
