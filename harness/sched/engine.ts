// The scheduler engine: runs actors over gated ports and releases one step at a time.
// Loop: wait until every actor is paused at a step, sleeping, blocked on another actor's lock
// (asked of PostgreSQL, as the isolation tester does) or done; ask the strategy; release; repeat.
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { Clock, ExchangeClient, SqlClient } from '../bot/index.ts';
import { HarnessError } from '../errors/index.ts';
import { ActorSession } from './actor-session.ts';
import { GatedExchangeClient } from './gated-exchange-client.ts';
import { GatedSqlClient } from './gated-sql-client.ts';
import { Schedule } from './schedule.ts';
import { ABANDON, type ActorView, type StepKind, type Strategy } from './strategy.ts';
import { actorError, sqlStateOf, type ActorOutcome, type RunOutcome, type TraceStep } from './trace.ts';

/** What an actor's code gets: the bot's ports, scheduled. */
export interface ActorPorts {
  readonly actor: number;
  readonly sql: SqlClient;
  readonly clock: Clock;
  exchange(name: string): ExchangeClient;
}

export interface ActorSpec {
  readonly name: string;
  /**
   * Resource keys the actor's SQL touches (e.g. `APTUSDT@binance`), for partial-order reduction.
   * Omit when unknown: every SQL step then counts as touching everything.
   */
  readonly keys?: readonly string[];
  run(ports: ActorPorts): Promise<unknown>;
}

export interface EngineOptions {
  readonly databaseUrl: string;
  /** The real (unscheduled) exchange client of an exchange name; the engine gates it. */
  readonly exchangeClient: (exchange: string) => ExchangeClient;
  /** Wall-clock limit without progress before a run ends as `hang` (default 5000 ms). */
  readonly hangTimeoutMs?: number;
  /** Steps after which a run ends as `step-limit` (default 5000). */
  readonly maxSteps?: number;
}

export interface ScheduleRun {
  readonly outcome: RunOutcome;
  readonly schedule: Schedule;
  readonly trace: readonly TraceStep[];
  readonly actors: readonly ActorOutcome[];
  /** Virtual milliseconds the run took. */
  readonly virtualTime: number;
  /** Steps that waited on another actor's lock. */
  readonly blockedSteps: number;
}

export interface RealtimeOptions {
  /** Real sleep = virtual sleep × this (default 0.001: a 3 s settlement takes 3 ms). */
  readonly sleepScale?: number;
}

type ActorState = 'running' | 'paused' | 'inflight' | 'blocked' | 'sleeping' | 'done';

interface Pending {
  readonly view: ActorView;
  readonly detail: string;
  readonly release: () => void;
  readonly abandon: (e: Error) => void;
}

/** Thrown into actors of a run that ended; their code unwinds without touching the database. */
export class RunEndedError extends Error {
  readonly code = 'E_RUN_ENDED';
  constructor() {
    super('the scheduled run ended; this actor was stopped');
  }
}

interface ActorRt {
  readonly index: number;
  readonly spec: ActorSpec;
  readonly session: ActorSession;
  state: ActorState;
  pending: Pending | null;
  wakeAt: number;
  wake: (() => void) | null;
  wakeAbort: ((e: Error) => void) | null;
  sleepLabel: string;
  /** The trace record of the step in progress. */
  current: TraceStep | null;
  outcome: ActorOutcome | null;
  promise: Promise<void> | null;
  /** False once its run ended: any further gate or sleep of the actor fails at once. */
  live: boolean;
  /**
   * Its in-flight statement may be polled. Set POLL_DELAY_MS after sending (and after each
   * "not blocked" answer): most statements return by then, and a poll per statement would cost
   * more than the statement.
   */
  pollReady: boolean;
}

export class Scheduler {
  private readonly sessions: ActorSession[] = [];
  private observerClient: pg.Client | null = null;
  private readonly als = new AsyncLocalStorage<ActorRt>();
  private actors: ActorRt[] = [];
  private epoch = 0;
  private controlled = true;
  private sleepScale = 0.001;
  private time = 0;
  private step = 0;
  private trace: TraceStep[] = [];
  private blockedSteps = 0;
  private changed: () => void = () => undefined;
  private changePromise: Promise<void> = Promise.resolve();
  private poll: Promise<'polled'> | null = null;
  /** Counts finished steps; a blocked answer from before the last one is stale. */
  private progress = 0;
  private readonly hangTimeoutMs: number;
  private readonly maxSteps: number;

  /** A clock for code that runs inside an actor's step (the mock exchange's latency faults). */
  readonly ambientClock: Clock = {
    now: () => this.time,
    sleep: (ms) => {
      const rt = this.als.getStore();
      return rt ? this.park(rt, ms, 'latency') : Promise.resolve();
    },
  };

  private constructor(private readonly options: EngineOptions) {
    this.hangTimeoutMs = options.hangTimeoutMs ?? 5000;
    this.maxSteps = options.maxSteps ?? 5000;
  }

  static async connect(options: EngineOptions): Promise<Scheduler> {
    const s = new Scheduler(options);
    const observer = new pg.Client({ connectionString: options.databaseUrl });
    observer.on('error', () => undefined);
    await observer.connect();
    s.observerClient = observer;
    return s;
  }

  /** The observer session: blocked-detection, setup, reset and invariant checks run on it. */
  get observer(): pg.Client {
    if (!this.observerClient) throw new Error('scheduler is closed');
    return this.observerClient;
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
    this.sessions.length = 0;
    await this.observerClient?.end().catch(() => undefined);
    this.observerClient = null;
  }

  /** One controlled run: the strategy picks every step. */
  async run(specs: readonly ActorSpec[], strategy: Strategy): Promise<ScheduleRun> {
    this.controlled = true;
    return this.execute(specs, () => this.loop(strategy));
  }

  /** The naive baseline: no control, real concurrency, sleeps scaled down to real timers. */
  async runRealtime(specs: readonly ActorSpec[], options: RealtimeOptions = {}): Promise<ScheduleRun> {
    this.controlled = false;
    this.sleepScale = options.sleepScale ?? 0.001;
    return this.execute(specs, async () => {
      const all = Promise.all(this.actors.map((a) => a.promise));
      const outcome = await this.withHangLimit(all.then(() => 'completed' as const));
      return outcome;
    });
  }

  // ---- the run ----

  private async execute(specs: readonly ActorSpec[], body: () => Promise<RunOutcome>): Promise<ScheduleRun> {
    if (specs.length === 0) throw new HarnessError('E_BAD_ARGUMENT', 'a run needs at least one actor');
    while (this.sessions.length < specs.length) {
      const s = new ActorSession(this.options.databaseUrl);
      await s.connect();
      this.sessions.push(s);
    }
    this.epoch++;
    this.time = 0;
    this.step = 0;
    this.trace = [];
    this.blockedSteps = 0;
    this.resetChange();
    this.actors = specs.map((spec, index) => ({
      index,
      spec,
      session: this.sessions[index] as ActorSession,
      state: 'running' as ActorState,
      pending: null,
      wakeAt: 0,
      wake: null,
      wakeAbort: null,
      sleepLabel: '',
      current: null,
      outcome: null,
      promise: null,
      live: true,
      pollReady: false,
    }));
    const choices: number[] = [];
    this.choices = choices;
    for (const rt of this.actors) rt.promise = this.startActor(rt);
    let outcome: RunOutcome;
    try {
      outcome = await body();
    } finally {
      await this.endRun();
    }
    const actors = this.actors.map((a) => a.outcome ?? { status: 'unfinished' as const, state: a.state });
    if (outcome === 'completed' && actors.some((a) => a.status === 'error' && a.sqlState === '40P01')) outcome = 'deadlock';
    const result: ScheduleRun = {
      outcome,
      schedule: new Schedule(choices),
      trace: this.trace,
      actors,
      virtualTime: this.time,
      blockedSteps: this.blockedSteps,
    };
    this.actors = [];
    return result;
  }

  private choices: number[] = [];

  private startActor(rt: ActorRt): Promise<void> {
    const ports: ActorPorts = {
      actor: rt.index,
      sql: new GatedSqlClient(rt.session, (kind, label, detail) => this.gate(rt, kind, label, detail), (r, e) => this.stepFinished(rt, r, e), () => this.sent(rt)),
      clock: { now: () => this.time, sleep: (ms, label) => this.sleepStep(rt, ms, label ?? 'sleep') },
      exchange: (name) =>
        new GatedExchangeClient(this.options.exchangeClient(name), (op, detail) => this.gate(rt, 'exchange', op, detail, [`${READ_ONLY_EXCHANGE_CALLS.has(op) ? 'r:' : ''}ex:${name}`]), (r, e) =>
          this.stepFinished(rt, r, e),
        ),
    };
    return this.als.run(rt, async () => {
      try {
        const value = await rt.spec.run(ports);
        rt.outcome = { status: 'ok', value };
      } catch (e) {
        rt.outcome = actorError(e);
      }
      rt.state = 'done';
      this.notify();
    });
  }

  private async loop(strategy: Strategy): Promise<RunOutcome> {
    for (;;) {
      const settled = await this.settle();
      if (settled === 'hang') return 'hang';
      const options = this.runnableSteps();
      if (options.length === 0) {
        if (this.actors.every((a) => a.state === 'done')) return 'completed';
        // Only lock waits remain: a cycle PostgreSQL has not broken yet (deadlock_timeout).
        const moved = await this.withHangLimit(this.changePromise.then(() => 'moved' as const));
        if (moved === 'hang') return 'deadlock';
        this.unconfirmBlocked();
        continue;
      }
      if (this.step >= this.maxSteps) return 'step-limit';
      const pick = strategy.next(options, this.step);
      if (pick === ABANDON) return 'abandoned';
      const view = options[pick];
      if (!view) throw new Error(`strategy ${strategy.name} picked ${pick} of ${options.length} runnable steps`);
      if (strategy.now) this.time = Math.max(this.time, strategy.now());
      this.release(view);
    }
  }

  /** Paused actors, plus the sleepers due first (waking one is a choice like any other). */
  private runnableSteps(): ActorView[] {
    const views: ActorView[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const a of this.actors) if (a.state === 'sleeping') earliest = Math.min(earliest, a.wakeAt);
    for (const a of this.actors) {
      if (a.state === 'paused' && a.pending) views.push(a.pending.view);
      else if (a.state === 'sleeping' && a.wakeAt === earliest) {
        views.push({ actor: a.index, name: a.spec.name, kind: 'wake', label: `wake (${a.sleepLabel})`, footprint: ['clock'], wakeAt: a.wakeAt });
      }
    }
    return views;
  }

  private release(view: ActorView): void {
    const rt = this.actors[view.actor] as ActorRt;
    this.choices.push(view.actor);
    const record: TraceStep = {
      step: this.step++,
      actor: rt.index,
      kind: view.kind,
      label: view.label,
      detail: view.kind === 'wake' ? `t=${rt.wakeAt}` : (rt.pending?.detail ?? ''),
      result: view.kind === 'wake' || view.kind === 'sleep' ? 'ok' : 'pending',
      at: view.kind === 'wake' ? Math.max(this.time, rt.wakeAt) : this.time,
      waitedOn: [],
    };
    this.trace.push(record);
    this.unconfirmBlocked();
    if (view.kind === 'wake') {
      this.time = Math.max(this.time, rt.wakeAt);
      const wake = rt.wake;
      rt.wake = null;
      rt.wakeAbort = null;
      rt.state = 'running';
      wake?.();
      return;
    }
    const pending = rt.pending;
    rt.pending = null;
    rt.current = view.kind === 'sleep' ? null : record;
    rt.state = 'running';
    pending?.release();
  }

  // ---- what the gated ports call ----

  private gate(rt: ActorRt, kind: StepKind, label: string, detail: string, footprint?: readonly string[]): Promise<void> {
    if (!rt.live) return Promise.reject(new RunEndedError());
    if (!this.controlled) {
      // A sleep has no result to wait for; other steps are completed by stepFinished.
      const record: TraceStep = { step: this.step++, actor: rt.index, kind, label, detail, result: kind === 'sleep' ? 'ok' : 'pending', at: this.time, waitedOn: [] };
      this.trace.push(record);
      rt.current = kind === 'sleep' ? null : record;
      return Promise.resolve();
    }
    const fp = footprint ?? (kind === 'sleep' ? ['clock'] : sqlFootprint(rt.spec, detail));
    return new Promise<void>((release, abandon) => {
      rt.pending = { view: { actor: rt.index, name: rt.spec.name, kind, label, footprint: fp }, detail, release, abandon };
      rt.state = 'paused';
      this.notify();
    });
  }

  private sent(rt: ActorRt): void {
    if (!this.controlled) return;
    rt.state = 'inflight';
    this.armPoll(rt);
  }

  private armPoll(rt: ActorRt): void {
    rt.pollReady = false;
    // Not a time-out: only a "blocked" answer from PostgreSQL ever marks an actor blocked.
    setTimeout(() => {
      rt.pollReady = true;
      if (rt.state === 'inflight') this.notify();
    }, POLL_DELAY_MS);
  }

  private stepFinished(rt: ActorRt, result: string, error: unknown): void {
    // A finished step (a COMMIT, an error that aborted a transaction) may have freed locks.
    this.progress++;
    this.unconfirmBlocked();
    const cur = rt.current;
    if (cur) {
      cur.result = error === undefined ? result : `ERR ${errorCode(error)}`;
      rt.current = null;
    }
    if (rt.state === 'inflight' || rt.state === 'blocked') rt.state = 'running';
    this.notify();
  }

  private async sleepStep(rt: ActorRt, ms: number, label: string): Promise<void> {
    await this.gate(rt, 'sleep', label, `${ms} ms`);
    await this.park(rt, ms, label);
  }

  /** Parks an actor until the engine chooses to wake it (virtual) or a scaled real timer fires. */
  private park(rt: ActorRt, ms: number, label: string): Promise<void> {
    if (!rt.live) return Promise.reject(new RunEndedError());
    if (!this.controlled) {
      return new Promise((resolve) => setTimeout(resolve, ms * this.sleepScale));
    }
    return new Promise<void>((resolve, reject) => {
      rt.state = 'sleeping';
      rt.wakeAt = this.time + ms;
      rt.sleepLabel = label;
      rt.wake = resolve;
      rt.wakeAbort = reject;
      this.notify();
    });
  }

  // ---- waiting for the actors to settle ----

  private notify(): void {
    this.changed();
  }

  private resetChange(): void {
    this.changePromise = new Promise((resolve) => {
      this.changed = () => {
        this.resetChange();
        resolve();
      };
    });
  }

  private isSettled(a: ActorRt): boolean {
    return a.state === 'paused' || a.state === 'sleeping' || a.state === 'done' || a.state === 'blocked';
  }

  /** Waits until every actor is paused, sleeping, blocked or done; 'hang' after the limit. */
  private async settle(): Promise<'settled' | 'hang'> {
    if (this.actors.every((a) => this.isSettled(a))) return 'settled';
    // One step's worth of waiting is bounded by the hang limit (wall time: a safety net only,
    // never what decides an interleaving).
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve('timeout');
      }, this.hangTimeoutMs);
    });
    try {
      for (;;) {
        if (this.actors.every((a) => this.isSettled(a))) return 'settled';
        if (timedOut) return 'hang';
        const waiting = this.actors.filter((a) => a.state === 'inflight' && a.pollReady);
        // At most one poll in flight; a poll still out from an earlier wait is awaited, not repeated.
        if (waiting.length > 0 && !this.poll) this.poll = this.pollBlocked(waiting).finally(() => (this.poll = null));
        // Never race a promise that never settles: every race would leave a reaction on it.
        await Promise.race(this.poll ? [this.changePromise, this.poll, limit] : [this.changePromise, limit]);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** One pg_blocking_pids round trip for the actors whose statement is on the wire. */
  private async pollBlocked(waiting: readonly ActorRt[]): Promise<'polled'> {
    const progressAtSend = this.progress;
    {
      const pids = waiting.map((a) => a.session.pid);
      const r = await this.observer.query<{ pid: number; blockers: number[] }>(
        'SELECT p AS pid, pg_blocking_pids(p) AS blockers FROM unnest($1::int[]) AS p',
        [pids],
      );
      // A step finished while the poll was out: its lock may be gone; ask again.
      if (this.progress !== progressAtSend) {
        for (const rt of waiting) if (rt.state === 'inflight') this.armPoll(rt);
        return 'polled';
      }
      for (const row of r.rows) {
        const rt = waiting.find((a) => a.session.pid === row.pid);
        // The answer is stale if the statement returned meanwhile; "not blocked" is never final.
        if (!rt || rt.state !== 'inflight') continue;
        const by = this.actors.filter((a) => a !== rt && row.blockers.includes(a.session.pid)).map((a) => a.index);
        if (by.length === 0) {
          this.armPoll(rt);
          continue;
        }
        rt.state = 'blocked';
        const cur = rt.current;
        if (cur && cur.waitedOn.length === 0) this.blockedSteps++;
        if (cur) for (const b of by) if (!cur.waitedOn.includes(b)) cur.waitedOn.push(b);
      }
    }
    return 'polled';
  }

  /** After any release a blocked actor may have been granted its lock: ask again. */
  private unconfirmBlocked(): void {
    for (const a of this.actors) if (a.state === 'blocked') a.state = 'inflight';
  }

  private async withHangLimit<T>(p: Promise<T>): Promise<T | 'hang'> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), this.hangTimeoutMs);
    });
    try {
      return await Promise.race([p, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- ending a run ----

  /** Stops what is still running, rolls back open transactions, replaces sessions left mid-statement. */
  private async endRun(): Promise<void> {
    const live = this.actors.filter((a) => a.state !== 'done');
    // Where each stopped actor was when the run ended. How it unwinds (the RunEndedError of its
    // gate, 57014 from its cancelled statement) is the engine's doing, not how the actor ended.
    const stopped = live.map((a) => [a, a.state] as const);
    const inflightPids = live.filter((a) => a.session.busy).map((a) => a.session.pid);
    if (inflightPids.length > 0) {
      await this.observer.query('SELECT pg_cancel_backend(p) FROM unnest($1::int[]) AS p', [inflightPids]).catch(() => undefined);
    }
    const ended = new RunEndedError();
    const actors = this.actors;
    for (const a of actors) {
      a.live = false;
      a.pending?.abandon(ended);
      a.wakeAbort?.(ended);
    }
    // Actors unwind within a few ticks; one stuck in an exchange call that never answers is left behind.
    if (live.length > 0) await this.withHangLimit(Promise.all(actors.map((a) => a.promise)));
    for (const [a, state] of stopped) a.outcome = { status: 'unfinished', state };
    for (const a of actors) {
      if (a.state !== 'done') a.session.tainted = true;
    }
    await Promise.all(actors.map((a) => a.session.restore()));
  }
}

/** Exchange requests that change nothing on the exchange. */
const READ_ONLY_EXCHANGE_CALLS: ReadonlySet<string> = new Set(['listPositions', 'getOrder']);

/** Wait before asking PostgreSQL whether a statement is blocked: most return well within it. */
const POLL_DELAY_MS = 1;

/** What a trace shows for a failed step: the SQLSTATE, else the exchange's code, else the error's. */
function errorCode(e: unknown): string {
  const err = e as { code?: unknown; exchangeCode?: unknown } | null;
  const sqlState = sqlStateOf(e);
  if (sqlState) return sqlState;
  if (typeof err?.exchangeCode === 'string') return err.exchangeCode;
  return typeof err?.code === 'string' ? err.code : 'ERROR';
}

/**
 * BEGIN touches nothing another session can see; a plain SELECT only reads the actor's keys (no
 * lock, nothing to make visible); every other statement may write them.
 */
function sqlFootprint(spec: ActorSpec, sql: string): readonly string[] | 'all' {
  if (/^\s*BEGIN\b/i.test(sql)) return [];
  if (!spec.keys) return 'all';
  const read = /^\s*SELECT\b/i.test(sql) && !/pg_advisory|\bFOR\s+(UPDATE|SHARE|NO KEY|KEY)\b/i.test(sql);
  return spec.keys.map((k) => (read ? `r:db:${k}` : `db:${k}`));
}
