// `simulate`: a discrete-event simulation over virtual time. Each actor starts at a seeded random
// time (a periodic actor, such as the bot's Sync, at a uniform phase of its cycle; other flows
// within the arrival window), each step takes a duration drawn from the timing model, and the
// step due first is always released. Runs differ only by their draws, so the share of violating
// runs estimates production odds.
import { SeededRandom } from './seeded-random.ts';
import type { ActorView, Strategy, StrategyStats } from './strategy.ts';

/** What the simulation draws from: when actors start, how long their steps take. */
export interface SimulationTiming {
  /** Periodic actors run every this many ms; one pass starts at a uniform phase of the cycle. */
  readonly periodicIntervalMs: number;
  /** The other actors arrive uniformly within this many ms of the first. */
  readonly arrivalWindowMs: number;
  /** Median duration of one service call, log-normal. */
  readonly serviceLatencyMs: number;
  /** Median duration of one SQL statement (round trip, commit included), log-normal. */
  readonly sqlLatencyMs: number;
  /** Log-normal shape σ of both latencies: the p95 is the median × e^(1.645 σ). */
  readonly latencySpread: number;
}

/**
 * The timing of a plugin that says nothing of its own: a periodic actor every minute, the others
 * within 10 s, a 60 ms service call, a 1 ms statement, log-normal spread 0.5.
 */
export const DEFAULT_SIMULATION_TIMING: SimulationTiming = { periodicIntervalMs: 60_000, arrivalWindowMs: 10_000, serviceLatencyMs: 60, sqlLatencyMs: 1, latencySpread: 0.5 };

/** Which actors run on a timer rather than arriving once; the scenario's plugin knows (the bot: its Sync). */
export type PeriodicActor = (actorName: string) => boolean;

export class SimulateStrategy implements Strategy {
  readonly name = 'simulate';
  private readonly root: SeededRandom;
  private rng: SeededRandom;
  private runs = 0;
  /** Virtual time at which each actor's next step can start. */
  private ready = new Map<number, number>();
  private time = 0;
  private firstFlow = true;

  constructor(
    private readonly seed: number,
    private readonly budget: number,
    private readonly model: SimulationTiming,
    private readonly periodic: PeriodicActor = () => false,
  ) {
    this.root = new SeededRandom(seed);
    this.rng = this.root.fork();
  }

  beginRun(): boolean {
    if (this.runs >= this.budget) return false;
    this.rng = this.root.fork();
    this.ready = new Map();
    this.time = 0;
    this.firstFlow = true;
    return true;
  }

  next(runnable: readonly ActorView[]): number {
    let best = 0;
    let bestDue = Number.POSITIVE_INFINITY;
    runnable.forEach((v, i) => {
      const due = v.kind === 'wake' ? (v.wakeAt ?? this.time) : this.readyAt(v);
      if (due < bestDue) {
        best = i;
        bestDue = due;
      }
    });
    const view = runnable[best] as ActorView;
    this.time = Math.max(this.time, bestDue);
    this.ready.set(view.actor, this.time + this.duration(view));
    return best;
  }

  now(): number {
    return this.time;
  }

  endRun(): void {
    this.runs++;
  }

  stats(): StrategyStats {
    return { strategy: this.name, runs: this.runs, seed: this.seed };
  }

  /** First sight of an actor draws its start: the Sync's phase in its cycle, a flow's arrival. */
  private readyAt(v: ActorView): number {
    const known = this.ready.get(v.actor);
    if (known !== undefined) return known;
    let start: number;
    if (this.periodic(v.name)) {
      start = this.rng.next() * this.model.periodicIntervalMs;
    } else if (this.firstFlow) {
      // The first flow is the reference the others arrive around; a periodic pass started up to a
      // second before it is in the same cycle.
      this.firstFlow = false;
      start = SYNC_LEAD_MS;
    } else {
      start = SYNC_LEAD_MS + this.rng.next() * this.model.arrivalWindowMs;
    }
    this.ready.set(v.actor, start);
    return start;
  }

  private duration(v: ActorView): number {
    const m = this.model;
    if (v.kind === 'sql') return logNormal(this.rng, m.sqlLatencyMs, m.latencySpread);
    if (v.kind === 'service') return logNormal(this.rng, m.serviceLatencyMs, m.latencySpread);
    // A sleep's length is the bot's; the engine wakes the sleeper at its due time.
    return 0;
  }
}

/** How far before the first flow the periodic actors' cycle starts. */
const SYNC_LEAD_MS = 1000;

/** A log-normal draw with the given median and σ (Box–Muller on the seeded generator). */
function logNormal(rng: SeededRandom, median: number, sigma: number): number {
  if (sigma === 0) return median;
  const u = 1 - rng.next();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  return median * Math.exp(sigma * z);
}
