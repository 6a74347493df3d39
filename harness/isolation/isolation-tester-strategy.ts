// The isolation tester's loop as a scheduler strategy. It releases session setups in order, then
// the steps — those of a listed permutation, or, exploring, whichever step an inner strategy
// picks among the sessions that can take one — then the session teardowns in order. At each
// decision the engine has settled (every query has finished or is blocked on a lock), so it can
// report steps exactly as the tester does: `<waiting ...>` for a step seen blocked or held back
// by a marker, `<... completed>` when it is reported later, the next step of a busy session
// launched only once its previous step is reported (WAIT until then).
import { ABANDON, WAIT, type ActorView, type Strategy, type StrategyStats } from '../sched/index.ts';
import type { TranscriptEntry } from './isolation-transcript.ts';
import type { IsolationSpec, PermutationBlocker, PermutationStep, SpecStep } from './spec-model.ts';
import type { SessionActorPlan } from './spec-actors.ts';
import type { SpecRunLog } from './spec-run-log.ts';

/** Where the steps come from: a permutation, or an inner strategy exploring interleavings. */
export type StepSource = { readonly kind: 'permutation'; readonly steps: readonly PermutationStep[] } | { readonly kind: 'explore'; readonly inner: Strategy };

/** How a run ended for the tester. */
export type TesterEnd =
  | 'completed'
  /** A blocked step waits on a session with no step left: the permutation cannot complete. */
  | 'stuck'
  /** A session's setup failed (the tester stops the whole test there). */
  | 'setup-failed';

interface Launch {
  readonly ps: PermutationStep;
  readonly step: SpecStep;
  /** Index of the session's query (setup counted) that runs this step. */
  readonly query: number;
  reported: boolean;
  readonly noticeTargets: Map<PermutationBlocker, number>;
}

export class IsolationTesterStrategy implements Strategy {
  readonly name: string;
  readonly transcript: TranscriptEntry[] = [];
  /** Steps in launch order: the permutation this run took. */
  readonly launches: Launch[] = [];
  end: TesterEnd = 'completed';
  /** Why the tester would have stopped (setup failure), for the runner to report. */
  fatal: string | null = null;
  private runs = 0;
  private phase: 'setup' | 'steps' | 'final' | 'teardown' = 'setup';
  private readonly released: number[];
  private readonly active: (Launch | null)[];
  private waiting: Launch[] = [];
  private readonly nonComplete = new Map<string, number>();
  private toProcess: Launch | null = null;
  private readonly printedNotices: number[];
  private readonly printedQueries: number[];
  private innerSteps = 0;
  /** Queries finished per session as of the last decision (what the tester saw before a hang). */
  private seen: number[] | null = null;
  private frozen = false;

  constructor(
    private readonly spec: IsolationSpec,
    private readonly source: StepSource,
    private readonly plans: readonly SessionActorPlan[],
    private readonly log: SpecRunLog,
  ) {
    this.name = source.kind === 'permutation' ? 'permutation' : source.inner.name;
    const n = spec.sessions.length;
    this.released = Array.from({ length: n }, () => 0);
    this.active = Array.from({ length: n }, () => null);
    this.printedNotices = Array.from({ length: n }, () => 0);
    this.printedQueries = Array.from({ length: n }, () => 0);
    if (source.kind === 'permutation') for (const ps of source.steps) this.nonComplete.set(ps.step, (this.nonComplete.get(ps.step) ?? 0) + 1);
  }

  beginRun(): boolean {
    if (this.source.kind === 'explore') return this.runs < 1 && this.source.inner.beginRun();
    return this.runs < 1;
  }

  next(runnable: readonly ActorView[]): number {
    this.seen = this.spec.sessions.map((_, s) => this.log.finishedCount(s));
    if (this.phase === 'setup') {
      const r = this.setupDecision(runnable);
      if (r !== null) return r;
      this.phase = 'steps';
    }
    if (this.phase === 'steps') {
      const r = this.source.kind === 'permutation' ? this.permutationDecision(runnable) : this.exploreDecision(runnable);
      if (r !== null) return r;
      this.phase = 'final';
    }
    if (this.phase === 'final') {
      const r = this.finalDecision();
      if (r !== null) return r;
      this.phase = 'teardown';
    }
    return this.teardownDecision(runnable);
  }

  /** Every session waits on a lock: what the tester sees right after its last launch. */
  settledBlocked(): void {
    this.seen = this.spec.sessions.map((_, s) => this.log.finishedCount(s));
    if (this.phase === 'steps' && this.toProcess) this.processLaunch();
  }

  endRun(_steps: number): void {
    this.runs++;
    // The inner strategy saw only the step decisions (setups and teardowns are forced).
    if (this.source.kind === 'explore') this.source.inner.endRun(this.innerSteps);
  }

  stats(): StrategyStats {
    return this.source.kind === 'explore' ? this.source.inner.stats() : { strategy: this.name, runs: this.runs };
  }

  /**
   * After the run: report what the last decisions left open, with the run's final facts — or,
   * when the run hung, with the facts of the last decision (ending the run cancelled the
   * statements that were still waiting; the tester would not have seen them finish).
   */
  finish(hung: boolean): void {
    if (this.fatal) return;
    if (hung) {
      this.frozen = true;
      this.end = 'stuck';
    }
    if (this.phase === 'setup' || this.phase === 'steps') {
      if (this.toProcess) this.processLaunch();
    }
    if (this.phase !== 'teardown') {
      if (this.waitingFinal() === 'wait' || this.frozen) {
        this.end = 'stuck';
        this.transcript.push({ kind: 'failure', message: 'failed to complete permutation due to mutually-blocking steps' });
      }
    }
    for (let s = 0; s < this.spec.sessions.length; s++) this.printTeardown(s);
  }

  // ---- setup ----

  private setupDecision(runnable: readonly ActorView[]): number | null {
    for (const plan of this.plans) {
      if (plan.gates[0] !== 'setup') continue;
      const s = plan.session;
      if ((this.released[s] as number) === 0) return this.release(runnable, s);
      if (this.log.finishedCount(s) < 1) return WAIT;
      if ((this.printedQueries[s] as number) === 0) {
        this.printedQueries[s] = 1;
        this.flushNotices(s);
        const q = this.log.finished[s]?.[0];
        const err = q?.output.find((o) => o.kind === 'error');
        if (err?.kind === 'error') {
          this.fatal = `setup of session ${this.spec.sessions[s]?.name} failed: ${err.severity}:  ${err.message}`;
          this.end = 'setup-failed';
          return ABANDON;
        }
        const last = q?.output[q.output.length - 1];
        // The tester's PQexec keeps only the last result of a block.
        if (last?.kind === 'result-set') this.transcript.push(last);
      }
    }
    return null;
  }

  // ---- steps ----

  private permutationDecision(runnable: readonly ActorView[]): number | null {
    if (this.toProcess) this.processLaunch();
    const steps = (this.source as { steps: readonly PermutationStep[] }).steps;
    if (this.launches.length >= steps.length) return null;
    const ps = steps[this.launches.length] as PermutationStep;
    const step = this.stepNamed(ps.step);
    const s = step.session;
    // The tester waits for the session's previous step before sending it the next one.
    const busy = this.active[s];
    if (busy) {
      if (!this.finished(busy)) return WAIT;
      if (!this.tryComplete(busy, true)) this.waiting = this.waiting.filter((w) => w !== busy);
      this.tryCompleteWaiting(true);
      if (this.active[s]) return WAIT;
    }
    return this.launch(runnable, ps, step);
  }

  private exploreDecision(runnable: readonly ActorView[]): number | null {
    if (this.toProcess) this.processLaunch();
    // A session whose previous step is reported stands at its next gate; offer those at a step.
    const candidates = runnable.filter((v) => this.plans[v.actor]?.gates[this.released[v.actor] as number] === 'step');
    if (candidates.length === 0) {
      const unfinished = this.launches.filter((l) => !this.finished(l)).length;
      const remaining = this.plans.some((p) => p.gates.slice(this.released[p.session]).includes('step'));
      if (!remaining && unfinished === 0) return null;
      // One blocked step alone can only wait on a session that has no step to take: it never
      // finishes. Several may be waiting on each other, which PostgreSQL breaks as a deadlock.
      if (unfinished <= 1) {
        this.end = 'stuck';
        // Ending the run cancels the waiting statement; report what was seen before that.
        this.frozen = true;
        return ABANDON;
      }
      return WAIT;
    }
    const inner = (this.source as { inner: Strategy }).inner;
    const pick = inner.next(candidates, this.innerSteps++);
    if (pick < 0) return pick;
    const view = candidates[pick] as ActorView;
    const plan = this.plans[view.actor] as SessionActorPlan;
    const ordinal = this.launches.filter((l) => l.step.session === view.actor).length;
    const step = plan.steps[ordinal] as SpecStep;
    return this.launch(runnable, { step: step.name, blockers: [] }, step);
  }

  private launch(runnable: readonly ActorView[], ps: PermutationStep, step: SpecStep): number {
    const s = step.session;
    const hasSetup = this.plans[s]?.gates[0] === 'setup';
    const launch: Launch = { ps, step, query: (hasSetup ? 1 : 0) + this.launches.filter((l) => l.step.session === s).length, reported: false, noticeTargets: new Map() };
    for (const b of ps.blockers) {
      if (b.kind === 'notices') launch.noticeTargets.set(b, b.count + (this.log.notices[this.stepNamed(b.step).session]?.length ?? 0));
    }
    if (this.source.kind === 'explore') this.nonComplete.set(step.name, (this.nonComplete.get(step.name) ?? 0) + 1);
    this.launches.push(launch);
    this.active[s] = launch;
    this.toProcess = launch;
    return this.release(runnable, s);
  }

  /** What the tester does right after sending a step: try to complete it, then the waiting ones. */
  private processLaunch(): void {
    const j = this.toProcess as Launch;
    this.toProcess = null;
    const mustWait = this.tryComplete(j, false);
    this.tryCompleteWaiting(true);
    if (mustWait) this.waiting.push(j);
  }

  /** The tester's try_complete_step: true when the step is not (yet) reported complete. */
  private tryComplete(j: Launch, retry: boolean): boolean {
    const s = j.step.session;
    const waitingLine = (): true => {
      if (!retry) {
        this.flushNotices(s);
        this.transcript.push({ kind: 'step', step: j.step.name, sql: j.step.sql, waiting: true });
      }
      return true;
    };
    if (!retry && j.ps.blockers.some((b) => b.kind === 'once')) return waitingLine();
    // The engine has settled: a step that has not finished is blocked on a lock.
    if (!this.finished(j)) return waitingLine();
    if (this.hasBlocker(j)) return waitingLine();
    this.flushNotices(s);
    this.transcript.push(retry ? { kind: 'completed', step: j.step.name } : { kind: 'step', step: j.step.name, sql: j.step.sql, waiting: false });
    this.nonComplete.set(j.step.name, (this.nonComplete.get(j.step.name) ?? 1) - 1);
    const q = this.log.finished[s]?.[j.query];
    for (const o of q?.output ?? []) this.transcript.push(o);
    for (const n of q?.notifications ?? []) {
      const from = this.log.pids.indexOf(n.processId);
      this.transcript.push({ kind: 'notify', session: this.spec.sessions[s]?.name ?? '', channel: n.channel, payload: n.payload, from: from >= 0 ? (this.spec.sessions[from]?.name ?? '') : `PID ${n.processId}` });
    }
    this.printedQueries[s] = Math.max(this.printedQueries[s] as number, j.query + 1);
    j.reported = true;
    if (this.active[s] === j) this.active[s] = null;
    return false;
  }

  /** try_complete_steps with STEP_NONBLOCK: report waiting steps that finished, in launch order. */
  private tryCompleteWaiting(nonblock: true): void;
  private tryCompleteWaiting(nonblock: false): 'wait' | 'done';
  private tryCompleteWaiting(nonblock: boolean): 'wait' | 'done' {
    let again: boolean;
    do {
      const before = this.waiting.length;
      let heldByMarker = false;
      for (const w of [...this.waiting]) {
        // Without NONBLOCK the tester blocks on the first unfinished step.
        if (!nonblock && !this.finished(w)) return 'wait';
        if (this.tryComplete(w, true)) {
          if (w.ps.blockers.length > 0) heldByMarker = true;
        } else {
          this.waiting = this.waiting.filter((x) => x !== w);
        }
      }
      // A step held back by a marker may be released by a completion later in the list.
      again = heldByMarker && this.waiting.length < before;
    } while (again);
    return 'done';
  }

  private finalDecision(): number | null {
    if (this.toProcess) this.processLaunch();
    return this.waitingFinal() === 'wait' ? WAIT : null;
  }

  private waitingFinal(): 'wait' | 'done' {
    if (this.toProcess) this.processLaunch();
    if (this.tryCompleteWaiting(false) === 'wait' || this.waiting.length > 0) return 'wait';
    return 'done';
  }

  private hasBlocker(j: Launch): boolean {
    for (const b of j.ps.blockers) {
      if (b.kind === 'step' && (this.nonComplete.get(b.step) ?? 0) > 0) return true;
      if (b.kind === 'notices' && (this.log.notices[this.stepNamed(b.step).session]?.length ?? 0) < (j.noticeTargets.get(b) ?? 0)) return true;
    }
    return false;
  }

  // ---- teardown ----

  private teardownDecision(runnable: readonly ActorView[]): number {
    for (const plan of this.plans) {
      const s = plan.session;
      if (plan.gates[plan.gates.length - 1] !== 'teardown') continue;
      const released = this.released[s] as number;
      if (released < plan.gates.length) return this.release(runnable, s);
      // Teardowns run one after another, each waited for.
      if (this.log.finishedCount(s) < plan.gates.length) return WAIT;
      this.printTeardown(s);
    }
    throw new Error(`isolation tester: every teardown ran, yet ${runnable.map((v) => v.name).join(', ')} still wait to run`);
  }

  /** The tester prints a teardown's last result when it is a row set; errors go to its stderr. */
  private printTeardown(s: number): void {
    const plan = this.plans[s] as SessionActorPlan;
    if (plan.gates[plan.gates.length - 1] !== 'teardown') return;
    if (this.log.finishedCount(s) < plan.gates.length || (this.printedQueries[s] as number) >= plan.gates.length) return;
    this.printedQueries[s] = plan.gates.length;
    this.flushNotices(s);
    const q = this.log.finished[s]?.[plan.gates.length - 1];
    const last = q?.output[q.output.length - 1];
    if (last?.kind === 'result-set') this.transcript.push(last);
  }

  // ---- shared ----

  private release(runnable: readonly ActorView[], s: number): number {
    const i = runnable.findIndex((v) => v.actor === s);
    if (i < 0) {
      throw new Error(`isolation tester: session ${this.spec.sessions[s]?.name} is not at its next query (runnable: ${runnable.map((v) => v.name).join(', ')})`);
    }
    this.released[s] = (this.released[s] as number) + 1;
    return i;
  }

  private finished(j: Launch): boolean {
    const count = this.frozen && this.seen ? (this.seen[j.step.session] ?? 0) : this.log.finishedCount(j.step.session);
    return count > j.query;
  }

  private flushNotices(s: number): void {
    const notices = this.log.notices[s] ?? [];
    for (let k = this.printedNotices[s] as number; k < notices.length; k++) {
      const n = notices[k];
      if (n) this.transcript.push({ kind: 'notice', session: this.spec.sessions[s]?.name ?? '', severity: n.severity, message: n.message, ...(n.detail ? { detail: n.detail } : {}), ...(n.hint ? { hint: n.hint } : {}) });
    }
    this.printedNotices[s] = notices.length;
  }

  private stepNamed(name: string): SpecStep {
    for (const s of this.spec.sessions) for (const st of s.steps) if (st.name === name) return st;
    throw new Error(`isolation tester: no step named ${name}`);
  }
}
