// The scheduler engine: runs actors over gated ports and releases one step at a time.
// Loop: wait until every actor is paused at a step, sleeping, blocked on another actor's lock
// (asked of PostgreSQL, as the isolation tester does) or done; ask the strategy; release; repeat.
import pg from 'pg';
import { HarnessError } from '../errors/index.ts';
import type { Clock, ServiceDefinition, ServiceProvider, SqlClient } from '../ports/index.ts';
import { connectWithin, describeFault, isConnectionFault, NAME_RESOLUTION_SQL } from '../db/index.ts';
import { mayCloseLockCycle } from './lock-cycle.ts';
import { ObserverSession } from './observer-session.ts';
import { ActorSession, type LockRow, type LocksHeard } from './actor-session.ts';
import { RELATION_LOCKS_SQL } from './relation-locks.ts';
import { gatedService } from './gated-service.ts';
import { GatedSqlClient } from './gated-sql-client.ts';
import type { RawSqlClient } from './raw-query.ts';
import { Schedule } from './schedule.ts';
import { RunEndedError, type ActorPorts, type BeforeCommit, type ActorSpec, type LanePort, type LaneStep, type QuiescenceProbe } from './actor.ts';
import { ExternalLaneSession, type LaneSession } from './lane-session.ts';
import type { FootprintMiss, LaneInfo, ScheduleRun, SessionFault } from './schedule-run.ts';
import { footprintCovers, isolationNamed, isRead, loadSqlCatalog, loadSqlParser, SQL_ANYTHING, SqlFootprinter, statementCount, type SqlCatalog, type TransactionEnd } from '../footprint/index.ts';
import { isSqlActor } from './sql-actor.ts';
import { ABANDON, WAIT, type ActorView, type StepKind, type Strategy } from './strategy.ts';
import { actorError, ProgramResult, sqlStateOf, type ActorOutcome, type RunOutcome, type TraceStep } from './trace.ts';
import { traceValues } from './sql-parameters.ts';

/** Wall-clock limit without progress before a run is a hang, unless told otherwise (`--hang-timeout`). */
export const DEFAULT_HANG_TIMEOUT_MS = 5000;

export interface EngineOptions {
  readonly databaseUrl: string;
  /** The cell's outside services by name (unscheduled); the engine gates every call. */
  readonly services?: ServiceProvider;
  /** Wall-clock limit without progress before a run ends as `hang` (default DEFAULT_HANG_TIMEOUT_MS). */
  readonly hangTimeoutMs?: number;
  /** Steps after which a run ends as `step-limit` (default 5000). */
  readonly maxSteps?: number;
  /** How long to wait for the server to take connections again after a session died (default 30 s). */
  readonly reconnectTimeoutMs?: number;
  /**
   * Compare what PostgreSQL shows each actor's backend touched with what its footprints claimed
   * (default true); a run reports what went beyond them in `footprintMisses`.
   */
  readonly crossCheck?: boolean;
  /**
   * Internal, unsound: turn off a static guarantee (what the catalog attaches to tables, the
   * server's isolation levels, the session reset between runs) to show the cross-check alone catches it.
   */
  readonly unsound?: { readonly attachedFootprints?: false; readonly serverIsolation?: false; readonly sessionReset?: false };
}

export interface RealtimeOptions {
  /** Real sleep = virtual sleep × this (default 0.001: a 3 s settlement takes 3 ms). */
  readonly sleepScale?: number;
}

/**
 * `idle`: a lane of a program (an actor with lanes) with no step held and nothing on the wire; it
 * counts as settled only once the program is quiescent (nothing of it still computing).
 */
type ActorState = 'running' | 'paused' | 'inflight' | 'blocked' | 'sleeping' | 'idle' | 'done';

/** What the lanes of one actor share: its outcome, and for a program, how to tell it is quiescent. */
interface ActorGroup {
  readonly index: number;
  readonly spec: ActorSpec;
  readonly lanes: ActorRt[];
  probe: QuiescenceProbe | null;
  /** What of the program was last found running (see ActorPorts.quiescence). */
  busyWith: (() => string | null) | null;
  outcome: ActorOutcome | null;
  readonly ended: AbortController;
  /** A program that LISTENs (or ran a statement the gate could not read) may hear from others at any time. */
  listens: boolean;
  /** The engine's progress count when a step of it last finished: the program last answered is asked first. */
  lastFinished: number;
}

interface Pending {
  readonly view: ActorView;
  readonly detail: string;
  readonly values: readonly string[] | undefined;
  readonly release: () => void;
  readonly abandon: (e: Error) => void;
}

interface ActorRt {
  /** The lane's index: what schedules record and traces show as `actor`. */
  readonly index: number;
  readonly spec: ActorSpec;
  readonly group: ActorGroup;
  /** `<actor>` for an actor's only lane, `<actor>/<lane>` for a lane of a program. */
  readonly name: string;
  readonly session: LaneSession;
  /** The engine's own session of an in-process lane (null for a program's lane). */
  readonly own: ActorSession | null;
  /** The driver-reported session of a program's lane (null for an in-process lane). */
  readonly external: ExternalLaneSession | null;
  state: ActorState;
  pending: Pending | null;
  wakeAt: number;
  /** Steps offered so far in this run (a wake counts): each offered step's `seq`. */
  offered: number;
  /** What the lane's steps ended at a Flush wrote in an implicit transaction: its next Sync publishes it. */
  implicitWrites: Set<string>;
  /** A step of the lane ended at a Flush has run statements in the implicit transaction still open. */
  implicitOpen: boolean;
  /** The lane's step just footprinted commits on its own at its Sync: what its statements claimed. */
  commitsAlone: TransactionEnd | null;
  /** The session's transaction status as the step in flight was sent. */
  statusBefore: 'I' | 'T' | 'E';
  /** The `seq` of the wake while it sleeps. */
  wakeSeq: number;
  /** While blocked: the actors PostgreSQL last said it waits on. */
  blockers: readonly number[];
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
  /** The engine's sessions by lane index (in-process lanes only): reused across runs. */
  private readonly sessions: ActorSession[] = [];
  /** The server's deadlock_timeout, the bound of a program's lock waits (read once, when a program first runs). */
  private serverDeadlockMs: number | null = null;
  private observerSession: ObserverSession | null = null;
  private catalog: SqlCatalog | null = null;
  /** Per session (by backend pid): its footprint tracker, which follows the session's transaction. */
  private readonly footprinters = new Map<LaneSession, { pid: number; footprinter: SqlFootprinter }>();
  private actors: ActorRt[] = [];
  private groups: ActorGroup[] = [];
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
  /**
   * The last run sent a statement at SERIALIZABLE. Its predicate locks are taken on index and heap
   * pages, so whether a transaction fails with 40001 depends on the tables' physical layout, which
   * DELETE leaves behind: the next run must start from truncated tables to replay the same way.
   */
  ranSerializable = false;
  /** Counts finished steps; a blocked answer from before the last one is stale. */
  private progress = 0;
  private readonly hangTimeoutMs: number;
  private readonly maxSteps: number;
  /** The first session fault of the current run: the run ends as `connection-lost`. */
  private fault: SessionFault | null = null;
  /** What the cross-check found in the current run. */
  private misses: FootprintMiss[] = [];
  /** Each in-process lane's session state as its first run began (the cross-check's reference). */
  private readonly firstStates: string[] = [];

  /** A clock for code that runs inside an actor's service call (a mock service's latency faults). */
  readonly ambientClock: Clock = {
    now: () => this.time,
    sleep: (ms) => {
      if (!this.controlled) return new Promise((resolve) => setTimeout(resolve, ms * this.sleepScale));
      const rt = this.actorInServiceStep();
      return rt ? this.park(rt, ms, 'latency') : Promise.resolve();
    },
  };

  /**
   * The actor whose service call is being answered. Steps are released one at a time and each
   * runs until every actor has settled again, so at most one actor is inside a service step it has
   * not parked in. (Found this way rather than with AsyncLocalStorage, whose hooks tax every promise.)
   */
  private actorInServiceStep(): ActorRt | undefined {
    let found: ActorRt | undefined;
    for (const a of this.actors) {
      if (a.state !== 'running' || a.current?.kind !== 'service') continue;
      if (found) throw new Error(`actors ${found.name} and ${a.name} are both inside a service call; cannot tell which one waits`);
      found = a;
    }
    return found;
  }

  private constructor(private readonly options: EngineOptions) {
    this.hangTimeoutMs = options.hangTimeoutMs ?? DEFAULT_HANG_TIMEOUT_MS;
    this.maxSteps = options.maxSteps ?? 5000;
  }

  static async connect(options: EngineOptions): Promise<Scheduler> {
    const s = new Scheduler(options);
    s.observerSession = await ObserverSession.open(options.databaseUrl, options.reconnectTimeoutMs);
    return s;
  }

  /** The observer session: blocked-detection, setup, reset and invariant checks run on it. */
  get observer(): pg.Client {
    if (!this.observerSession) throw new Error('scheduler is closed');
    return this.observerSession.client;
  }

  /** Told when a lost observer session is replaced without a failed query having reported it. */
  set onObserverReplaced(fn: (error: unknown) => void) {
    if (this.observerSession) this.observerSession.onReplaced = fn;
  }

  /**
   * Replaces the observer session if its connection died (or `force`), waiting for the server
   * within the reconnect bound. Callers retry what failed on it.
   */
  reconnectObserver(force = false): Promise<void> {
    return this.observerSession?.reconnect(force) ?? Promise.resolve();
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s?.close()));
    this.sessions.length = 0;
    await this.observerSession?.close();
    this.observerSession = null;
  }

  /**
   * Readies the scheduler for other actors on the same database (a command's next spec): the
   * catalog is read again at the next run, the cross-check's reference states and the footprint
   * trackers are forgotten, and the observer session is made like a new connection (what a setup
   * or teardown block set or took on it is gone). The actor sessions are already restored after
   * every run.
   */
  async beginWorkload(): Promise<void> {
    if (this.actors.length > 0) throw new Error('beginWorkload() during a run');
    this.catalog = null;
    this.footprinters.clear();
    this.firstStates.length = 0;
    this.ranSerializable = false;
    await this.reconnectObserver();
    const observer = this.observer;
    if (observer.getTransactionStatus() !== 'I') await observer.query('ROLLBACK');
    await observer.query('DISCARD ALL');
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
    const keyed = specs.find((s) => 'keys' in s);
    if (keyed) {
      // Declared keys once decided which steps commute, and a wrong guess was a silent false proof.
      throw new HarnessError('E_BAD_ARGUMENT', `actor '${keyed.name}' declares keys: remove them; which steps commute is now derived from the SQL itself`);
    }
    const plan = lanePlan(specs);
    await loadSqlParser();
    refuseParametersWithSeveralStatements(specs);
    try {
      await this.prepareSessions(plan);
    } catch (e) {
      // A session killed before the run began (the catalog read, a restore): the run did not
      // start, and like any run that lost a session it is the caller's to run again.
      if (!isConnectionFault(e)) throw e;
      this.observerSession?.failed(e);
      for (const s of this.sessions) if (s) s.tainted = true;
      const code = (e as { code?: unknown } | null)?.code;
      return {
        outcome: 'connection-lost',
        schedule: new Schedule([]),
        trace: [],
        actors: specs.map(() => ({ status: 'unfinished' as const, state: 'running' })),
        virtualTime: 0,
        blockedSteps: 0,
        fault: { session: 'before the run', code: typeof code === 'string' ? code : null, message: describeFault(e) },
      };
    }
    this.epoch++;
    this.time = 0;
    this.step = 0;
    this.trace = [];
    this.blockedSteps = 0;
    this.resetChange();
    this.groups = specs.map((spec, index) => ({ index, spec, lanes: [], probe: null, busyWith: null, outcome: null, ended: new AbortController(), listens: false, lastFinished: 0 }));
    this.actors = plan.map((lane, index) => {
      const group = this.groups[lane.owner] as ActorGroup;
      const own = lane.name === null ? (this.sessions[index] as ActorSession) : null;
      const external = lane.name === null ? null : new ExternalLaneSession(this.serverDeadlockMs ?? DEFAULT_DEADLOCK_MS);
      const rt: ActorRt = {
      index,
      spec: group.spec,
      group,
      name: lane.name === null ? group.spec.name : `${group.spec.name}/${lane.name}`,
      session: (own ?? external) as LaneSession,
      own,
      external,
      state: lane.name === null ? 'running' : 'idle',
      pending: null,
      wakeAt: 0,
      offered: 0,
      implicitWrites: new Set(),
      implicitOpen: false,
      commitsAlone: null,
      statusBefore: 'I',
      wakeSeq: 0,
      blockers: [],
      wake: null,
      wakeAbort: null,
      sleepLabel: '',
      current: null,
      outcome: null,
      promise: null,
      live: true,
      pollReady: false,
      };
      group.lanes.push(rt);
      return rt;
    });
    const choices: number[] = [];
    this.choices = choices;
    for (const group of this.groups) {
      const first = group.lanes[0] as ActorRt;
      first.promise = this.startActor(first);
    }
    let outcome: RunOutcome | undefined;
    try {
      outcome = await body();
      if (outcome === 'completed') await this.checkOpenTransactions();
    } finally {
      await this.endRun(outcome === 'hang');
    }
    const actors = this.groups.map((g) => g.outcome ?? { status: 'unfinished' as const, state: (g.lanes[0] as ActorRt).state });
    const lanes: LaneInfo[] | null = plan.some((l) => l.name !== null) ? this.actors.map((a) => ({ name: a.name, actor: a.group.index })) : null;
    if (outcome === 'completed' && actors.some((a) => a.status === 'error' && a.sqlState === '40P01')) outcome = 'deadlock';
    // Whatever else happened, a run in which a session died says nothing about the code under test.
    const fault = this.fault;
    if (fault) outcome = 'connection-lost';
    const result: ScheduleRun = {
      outcome,
      schedule: new Schedule(choices),
      trace: this.trace,
      actors,
      virtualTime: this.time,
      blockedSteps: this.blockedSteps,
      ...(fault ? { fault } : {}),
      ...(lanes ? { lanes } : {}),
      ...(this.misses.length > 0 ? { footprintMisses: this.misses } : {}),
    };
    this.actors = [];
    this.groups = [];
    return result;
  }

  private choices: number[] = [];
  /** `current_user / search_path` of the session the catalog was read on. */
  private observerNames: string | null = null;
  /** The strategy of the controlled run going on (told when a released step touched more). */
  private strategy: Strategy | null = null;

  /** Every in-process lane's session connected and clean, the observer live, the catalog read. */
  private async prepareSessions(plan: readonly PlannedLane[]): Promise<void> {
    // Sessions connect side by side: a connection costs a round trip or three each.
    const missing = plan.flatMap((lane, index) => (lane.name !== null || this.sessions[index] ? [] : [index]));
    // Every attempt settles before a failure is thrown: a session still connecting then would be
    // stored after the caller closed the scheduler, and leak.
    const connected = await Promise.allSettled(
      missing.map(async (index) => {
        const s = new ActorSession(this.options.databaseUrl, `prh-actor-${index}`);
        s.resetBetweenRuns = this.options.unsound?.sessionReset !== false;
        await connectWithin('actor session', () => s.connect(), this.options.reconnectTimeoutMs);
        this.sessions[index] = s;
      }),
    );
    const failed = connected.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // A session that died while idle (between runs) is replaced now rather than failing a step.
    await this.reconnectObserver();
    await Promise.all(this.sessions.map((s) => (s?.tainted ? this.restoreSession(s) : undefined)));
    if (this.serverDeadlockMs === null && plan.some((l) => l.name !== null)) {
      const r = await this.observer.query<{ ms: number }>("SELECT setting::int AS ms FROM pg_settings WHERE name = 'deadlock_timeout'");
      this.serverDeadlockMs = r.rows[0]?.ms ?? DEFAULT_DEADLOCK_MS;
    }
    this.fault = null;
    if (this.controlled && !this.catalog) {
      // Read once, after the scenario's first setup: footprints resolve names against it.
      await loadSqlParser();
      this.catalog = await loadSqlCatalog(this.observer, { attached: this.options.unsound?.attachedFootprints !== false });
      // A program's session that is another user or looks elsewhere resolves names differently.
      this.observerNames = (await this.observer.query<{ names: string }>(`SELECT ${NAME_RESOLUTION_SQL} AS names`)).rows[0]?.names ?? null;
    }
    this.misses = [];
    if (this.controlled && this.options.crossCheck !== false) {
      // Every run must begin from the sessions the first one had: what a run leaves is gone.
      for (const [index, lane] of plan.entries()) {
        const session = this.sessions[index];
        if (lane.name !== null || !session) continue;
        this.firstStates[index] ??= session.stateFingerprint;
        if (session.stateFingerprint !== this.firstStates[index]) {
          this.misses.push({ kind: 'session', actor: index, statement: '(the session as the run began)', touched: `state left by an earlier run: ${session.stateFingerprint} (the first run began with: ${this.firstStates[index]})` });
        }
      }
    }
  }

  private startActor(rt: ActorRt): Promise<void> {
    const group = rt.group;
    const own = rt.own;
    const sql: SqlClient & RawSqlClient = own
      ? new GatedSqlClient(
          own,
          (kind, label, detail, values) => this.gate(rt, kind, label, detail, this.controlled ? this.sqlFootprint(rt, detail, values) : undefined, traceValues(values)),
          (r, e, rows) => this.stepFinished(rt, r, e, rows),
          () => this.sent(rt),
          () => this.afterSqlStep(rt),
          () => this.beforeSqlStep(rt),
        )
      : programSql(rt.spec.name);
    const ports: ActorPorts = {
      actor: rt.index,
      databaseUrl: this.options.databaseUrl,
      sql,
      rawSql: sql,
      clock: { now: () => this.time, sleep: (ms, label) => this.sleepStep(rt, ms, label ?? 'sleep') },
      service: <T extends object>(name: string): T => {
        const definition = this.options.services?.(name);
        if (!definition) throw new HarnessError('E_BAD_SCENARIO', `actor '${rt.spec.name}' asked for service '${name}', which this scenario does not offer`);
        return gatedService(name, definition as unknown as ServiceDefinition<T>, (op, detail, footprint) => this.gate(rt, 'service', op, detail, footprint), (r, e) => this.stepFinished(rt, r, e));
      },
      serviceDefinition: (name) => this.options.services?.(name),
      lane: (i) => {
        const lane = rt.external ? group.lanes[i] : undefined;
        if (!lane) throw new HarnessError('E_BAD_SCENARIO', `actor '${rt.spec.name}' has no lane ${i} (it declares ${rt.spec.lanes?.length ?? 0})`);
        return this.lanePort(lane);
      },
      quiescence: (probe, busyWith) => {
        group.probe = probe;
        group.busyWith = busyWith ?? null;
      },
      ended: group.ended.signal,
    };
    return (async () => {
      try {
        const value = await rt.spec.run(ports);
        group.outcome = value instanceof ProgramResult ? { status: 'ok', value: value.value, output: value.output } : { status: 'ok', value };
      } catch (e) {
        group.outcome = actorError(e);
        if (rt.live && isConnectionFault(e)) this.sessionFault(`actor ${rt.index} (${rt.name})`, rt.session.lostWith ?? e);
      }
      for (const lane of group.lanes) lane.state = 'done';
      this.notify();
    })();
  }

  /** The port through which a program's driver reports the steps of one of its lanes. */
  private lanePort(rt: ActorRt): LanePort {
    const ext = rt.external as ExternalLaneSession;
    return {
      step: async (step: LaneStep) => {
        rt.commitsAlone = null;
        await this.gate(rt, step.kind, step.label, step.detail, this.controlled ? this.laneFootprint(rt, step) : undefined);
        if (step.kind !== 'sql') return undefined;
        // Chosen; before its program's gate sends it, its transaction's locks are looked at.
        await this.beforeSqlStep(rt);
        const alone = rt.commitsAlone;
        rt.commitsAlone = null;
        if (!alone || this.options.crossCheck === false || ext.txStatus !== 'I' || ext.pid === 0) return undefined;
        return this.heldLocksCheck(rt, ext.pid, alone);
      },
      sent: () => {
        ext.busy = true;
        this.sent(rt);
      },
      finished: (result, error, rows) => {
        ext.busy = false;
        this.stepFinished(rt, result, error, rows);
      },
      sleep: async (ms, label) => {
        await this.sleepStep(rt, ms, label);
        if (rt.state === 'running') rt.state = 'idle';
      },
      session: (pid, txStatus, started) => {
        ext.pid = pid ?? 0;
        ext.txStatus = txStatus;
        if (started) {
          ext.defaultIsolation = started.defaultIsolation;
          ext.nameResolution = started.nameResolution;
        }
        const entry = this.footprinters.get(rt.session);
        if (entry && entry.pid === ext.pid) entry.footprinter.followServer(txStatus);
      },
      fault: (error) => {
        ext.lostWith ??= error;
        if (rt.live) this.sessionFault(`actor ${rt.index} (${rt.name})`, error);
      },
      ownTiming: (what) => {
        const touched = `${what}, on its own clock: when it does so is not the harness's choice`;
        if (!this.misses.some((m) => m.actor === rt.index && m.touched === touched)) this.misses.push({ kind: 'timing', actor: rt.index, statement: what, touched });
      },
      closed: () => {
        ext.busy = false;
        ext.pid = 0;
        ext.txStatus = 'I';
        if (rt.pending) {
          rt.pending.abandon(new RunEndedError());
          rt.pending = null;
        }
        if (rt.current) {
          rt.current.result = 'closed';
          rt.current = null;
        }
        if (rt.state !== 'done' && rt.state !== 'sleeping') rt.state = 'idle';
        this.notify();
      },
    };
  }

  /** A program's step: its statements' footprints, or the weak locks a step that only prepares takes. */
  private laneFootprint(rt: ActorRt, step: LaneStep): readonly string[] {
    if (step.kind === 'service') return step.footprint;
    if (step.kind === 'connect') return [`act:${rt.index}`];
    if (step.statements.some((st) => st.text === null || /\blisten\b/i.test(st.text))) rt.group.listens = true;
    const footprinter = this.footprinterOf(rt);
    const implicit = !footprinter.inTransactionBlock;
    const keys = new Set<string>();
    // Parse and Describe take relation locks only DDL conflicts with (and DDL writes db:*), and
    // may fix a REPEATABLE READ transaction's snapshot (the footprinter tells).
    if (step.statements.length === 0) for (const k of ['r:db:l:*', ...footprinter.prepares()]) keys.add(k);
    for (const st of step.statements) for (const k of this.sqlFootprint(rt, st.text, st.values)) keys.add(k);
    // Statements before a Sync run in one implicit transaction: a step cut at a Flush keeps its
    // writes uncommitted (and its locks held), and the step that ends at the Sync publishes them.
    // A step ending at its Sync outside a transaction block, with no Flush-cut step before it in
    // the implicit transaction, commits on its own: its locks are its statements' alone.
    const texts = step.statements.map((st) => st.text);
    rt.commitsAlone =
      step.end === 'sync' && implicit && !rt.implicitOpen && !footprinter.inTransactionBlock && texts.length > 0 && !keys.has('db:*')
        ? { claims: new Set(keys), assumed: null, statements: texts.map((t) => t ?? '') }
        : null;
    if (step.end === 'flush') {
      if (implicit && texts.length > 0) {
        // The implicit transaction's first statement takes its snapshot, which under REPEATABLE
        // READ the statements of the next steps up to the Sync read as of then.
        if (!rt.implicitOpen && footprinter.defaultIsolation !== 'read committed') keys.add('r:*');
        rt.implicitOpen = true;
      }
      if (implicit) {
        for (const k of keys) {
          if (!isRead(k)) rt.implicitWrites.add(k);
          // The table locks its reads took are held to the Sync too, which a LOCK TABLE waits for.
          const table = /^(?:r:)?db:t:(.+)$/.exec(k)?.[1];
          if (table !== undefined) rt.implicitWrites.add(`r:db:lk:${table}`);
        }
      }
    } else {
      rt.implicitOpen = false;
      if (rt.implicitWrites.size > 0) {
        for (const k of rt.implicitWrites) keys.add(k);
        rt.implicitWrites.clear();
      }
    }
    return [...keys];
  }

  /**
   * Records the run's first session fault; the loop ends the run as `connection-lost`. A later
   * one that carries the server's SQLSTATE replaces a first that only saw the socket go (a
   * statement sent to a terminated backend meets a reset that drops its 57P01 unread).
   */
  private sessionFault(session: string, e: unknown): void {
    const raw = (e as { code?: unknown } | null)?.code;
    const code = typeof raw === 'string' ? raw : null;
    if (this.fault && (isSqlState(this.fault.code) || !isSqlState(code))) return;
    const first = this.fault === null;
    this.fault = { session, code, message: describeFault(e) };
    if (first) this.notify();
  }

  private async loop(strategy: Strategy): Promise<RunOutcome> {
    this.strategy = strategy;
    for (;;) {
      const settled = await this.settle();
      if (this.fault) return 'connection-lost';
      if (settled === 'hang') return 'hang';
      const options = this.runnableSteps();
      if (options.length === 0) {
        if (this.actors.every((a) => a.state === 'done')) return 'completed';
        // Only lock waits remain: a cycle PostgreSQL has not broken yet (deadlock_timeout). One it
        // does not break within the hang limit is no cycle of its own but a wait on something that
        // never comes (a lock a finished actor kept): the run hangs.
        strategy.settledBlocked?.();
        // Never shorter than PostgreSQL's own deadlock check plus a margin, whatever --hang-timeout
        // says: a real cycle is always broken by the server, and only then is a stuck wait a hang.
        const checkMs = Math.max(...this.actors.map((a) => a.session.deadlockCheckBoundMs()));
        const moved = await this.withHangLimit(this.changePromise.then(() => 'moved' as const), Math.max(this.hangTimeoutMs, checkMs + DEADLOCK_MARGIN_MS));
        if (moved === 'hang') return 'hang';
        this.unconfirmBlocked();
        continue;
      }
      if (this.step >= this.maxSteps) return 'step-limit';
      const pick = strategy.next(options, this.step);
      if (pick === ABANDON) return 'abandoned';
      if (pick === WAIT) {
        const moved = await this.withHangLimit(this.changePromise.then(() => 'moved' as const));
        if (moved === 'hang') return 'hang';
        this.unconfirmBlocked();
        continue;
      }
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
      if (a.state === 'paused' && a.pending) views.push(withProgram(a, a.pending.view));
      else if (a.state === 'sleeping' && a.wakeAt === earliest) {
        views.push(withProgram(a, { actor: a.index, seq: a.wakeSeq, name: a.name, kind: 'wake', label: `wake (${a.sleepLabel})`, footprint: withProgramOrder(a, ['clock']), wakeAt: a.wakeAt }));
      }
    }
    return views;
  }

  private release(view: ActorView): void {
    const rt = this.actors[view.actor] as ActorRt;
    rt.session.deadlockCheck = mayCloseLockCycle(this.actors, rt.index) ? 'short' : 'long';
    this.choices.push(view.actor);
    const record: TraceStep = {
      step: this.step++,
      actor: rt.index,
      kind: view.kind,
      label: view.label,
      detail: view.kind === 'wake' ? `t=${rt.wakeAt}` : (rt.pending?.detail ?? ''),
      ...(view.kind !== 'wake' && rt.pending?.values ? { values: rt.pending.values } : {}),
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
      // A program's lane goes back to waiting for its program; the engine's own actor runs on.
      rt.state = rt.external ? 'idle' : 'running';
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

  private gate(rt: ActorRt, kind: StepKind, label: string, detail: string, footprint?: readonly string[], values?: readonly string[]): Promise<void> {
    if (!rt.live) return Promise.reject(new RunEndedError());
    if (!this.controlled) {
      // A sleep has no result to wait for; other steps are completed by stepFinished.
      const record: TraceStep = { step: this.step++, actor: rt.index, kind, label, detail, ...(values ? { values } : {}), result: kind === 'sleep' ? 'ok' : 'pending', at: this.time, waitedOn: [] };
      this.trace.push(record);
      rt.current = kind === 'sleep' ? null : record;
      return Promise.resolve();
    }
    const fp = withProgramOrder(rt, footprint ?? ['clock']);
    return new Promise<void>((release, abandon) => {
      rt.pending = { view: { actor: rt.index, seq: rt.offered++, name: rt.name, kind, label, footprint: fp }, detail, values, release, abandon };
      rt.state = 'paused';
      this.notify();
    });
  }

  /** What the statement may touch, from its text and parameters, in the session's transaction. */
  private sqlFootprint(rt: ActorRt, text: string | null, values: readonly unknown[] | undefined): readonly string[] {
    const footprinter = this.footprinterOf(rt);
    return text === null ? footprinter.unseen() : footprinter.footprint(text, values);
  }

  /** The lane's session's footprinter (a new one for a new backend). */
  private footprinterOf(rt: ActorRt): SqlFootprinter {
    if (!this.catalog) throw new Error('the catalog is read before the first controlled run');
    let entry = this.footprinters.get(rt.session);
    if (!entry || entry.pid !== rt.session.pid) {
      // What a plain BEGIN gets is the server's word (role, database, server settings, PGOPTIONS).
      const isolation = this.options.unsound?.serverIsolation === false ? undefined : (rt.own?.defaultIsolation ?? rt.external?.defaultIsolation ?? undefined);
      // A program's session started as another user, or with another search_path, than the one
      // the catalog was read on: its names cannot be trusted to mean the same tables.
      const namesResolve = !rt.external || (rt.external.nameResolution !== null && rt.external.nameResolution === this.observerNames);
      entry = { pid: rt.session.pid, footprinter: new SqlFootprinter(this.catalog, `act:${rt.index}`, isolation, namesResolve) };
      this.footprinters.set(rt.session, entry);
    }
    return entry.footprinter;
  }

  /**
   * After each SQL step of an in-process actor: a step that may have changed the isolation levels
   * (a SET, set_config, code we cannot see into) has the footprints take them from the server
   * rather than from the statements' text.
   */
  private async afterSqlStep(rt: ActorRt): Promise<void> {
    if (!this.controlled || !rt.own) return;
    const footprinter = this.footprinters.get(rt.session)?.footprinter;
    footprinter?.followServer(rt.own.transactionStatus);
    if (!footprinter?.takeSettingsChanged() || this.options.unsound?.serverIsolation === false) return;
    const levels = await rt.own.readIsolation().catch(() => null);
    if (levels) footprinter.serverIsolation(levels.session, levels.transaction);
  }

  /**
   * The cross-check, once per transaction, just before the step that ends it is sent (its locks
   * are still held then): the relations its backend holds locks on — every one the transaction
   * touched, through its statements, triggers, defaults, checks and functions — are within what
   * its statements claimed, and its first snapshot ran at the isolation level the footprints assumed.
   * A program's lane gets the lock check (from the backend pid its gate reported); its isolation
   * level is not asked (the harness adds nothing to a program's session).
   *
   * A statement of the harness's own sessions that reads or writes outside a transaction block
   * commits on its own: what is returned hears the locks it holds before its commit (read in its
   * own pipeline, held-commit-query.ts) and holds them to its claims the same way.
   */
  private async beforeSqlStep(rt: ActorRt): Promise<LocksHeard | undefined> {
    rt.statusBefore = rt.own ? rt.own.transactionStatus : (rt.external?.txStatus ?? 'I');
    if (!this.controlled || this.options.crossCheck === false || (!rt.own && !rt.external)) return undefined;
    const footprinter = this.footprinters.get(rt.session)?.footprinter;
    const alone = footprinter?.takeAutocommit();
    const ending = footprinter?.takeTransactionEnd();
    const own = rt.own;
    if (alone && own && !own.inTransaction) {
      // Sent the same way whatever the claims (the same statement in every run); claims of
      // everything cover any lock.
      return (rows) => {
        if (alone.claims.has('db:*')) return;
        if (rows) this.lockMisses(rt, alone, rows);
        else this.uncheckedMiss(rt, alone, new Error('the read of its locks failed'));
      };
    }
    const inTransaction = own ? own.inTransaction : rt.external?.txStatus !== 'I' && (rt.external?.pid ?? 0) > 0;
    if (!ending || !inTransaction) return undefined;
    await this.checkTransaction(rt, ending);
    return undefined;
  }

  /**
   * After the last step of a run: a transaction an actor left open was never ended by a step, so
   * it is checked now, as it stands (its locks still held), before the run's end rolls it back.
   */
  private async checkOpenTransactions(): Promise<void> {
    if (!this.controlled || this.options.crossCheck === false) return;
    for (const rt of this.actors) {
      const inTransaction = rt.own ? rt.own.inTransaction : rt.external !== null && rt.external.txStatus !== 'I' && rt.external.pid > 0;
      const open = inTransaction ? this.footprinters.get(rt.session)?.footprinter.openTransaction() : null;
      if (open) await this.checkTransaction(rt, open);
    }
  }

  /** The locks a transaction holds, and the level it runs at, against what its statements claimed. */
  private async checkTransaction(rt: ActorRt, ending: TransactionEnd): Promise<void> {
    const session = rt.own ?? { pid: rt.external?.pid ?? 0, transactionIsolation: async () => null };
    // Claims of everything cover any lock; a level was assumed only if a snapshot was taken.
    if (ending.claims.has('db:*') && (ending.assumed === null || !rt.own)) return;
    let isolation: string | null;
    let locks: readonly LockRow[];
    try {
      // Both at once: the locks from the observer (nothing is added to the actor's transaction),
      // the level from the session itself, only if a snapshot was taken (a DEFERRABLE
      // transaction's first SELECT would wait for its safe snapshot). Both are awaited even when
      // one fails: the statement must not be queued behind the session's SHOW.
      const [iso, held] = await Promise.allSettled([
        ending.assumed === null ? null : session.transactionIsolation(),
        this.observer.query<LockRow>(`${RELATION_LOCKS_SQL} WHERE l.pid = $1`, [session.pid]).then((r) => r.rows),
      ]);
      if (iso.status === 'rejected') throw iso.reason;
      if (held.status === 'rejected') throw held.reason;
      [isolation, locks] = [iso.value, held.value];
    } catch (e) {
      if (!isConnectionFault(e)) this.uncheckedMiss(rt, ending, e);
      return;
    }
    if (isolation !== null && ending.assumed !== null && isolationNamed(isolation) !== ending.assumed) {
      this.misses.push({ kind: 'isolation', actor: rt.index, statement: compactText(ending.statements.join('; ')), touched: `ran at ${isolation}; the footprints assumed ${ending.assumed}` });
    }
    this.lockMisses(rt, ending, locks);
  }

  /** The check of a statement that commits on its own, run once it is answered and before its commit. */
  private heldLocksCheck(rt: ActorRt, pid: number, alone: TransactionEnd): BeforeCommit {
    return async () => {
      // Claims of everything cover any lock: nothing to read.
      if (alone.claims.has('db:*')) return;
      try {
        const held = await this.observer.query<LockRow>(`${RELATION_LOCKS_SQL} WHERE l.pid = $1`, [pid]);
        this.lockMisses(rt, alone, held.rows);
      } catch (e) {
        if (!isConnectionFault(e)) this.uncheckedMiss(rt, alone, e);
      }
    };
  }

  /**
   * The check could not be made: the transaction counts as unchecked, never as checked (and a
   * harness failure never reaches the actor's code as a database error).
   */
  private uncheckedMiss(rt: ActorRt, ending: TransactionEnd, e: unknown): void {
    this.misses.push({ kind: 'lock', actor: rt.index, statement: compactText(ending.statements.join('; ')), touched: `(not cross-checked: ${e instanceof Error ? e.message : String(e)})` });
  }

  /** The relation locks a transaction's backend holds, beyond what its statements claimed. */
  private lockMisses(rt: ActorRt, ending: TransactionEnd, locks: readonly LockRow[]): void {
    const statement = compactText(ending.statements.join('; '));
    for (const l of locks) {
      const key = l.kind === 'S' ? `db:s:${l.qualified}` : `db:t:${l.qualified}`;
      // SIRead locks are what a SERIALIZABLE transaction read.
      const write = l.mode !== 'AccessShareLock' && l.mode !== 'SIReadLock';
      // currval and lastval lock the sequence to read this session's own value: nothing shared.
      if (l.kind === 'S' && !write) continue;
      if (footprintCovers(ending.claims, key, write)) continue;
      const touched = `${write ? 'wrote or locked' : 'read'} ${l.qualified} (${l.mode})`;
      if (!this.misses.some((m) => m.actor === rt.index && m.touched === touched)) this.misses.push({ kind: 'lock', actor: rt.index, statement, touched });
    }
  }

  private sent(rt: ActorRt): void {
    if (!this.controlled) return;
    rt.state = 'inflight';
    this.armPoll(rt);
  }

  private armPoll(rt: ActorRt): void {
    rt.pollReady = false;
    // Not a time-out: only a "blocked" answer from PostgreSQL ever marks an actor blocked. When no
    // other actor holds a transaction or a statement on the wire, nothing but a session-level lock
    // can block this statement: ask later, and most statements return before anyone asks.
    const lockHolder = this.actors.some((a) => a !== rt && a.session.mayHoldTransactionLocks());
    setTimeout(() => {
      rt.pollReady = true;
      if (rt.state === 'inflight') this.notify();
    }, lockHolder ? POLL_DELAY_MS : SESSION_LOCK_POLL_DELAY_MS);
  }

  private stepFinished(rt: ActorRt, result: string, error: unknown, rows?: string): void {
    // A finished step (a COMMIT, an error that aborted a transaction) may have freed locks.
    this.progress++;
    // A statement that failed inside a block ended the transaction there: its locks went at the
    // error, so the step touched what the block's end touches (the reduction must know it).
    const after = rt.own ? rt.own.transactionStatus : rt.external?.txStatus;
    const footprinter = error !== undefined && this.controlled ? this.footprinters.get(rt.session)?.footprinter : undefined;
    footprinter?.statementFailed();
    if (footprinter && rt.current && rt.statusBefore === 'T' && after === 'E') {
      const released = footprinter.releases();
      if (released.length > 0) {
        this.strategy?.grew?.(rt.current.step, released);
        // A statement that waited fails when the wait ends: at the step that ended it (another
        // actor's COMMIT), which then released these locks too.
        if (this.step > rt.current.step + 1) this.strategy?.grew?.(this.step - 1, released);
      }
    }
    rt.group.lastFinished = this.progress;
    this.unconfirmBlocked();
    const cur = rt.current;
    if (cur) {
      cur.result = error === undefined ? result : `ERR ${errorCode(error)}`;
      if (error !== undefined) cur.error = errorMessage(error);
      if (rows !== undefined) cur.rows = rows;
      // A blocked statement completes where its lock was granted, not where it was sent.
      if (this.controlled && this.step > cur.step + 1) cur.completedAfter = this.step - 1;
      rt.current = null;
    }
    if (error !== undefined && rt.live && isConnectionFault(error)) this.sessionFault(`actor ${rt.index} (${rt.name})`, rt.session.lostWith ?? error);
    if (rt.external) {
      if (rt.state !== 'done') rt.state = 'idle';
    } else if (rt.state === 'inflight' || rt.state === 'blocked') rt.state = 'running';
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
      rt.wakeSeq = rt.offered++;
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
    return a.state === 'paused' || a.state === 'sleeping' || a.state === 'done' || a.state === 'blocked' || a.state === 'idle';
  }

  /** Every lane settled, and every program with a lane waiting on it quiescent (asked of the program). */
  private async allSettled(): Promise<boolean> {
    if (!this.actors.every((a) => this.isSettled(a))) return false;
    // The program whose step finished last is asked first: the one most likely still computing.
    const probes = this.groups
      .filter((g): g is ActorGroup & { probe: QuiescenceProbe } => g.probe !== null && !g.lanes.every((l) => l.state === 'done'))
      .sort((a, b) => b.lastFinished - a.lastFinished)
      .map((g) => g.probe);
    if (probes.length === 0) return true;
    const progress = this.progress;
    // Asked after loop turns: an answer the harness is still writing to a program (a sleep's reply
    // once woken, a relayed result) is written by then, and wakes it before it is looked at.
    await loopTurns(PROBE_AFTER_TURNS);
    for (const probe of probes) if (!(await probe())) return false;
    // Let sockets be read: a request a program sent before it went quiet is held by now. Then each
    // is asked once more: what the harness wrote to a program after those turns (work that took
    // longer to answer) has woken it by then. A program that has not run since answers from one look.
    await loopTurns(READ_AFTER_TURNS);
    for (const probe of probes) if (!(await probe())) return false;
    return progress === this.progress && this.actors.every((a) => this.isSettled(a));
  }

  /** Waits until every actor is paused, sleeping, blocked or done; 'hang' after the limit. */
  private async settle(): Promise<'settled' | 'hang'> {
    const programs = this.groups.some((g) => g.probe);
    if (this.fault || (!programs && this.actors.every((a) => this.isSettled(a)))) return 'settled';
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
    let retryMs: number = QUIESCENCE_RETRY_MS.first;
    try {
      for (;;) {
        // After a fault nothing is waited for: blocked detection may be gone with the observer.
        if (this.fault) return 'settled';
        // Taken before the programs are asked: a change while they answer wakes the wait below at
        // once (the change promise is replaced when it fires, and the new one would miss it).
        const change = this.changePromise;
        const lanesSettled = this.actors.every((a) => this.isSettled(a));
        if (lanesSettled && (!programs || (await this.allSettled()))) return 'settled';
        if (timedOut) return 'hang';
        const waiting = this.actors.filter((a) => a.state === 'inflight' && a.pollReady);
        // At most one poll in flight; a poll still out from an earlier wait is awaited, not repeated.
        if (waiting.length > 0 && !this.poll) this.poll = this.pollBlocked(waiting).finally(() => (this.poll = null));
        // A program still computing says nothing when it is done: ask it again soon.
        const again = lanesSettled ? new Promise<'again'>((resolve) => setTimeout(() => resolve('again'), retryMs)) : null;
        if (again) retryMs = Math.min(retryMs * 2, QUIESCENCE_RETRY_MS.most);
        // Never race a promise that never settles: every race would leave a reaction on it.
        await Promise.race([change, limit, ...(this.poll ? [this.poll] : []), ...(again ? [again] : [])]);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** One pg_blocking_pids (and safe-snapshot) round trip for the actors whose statement is on the wire. */
  private async pollBlocked(waiting: readonly ActorRt[]): Promise<'polled'> {
    const progressAtSend = this.progress;
    {
      const pids = waiting.map((a) => a.session.pid);
      let r: pg.QueryResult<{ pid: number; blockers: number[] }>;
      try {
        // A SERIALIZABLE READ ONLY DEFERRABLE transaction waiting for a safe snapshot waits on the
        // read-write serializable transactions PostgreSQL names here, as the isolation tester asks.
        r = await this.observer.query<{ pid: number; blockers: number[] }>(
          'SELECT p AS pid, pg_blocking_pids(p) || pg_safe_snapshot_blocking_pids(p) AS blockers FROM unnest($1::int[]) AS p',
          [pids],
        );
      } catch (e) {
        if (!isConnectionFault(e)) throw e;
        this.sessionFault('observer', this.observerSession?.failed(e) ?? e);
        return 'polled';
      }
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
        rt.blockers = by;
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

  private async withHangLimit<T>(p: Promise<T>, limitMs = this.hangTimeoutMs): Promise<T | 'hang'> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), limitMs);
    });
    try {
      return await Promise.race([p, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- ending a run ----

  /** Stops what is still running, rolls back open transactions, replaces sessions left mid-statement. */
  /** `hung`: the run ended as a hang, and what kept each program from being quiet is told. */
  private async endRun(hung = false): Promise<void> {
    // What the harness's own ending of the run does (a cancelled statement failing) is no step's.
    this.strategy = null;
    const live = this.actors.filter((a) => a.state !== 'done');
    // Where each stopped actor was when the run ended. How it unwinds (the RunEndedError of its
    // gate, 57014 from its cancelled statement) is the engine's doing, not how the actor ended.
    const stopped = live.map((a) => [a, a.state] as const);
    const inflightPids = live.filter((a) => a.session.busy).map((a) => a.session.pid);
    // A blocked-poll may still be out on the observer: one query at a time on a session.
    await this.poll?.catch(() => undefined);
    // A statement left waiting on a lock must be cancelled from a live observer, or its backend
    // would hold its locks into the next run.
    if (inflightPids.length > 0) await this.reconnectObserver();
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
    // A program is stopped by its driver (its process group killed, its gates closed).
    for (const g of this.groups) g.ended.abort(ended);
    // Actors unwind within a few ticks; one stuck in a service call that never answers is left behind.
    if (live.length > 0) await this.withHangLimit(Promise.all(actors.map((a) => a.promise)));
    for (const [a, state] of stopped) {
      // What a stopped actor had done survives its unwinding (an ActorFailure carries it).
      const g = a.group;
      if (g.lanes[0] !== a && stopped.some(([s]) => s === g.lanes[0])) continue;
      const partial = g.outcome && g.outcome.status !== 'ok' ? g.outcome.partial : undefined;
      const output = g.outcome?.output;
      // A program's lanes each say where they were (one idle in its transaction, one waiting on it).
      const lanes = stopped.filter(([s]) => s.group === g);
      const where = lanes.some(([, st]) => st !== state) ? lanes.map(([s, st]) => `${s.name} ${st}`).join(', ') : state;
      g.outcome = { status: 'unfinished', state: stoppedState(g, where, hung), ...(partial === undefined ? {} : { partial }), ...(output ? { output } : {}) };
    }
    for (const a of actors) {
      if (a.state !== 'done' && a.own) a.own.tainted = true;
    }
    // A session-level lock (pg_advisory_lock) outlives the run: a stopped actor never reached its
    // unlock, and a finished one may have skipped it. Either would block the next run. (A
    // program's sessions end with its connections.)
    this.ranSerializable = false;
    for (const a of actors) {
      const footprinter = this.footprinters.get(a.session)?.footprinter;
      if (a.own && (footprinter?.takeSessionLocks() || stopped.some(([s]) => s === a))) a.own.releaseSessionLocks = true;
      if (footprinter?.takeSerializable()) this.ranSerializable = true;
    }
    await Promise.all(actors.map((a) => (a.own ? this.restoreSession(a.own) : undefined)));
    // restore() rolled back whatever transaction was open (a replaced session gets a new tracker by its pid).
    for (const a of actors) {
      if (a.own) this.footprinters.get(a.session)?.footprinter.reset(this.options.unsound?.serverIsolation === false ? undefined : a.own.defaultIsolation);
      else this.footprinters.delete(a.session);
    }
    await this.reconnectObserver();
  }

  /**
   * Rolls back or replaces a session, under the hang limit like any step; a replacement waits for
   * the server within the reconnect bound.
   */
  private async restoreSession(session: ActorSession): Promise<void> {
    try {
      const restored = session.restore();
      if ((await this.withHangLimit(restored)) !== 'hang') return;
      restored.catch(() => undefined);
    } catch (e) {
      if (!isConnectionFault(e)) throw e;
    }
    session.tainted = true;
    await connectWithin('actor session', () => session.restore(), this.options.reconnectTimeoutMs);
  }
}

/** A statement as a miss names it: one line, at most 120 characters. */
function compactText(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 119)}…` : one;
}

/** Wait before asking PostgreSQL whether a statement is blocked: most return well within it. */
const POLL_DELAY_MS = 1;
/** A stopped actor's state; after a hang, with what of its program was last found running. */
function stoppedState(g: ActorGroup, state: string, hung: boolean): string {
  const busy = hung ? g.busyWith?.() : null;
  return busy ? `${state}; its program was still running: ${busy}` : state;
}

/** PostgreSQL's default deadlock_timeout, until the server's own is read. */
const DEFAULT_DEADLOCK_MS = 1000;
/**
 * The lanes of one program are not independent threads: what it asks on one lane may wait for an
 * answer on another (program order across its connections, its HTTP calls and its sleeps). Every
 * step of a program with several lanes also writes the program's own key, so the reduction never
 * assumes that reordering two of its steps leaves the next one enabled.
 */
function withProgramOrder(rt: ActorRt, footprint: readonly string[]): readonly string[] {
  return rt.external && rt.group.lanes.length > 1 ? [...footprint, programKey(rt.group)] : footprint;
}

function programKey(group: ActorGroup): string {
  return `act:program${group.index}`;
}

/**
 * The step of a program's lane as strategies see it: with its program, and whether the step is
 * all the program has going. A program is quiescent when the engine decides, so one whose other
 * lanes are idle or done, and which listens for nothing, does nothing more until this step returns.
 */
function withProgram(rt: ActorRt, view: ActorView): ActorView {
  if (!rt.external || rt.group.lanes.length < 2) return view;
  const sole = !rt.group.listens && rt.group.lanes.every((l) => l === rt || l.state === 'idle' || l.state === 'done');
  return { ...view, program: { key: programKey(rt.group), sole } };
}

/** First and longest pause before asking a program again whether it is quiescent. */
const QUIESCENCE_RETRY_MS = { first: 1, most: 16 } as const;
/**
 * Event-loop turns before programs are asked whether they are quiescent: a write to a program that
 * a settled promise set going (a woken sleep's HTTP reply, written after its handler's microtasks
 * and nextTick uncork) is done by then. The Python bot's replay tests fail with none and pass with
 * one; three leave a margin at a few microseconds a turn.
 */
const PROBE_AFTER_TURNS = 3;
/** Turns after they answered, for the gates to read a request a program sent just before it went quiet. */
const READ_AFTER_TURNS = 2;

async function loopTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
/** How long after the server's deadlock check a wait that nothing breaks counts as a hang. */
const DEADLOCK_MARGIN_MS = 1000;
/** The same wait when only a session-level lock (rare: pg_advisory_lock outside a transaction) could block it. */
const SESSION_LOCK_POLL_DELAY_MS = 20;

/** A failed step's message, shortened for the trace. */
function errorMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 200 ? `${m.slice(0, 199)}…` : m;
}

/** What a trace shows for a failed step: the SQLSTATE, else the exchange's code, else the error's. */
function errorCode(e: unknown): string {
  const err = e as { code?: unknown; exchangeCode?: unknown } | null;
  const sqlState = sqlStateOf(e);
  if (sqlState) return sqlState;
  if (typeof err?.exchangeCode === 'string') return err.exchangeCode;
  return typeof err?.code === 'string' ? err.code : 'ERROR';
}

/**
 * A SQL actor's step with parameters goes out as one prepared statement, which PostgreSQL refuses
 * to hold several statements (42601): say so before the search rather than as a violation in it.
 */
function refuseParametersWithSeveralStatements(specs: readonly ActorSpec[]): void {
  for (const spec of specs) {
    if (!isSqlActor(spec)) continue;
    for (const [i, step] of spec.sqlSteps.entries()) {
      if (!step.params || step.params.length === 0 || (statementCount(step.sql) ?? 1) <= 1) continue;
      throw new HarnessError(
        'E_BAD_SCENARIO',
        `SQL actor '${spec.name}', step ${i + 1}: several statements with parameters; PostgreSQL takes parameters with one statement only: split the step, or inline the values`,
      );
    }
  }
}

/** One lane of a run: its actor, and its name within the actor (null: the actor's code is its only lane). */
interface PlannedLane {
  readonly owner: number;
  readonly name: string | null;
}

/** The run's lanes, in the actors' order: each actor's code is one lane, a program has the lanes it declares. */
function lanePlan(specs: readonly ActorSpec[]): PlannedLane[] {
  return specs.flatMap((spec, owner): PlannedLane[] => (spec.lanes && spec.lanes.length > 0 ? spec.lanes.map((name) => ({ owner, name })) : [{ owner, name: null }]));
}

/** The SQL port of a program's actor: its statements go through its lanes, never through this. */
function programSql(actor: string): SqlClient & RawSqlClient {
  const refuse = (): Promise<never> => Promise.reject(new HarnessError('E_BAD_SCENARIO', `actor '${actor}' is a program: its SQL reaches the server through its wire gate, not through ports.sql`));
  return { query: refuse, queryRaw: refuse, transaction: refuse };
}

/** A server's SQLSTATE (57P01: five characters, digits among them), not an errno (EPIPE) or nothing. */
function isSqlState(code: string | null): boolean {
  return code !== null && /^(?=.*[0-9])[0-9A-Z]{5}$/.test(code);
}
