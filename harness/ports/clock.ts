// The engine's port to time: production code uses real timers, the scheduler a virtual clock.

export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number, label?: string): Promise<void>;
}
