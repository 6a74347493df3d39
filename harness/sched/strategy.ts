// The strategy port (STYLE section 4): the engine asks which runnable actor goes next; adding a
// strategy never touches the engine. The engine records the choices made as the run's Schedule.
export type StepKind = 'sql' | 'exchange' | 'sleep' | 'wake';

/** The step an actor waits to take, as strategies see it. */
export interface ActorView {
  /** Stable index of the actor in its scenario (what schedules record). */
  readonly actor: number;
  readonly name: string;
  readonly kind: StepKind;
  readonly label: string;
  /**
   * What the step may touch, for partial-order reduction: resource keys, or 'all' when unknown.
   * A key prefixed `r:` is only read. Two steps of different actors commute unless they share a
   * key that at least one of them writes.
   */
  readonly footprint: readonly string[] | 'all';
  /** For a `wake` step: the virtual time the sleeper is due (a simulation orders by it). */
  readonly wakeAt?: number;
}

/** Returned by `next` to abandon a run whose remaining interleavings are already covered. */
export const ABANDON = -1;

export interface Strategy {
  readonly name: string;
  /** Called before each run; false when the strategy has nothing left to explore. */
  beginRun(): boolean;
  /** Index into `runnable` of the step to release, or ABANDON. */
  next(runnable: readonly ActorView[], step: number): number;
  /** Called after each run with how many steps it took. */
  endRun(steps: number): void;
  /** Figures for reports: coverage, bounds, counts. */
  stats(): StrategyStats;
  /**
   * A strategy that keeps its own virtual time (the `simulate` discrete-event simulation): the
   * time at which the step it just picked starts. The engine's clock follows it, so sleeps and
   * wake-ups are measured on the same time line.
   */
  now?(): number;
}

export interface StrategyStats {
  readonly strategy: string;
  readonly runs: number;
  /** Exhaustive: every interleaving (up to the reduction) was covered. */
  readonly complete?: boolean;
  readonly pruned?: number;
  readonly abandoned?: number;
  /** PCT: the per-run lower bound 1/(n·k^(d−1)) of hitting a given depth-d bug. */
  readonly pctBound?: { readonly n: number; readonly k: number; readonly d: number; readonly p: number };
  readonly seed?: number;
}

export function independent(a: ActorView, b: ActorView): boolean {
  if (a.actor === b.actor) return false;
  if (a.footprint === 'all' || b.footprint === 'all') return false;
  const modes = new Map<string, boolean>();
  for (const k of a.footprint) {
    const read = k.startsWith('r:');
    const key = read ? k.slice(2) : k;
    modes.set(key, (modes.get(key) ?? true) && read);
  }
  return !b.footprint.some((k) => {
    const read = k.startsWith('r:');
    const aRead = modes.get(read ? k.slice(2) : k);
    return aRead !== undefined && !(aRead && read);
  });
}
