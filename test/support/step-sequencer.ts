// A tiny stand-in for the scheduler in the gate's tests: it records what the wire gates report
// and releases held steps in the order a test chooses (or at once, in `auto` mode).
import type { CloseReason, StepOutcome, WireConnectionView, WireGateHooks, WireStep } from '../../harness/gate/index.ts';

export interface HeldStep {
  readonly gate: string;
  readonly conn: WireConnectionView;
  readonly step: WireStep;
  /** Releases the step to the server; resolves with how it ended. */
  release(): Promise<StepOutcome>;
  /** Answers the client with `error` instead; resolves with the outcome the gate reports. */
  refuse(error: Error): Promise<StepOutcome>;
  /** How it ended, whoever ended it (a cancel can end a step that is still held). */
  readonly outcome: Promise<StepOutcome>;
}

export interface FinishedStep {
  readonly gate: string;
  readonly conn: number;
  readonly step: WireStep;
  readonly outcome: StepOutcome;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class StepSequencer {
  readonly finished: FinishedStep[] = [];
  readonly connects: { gate: string; conn: WireConnectionView }[] = [];
  readonly unsupported: { gate: string; conn: number | null; what: string }[] = [];
  readonly sent: { gate: string; conn: number; step: number }[] = [];
  /** `request a/0/1`, `finished a/0/1`, ...: what the gates reported, in order. */
  readonly log: string[] = [];
  private readonly held: HeldStep[] = [];
  private readonly waiters: { match: (h: HeldStep) => boolean; resolve: (h: HeldStep) => void }[] = [];
  private readonly outcomes = new Map<string, Deferred<StepOutcome>>();
  private readonly closes = new Map<string, Deferred<CloseReason>>();

  /** `auto`: release every step as soon as it is held, in arrival order. */
  constructor(public auto = false) {}

  private outcomeOf(key: string): Deferred<StepOutcome> {
    let d = this.outcomes.get(key);
    if (!d) this.outcomes.set(key, (d = deferred()));
    return d;
  }

  private closeOf(key: string): Deferred<CloseReason> {
    let d = this.closes.get(key);
    if (!d) this.closes.set(key, (d = deferred()));
    return d;
  }

  /** The hooks of the gate named `gate`. */
  hooks(gate: string): WireGateHooks {
    return {
      onConnect: async (conn) => {
        this.connects.push({ gate, conn });
      },
      onRequest: (conn, step) => {
        this.log.push(`request ${gate}/${conn.id}/${step.index}`);
        const decision = deferred<void>();
        const outcome = this.outcomeOf(`${gate}/${conn.id}/${step.index}`).promise;
        const held: HeldStep = {
          gate,
          conn,
          step,
          outcome,
          release: () => (decision.resolve(), outcome),
          refuse: (e) => (decision.reject(e), outcome),
        };
        if (this.auto) void held.release();
        else this.offer(held);
        return decision.promise;
      },
      onSent: (conn, step) => {
        this.sent.push({ gate, conn: conn.id, step: step.index });
      },
      onFinished: (conn, step, outcome) => {
        this.log.push(`finished ${gate}/${conn.id}/${step.index}`);
        this.finished.push({ gate, conn: conn.id, step, outcome });
        this.outcomeOf(`${gate}/${conn.id}/${step.index}`).resolve(outcome);
      },
      onClose: (conn, reason) => {
        this.closeOf(`${gate}/${conn.id}`).resolve(reason);
      },
      onUnsupported: (what, conn) => {
        this.unsupported.push({ gate, conn: conn?.id ?? null, what });
      },
    };
  }

  private offer(h: HeldStep): void {
    const i = this.waiters.findIndex((w) => w.match(h));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(h);
    else this.held.push(h);
  }

  /** The earliest held step matching `match` (waiting for one to arrive); the test decides its fate. */
  next(match: (h: HeldStep) => boolean = () => true): Promise<HeldStep> {
    const i = this.held.findIndex(match);
    if (i >= 0) return Promise.resolve(this.held.splice(i, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** The next held step of `gate` whose SQL (or detail) contains `text`. */
  nextOf(gate: string, text: string): Promise<HeldStep> {
    return this.next((h) => h.gate === gate && h.step.detail.includes(text));
  }

  /** Releases `gate`'s next step containing `text` and waits until it ended. */
  async run(gate: string, text: string): Promise<StepOutcome> {
    return (await this.nextOf(gate, text)).release();
  }

  /** Resolves when connection `conn` of `gate` closes. */
  closed(gate: string, conn: number): Promise<CloseReason> {
    return this.closeOf(`${gate}/${conn}`).promise;
  }

  /** Finished steps whose statements include `sql` exactly. */
  executions(sql: string): FinishedStep[] {
    return this.finished.filter((f) => f.step.statements.some((s) => s.sql === sql));
  }
}
