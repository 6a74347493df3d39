// `exhaustive`: depth-first over every interleaving, re-running the scenario from the start for
// each one (stateless search, as loom and shuttle do). With reduction (the default) it is dynamic
// partial-order reduction (Flanagan and Godefroid, POPL 2005) with sleep sets: after each run it
// finds the races of that run (dependent steps of different actors with no happens-before path
// between them) and schedules the reversed order only there, so each class of equivalent
// interleavings runs about once. Dependence comes from footprints derived by the engine, never
// from what a scenario declares. A preemption bound turns reduction off: the two together lose
// behaviours (Coons, Musuvathi and McKinley, OOPSLA 2013), and a bounded search is never a proof.
import { HarnessError } from '../errors/index.ts';
import { ABANDON, independent, type ActorView, type Strategy, type StrategyStats } from './strategy.ts';

interface Frame {
  /** Steps runnable at this node. */
  readonly options: readonly ActorView[];
  /** Actors to explore here: the first pick, plus those the race analysis asks for. */
  readonly backtrack: Set<number>;
  /** Actors explored here, or skipped (asleep, over the bound). */
  readonly done: Set<number>;
  /** Steps actually explored here, in order; the last is the one chosen now. */
  readonly explored: ActorView[];
  /** Steps that need not run first here: an equivalent order covers them. */
  sleep: readonly ActorView[];
  chosen: ActorView;
  /** Actor that ran the step before this node, for counting preemptions. */
  readonly previous: number | null;
  readonly preemptions: number;
}

export interface ExhaustiveOptions {
  /** Partial-order reduction (default on; off whenever a preemption bound is set). */
  readonly reduce?: boolean;
  /** At most this many preemptions per run (a switch away from an actor that could go on). */
  readonly preemptionBound?: number;
  /** Stop after this many runs even if the tree is not exhausted. */
  readonly budget?: number;
}

export class ExhaustiveStrategy implements Strategy {
  readonly name = 'exhaustive';
  private readonly stack: Frame[] = [];
  private runs = 0;
  private pruned = 0;
  private abandoned = 0;
  private exhausted = false;
  private readonly reduce: boolean;
  private readonly bound: number;
  private readonly budget: number;

  constructor(options: ExhaustiveOptions = {}) {
    this.bound = options.preemptionBound ?? Number.POSITIVE_INFINITY;
    this.reduce = (options.reduce ?? true) && options.preemptionBound === undefined;
    this.budget = options.budget ?? Number.POSITIVE_INFINITY;
  }

  beginRun(): boolean {
    return !this.exhausted && this.runs < this.budget;
  }

  next(runnable: readonly ActorView[], step: number): number {
    const frame = this.stack[step];
    if (frame) {
      // Replaying the prefix chosen by the backtrack; the engine is deterministic, so the same
      // actors are runnable here as last time.
      const i = runnable.findIndex((v) => v.actor === frame.chosen.actor);
      if (i < 0) {
        // The scenario's fault, reported against its cell: its replays would not reproduce either.
        const ready = runnable.map((v) => v.name).join(', ') || 'nothing';
        throw new HarnessError(
          'E_SCENARIO_CODE',
          `the exhaustive search diverged at step ${step}: the same choices as an earlier run led elsewhere (${frame.chosen.name} was to take "${frame.chosen.label}", but ready were: ${ready}). The scenario is not deterministic: a program whose threads open or use their connections in varying order, or code that acts on wall time or randomness. Make it deterministic, or search it with --strategy random`,
        );
      }
      return i;
    }
    const parent = this.stack[step - 1];
    const sleep = parent ? this.childSleep(parent) : [];
    const previous = parent ? parent.chosen.actor : null;
    const preemptions = parent ? parent.preemptions + this.costOf(parent, parent.chosen.actor) : 0;
    const frame0 = { options: runnable, backtrack: new Set<number>(), done: new Set<number>(), explored: [], sleep, previous, preemptions };
    const pick = this.firstAllowed({ ...frame0, chosen: runnable[0] as ActorView }, runnable.map((v) => v.actor));
    if (pick === undefined) {
      // Every step here is asleep or over the bound: this run repeats one already covered.
      this.abandoned++;
      return ABANDON;
    }
    const created: Frame = { ...frame0, chosen: pick };
    // Without reduction every runnable step is explored here; with it, only what races ask for.
    for (const v of this.reduce ? [pick] : runnable) created.backtrack.add(v.actor);
    created.done.add(pick.actor);
    created.explored.push(pick);
    this.stack.push(created);
    return runnable.indexOf(pick);
  }

  endRun(steps: number): void {
    this.runs++;
    // A run that ended early (a hang, the step limit) leaves frames it never reached.
    if (this.stack.length > steps) this.stack.length = steps;
    if (this.reduce) this.addBacktracksFromRaces();
    // Backtrack: the deepest frame with an unexplored step in its backtrack set gets it next run.
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1] as Frame;
      const pick = this.firstAllowed(top, [...top.backtrack]);
      if (pick) {
        top.chosen = pick;
        top.done.add(pick.actor);
        top.explored.push(pick);
        return;
      }
      this.stack.pop();
    }
    this.exhausted = true;
  }

  /**
   * The step chosen at `step` touched more than its footprint said. Races with it are found from
   * the grown footprint at the end of the run; the sleep sets of the frames after it, made with
   * the smaller one, are made again, and a step they no longer hold that was skipped as asleep
   * is explored there after all.
   */
  grew(step: number, footprint: readonly string[]): void {
    const frame = this.stack[step];
    if (!frame || !this.reduce) return;
    const chosen = frame.chosen;
    const grown: ActorView = { ...chosen, footprint: [...new Set([...chosen.footprint, ...footprint])] };
    frame.chosen = grown;
    const at = frame.explored.lastIndexOf(chosen);
    if (at >= 0) frame.explored[at] = grown;
    for (let i = step + 1; i < this.stack.length; i++) {
      const f = this.stack[i] as Frame;
      const sleep = this.childSleep(this.stack[i - 1] as Frame);
      for (const s of f.sleep) {
        if (sleep.some((v) => v.actor === s.actor)) continue;
        // Skipped here as asleep (done, never explored): no longer covered by an equivalent order.
        if (f.done.has(s.actor) && !f.explored.some((v) => v.actor === s.actor)) {
          f.done.delete(s.actor);
          f.backtrack.add(s.actor);
        }
      }
      f.sleep = sleep;
    }
  }

  stats(): StrategyStats {
    return {
      strategy: this.name,
      runs: this.runs,
      complete: this.exhausted,
      pruned: this.pruned,
      abandoned: this.abandoned,
      reduction: this.reduce ? 'dpor' : 'none',
    };
  }

  /**
   * For each step of the run, every earlier step of another actor that it depends on and that
   * does not already happen before the actor's previous step: the two race, so the other order
   * must be tried where the earlier one ran — with this step's actor if it could run there, else
   * with every step. Not only the latest such step (Flanagan and Godefroid's refinement): a step
   * can be disabled for a while (a sleeper that is not due first, a statement waiting on a lock),
   * and the online algorithm would have met each of those races while the step was pending.
   */
  private addBacktracksFromRaces(): void {
    const events = this.stack.map((f) => f.chosen);
    const clocks: Map<number, number>[] = [];
    const last = new Map<number, Map<number, number>>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as ActorView;
      const own = last.get(e.actor);
      const clock = new Map(own ?? []);
      for (let j = i - 1; j >= 0; j--) {
        const d = events[j] as ActorView;
        if (d.actor === e.actor || independent(d, e)) continue;
        const dClock = clocks[j] as Map<number, number>;
        if ((own?.get(d.actor) ?? 0) < (dClock.get(d.actor) ?? 0)) this.reverseAt(j, e.actor, e);
        for (const [a, t] of dClock) if ((clock.get(a) ?? 0) < t) clock.set(a, t);
      }
      clock.set(e.actor, (own?.get(e.actor) ?? 0) + 1);
      clocks.push(clock);
      last.set(e.actor, clock);
    }
    // A step offered and gone without running (its program closed the connection it was held on,
    // or ended) raced with nothing above, since races are between steps that ran; yet what ran
    // while it waited decided that it never would. Each of those choices is tried with it instead.
    const ran = new Set(events.map((e) => `${e.actor}/${e.seq ?? ''}`));
    for (const frame of this.stack) {
      for (const v of frame.options) {
        if (v.seq !== undefined && v.actor !== frame.chosen.actor && !ran.has(`${v.actor}/${v.seq}`)) frame.backtrack.add(v.actor);
      }
    }
  }

  private reverseAt(index: number, actor: number, later: ActorView): void {
    const frame = this.stack[index] as Frame;
    if (frame.options.some((v) => v.actor === actor)) {
      frame.backtrack.add(actor);
      return;
    }
    // The later step is its program's, and the earlier one was all that program had going: the
    // program could not have made the later step before the earlier one returned, so the two are
    // ordered (program order across its lanes) and there is no other order to try.
    const earlier = frame.chosen.program;
    if (earlier?.sole && later.program?.key === earlier.key) return;
    for (const v of frame.options) frame.backtrack.add(v.actor);
  }

  private firstAllowed(frame: Frame, candidates: readonly number[]): ActorView | undefined {
    for (const actor of candidates) {
      if (frame.done.has(actor)) continue;
      const v = frame.options.find((o) => o.actor === actor);
      if (!v) continue;
      if (this.reduce && frame.sleep.some((s) => s.actor === actor)) {
        this.pruned++;
        frame.done.add(actor);
        continue;
      }
      if (frame.preemptions + this.costOf(frame, actor) > this.bound) {
        this.pruned++;
        frame.done.add(actor);
        continue;
      }
      return v;
    }
    return undefined;
  }

  /** Sleep set of the child reached through `parent.chosen`: earlier siblings stay asleep while independent. */
  private childSleep(parent: Frame): ActorView[] {
    if (!this.reduce) return [];
    const chosen = parent.chosen;
    const candidates = [...parent.sleep, ...parent.explored.filter((v) => v.actor !== chosen.actor)];
    return candidates.filter((s) => independent(s, chosen));
  }

  private costOf(frame: Pick<Frame, 'previous' | 'options'>, actor: number): number {
    if (frame.previous === null || frame.previous === actor) return 0;
    return frame.options.some((v) => v.actor === frame.previous) ? 1 : 0;
  }
}
