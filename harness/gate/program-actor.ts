// A program as an actor of a scenario: for every run the harness opens its gates (a wire gate for
// its database, one HTTP gate per outside service, the virtual clock), starts it with their
// addresses in its environment, and reports each request it makes as a step of one of its lanes:
// `db0`, `db1`, ... (one per database connection, in the order it opens them) and `http` (its
// service calls and sleeps, one at a time). The run ends the program: its process group is killed.
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../errors/index.ts';
import type { HttpServiceFace } from '../ports/index.ts';
import { ProgramResult, RunEndedError, type ActorPorts, type ActorSpec, type LanePort, type LaneStatement, type ProgramOutput } from '../sched/index.ts';
import { actorEnv } from './actor-env.ts';
import { startClockEndpoint } from './clock-endpoint.ts';
import { startServiceGate, type StartedServiceGate } from './http-service-gate.ts';
import { checkCommand, startProcessActor, type ProcessCommand, type ProcessExit, type StartedProcessActor } from './process-actor.ts';
import { ProcessTreeProbe } from './process-tree.ts';
import { UpstreamPool } from './upstream-pool.ts';
import type { StepOutcome } from './step-responses.ts';
import { WireRefusal } from './wire-hooks.ts';
import { startWireGate, type StartedWireGate } from './wire-gate.ts';
import type { WireStep } from './wire-step.ts';

export interface ProgramActorDefinition {
  /** The actor's name in schedules, traces and checks. */
  readonly name: string;
  /** The program and its arguments, e.g. `['python3', 'flow.py', 'signal']`; started for every run. */
  readonly command: readonly string[];
  /** Its working directory (default: the harness's); `new URL('.', import.meta.url)` is the scenario file's. */
  readonly cwd?: string | URL;
  /** Variables added to its environment (after DATABASE_URL, PG*, RACE_CLOCK_URL, RACE_SERVICE_*_URL). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Database connections it may hold (each a lane, `db0`, `db1`, ...; default 1). One more is
   * refused with 53300, and the run shows it.
   */
  readonly connections?: number;
  /** The cell's services it calls, by name: each served over HTTP at `RACE_SERVICE_<NAME>_URL`. */
  readonly services?: readonly string[];
  /** SQLSTATEs or classes the program may die of (see ActorSpec.allowedErrors). */
  readonly allowedErrors?: readonly string[];
  /** The environment it starts from (default: the harness's own, without its PG* variables). */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * How a run starts it (default: a process of its own, startProcessActor). A long-lived runner
   * may serve the run instead (runners/python-runner.ts), to start the interpreter once per search.
   */
  readonly launch?: (command: ProcessCommand) => StartedProcessActor;
  /**
   * Whether a database session the program left between statements is reset and kept for its
   * next run (default true: the server starts no backend per connection per run). A kept session
   * is reset as the engine resets its own actors' (rolled back, what DISCARD ALL clears) and
   * greets the next client as a new backend would; its backend pid is the same. False: every
   * connection a new backend.
   */
  readonly keepSessions?: boolean;
}

/** The sessions every program of this process leaves at rest, kept for their next runs (by server, database and startup parameters). */
const keptSessions = new UpstreamPool();

/** Most database connections a program may declare: each is a thread of every schedule. */
const MOST_CONNECTIONS = 16;

/** An actor that is a program behind gates: a command started for every run, its requests raced as steps (docs/guides/process-actors.md). */
export function programActor(d: ProgramActorDefinition): ActorSpec {
  const connections = d.connections ?? 1;
  if (!Number.isInteger(connections) || connections < 1 || connections > MOST_CONNECTIONS) {
    throw new HarnessError('E_BAD_SCENARIO', `actor '${d.name}': connections must be a whole number from 1 to ${MOST_CONNECTIONS}, got ${String(d.connections)}`);
  }
  if (d.command.length === 0) throw new HarnessError('E_BAD_SCENARIO', `actor '${d.name}': command is empty; give the program and its arguments`);
  const cwd = d.cwd === undefined ? undefined : d.cwd instanceof URL ? fileURLToPath(d.cwd) : d.cwd;
  // Checked now, when the scenario is defined: a missing or non-executable program is a bad
  // scenario (the CLI exits 2) before any database starts, not an error in every run.
  try {
    checkCommand(d.command, cwd ?? process.cwd(), (d.baseEnv ?? process.env)['PATH']);
  } catch (e) {
    throw new HarnessError('E_BAD_SCENARIO', `actor '${d.name}': ${(e as Error).message}`, { cause: e });
  }
  const def: ProgramActorDefinition = { ...d, ...(cwd === undefined ? {} : { cwd }) };
  const lanes = [...Array.from({ length: connections }, (_, i) => `db${i}`), 'http'];
  return {
    name: d.name,
    lanes,
    ...(d.allowedErrors ? { allowedErrors: d.allowedErrors } : {}),
    program: { command: d.command, ...(cwd ? { cwd } : {}) },
    run: (ports) => runProgram(def, connections, ports),
  } as ActorSpec;
}

/** The program's command, for a check before anything starts (see `checkCommand`). */
export function programOf(actor: ActorSpec): { readonly command: readonly string[]; readonly cwd?: string } | undefined {
  return (actor as { program?: { command: readonly string[]; cwd?: string } }).program;
}

async function runProgram(d: ProgramActorDefinition, connections: number, ports: ActorPorts): Promise<ProgramResult> {
  const db = Array.from({ length: connections }, (_, i) => ports.lane(i));
  const http = new SerialLane(ports.lane(connections));
  /** The SQLSTATE of the last statement that failed on any of its lanes: what a program that dies of an error died of. */
  let lastSqlState: string | null = null;
  const unsupported: string[] = [];
  /** Lanes whose connection the program closed inside a transaction (PostgreSQL rolled it back). */
  const leftOpen: string[] = [];
  const txOf = new Map<number, string>();
  const gates: { close(): Promise<void> }[] = [];
  let tree: ProcessTreeProbe | undefined;
  // Declared before the first await: until its process runs, the program is not quiet. Otherwise
  // the engine could decide the first step while this actor's gates are still opening, and the
  // same schedule would find it parked in one run and absent in the next.
  let quiet: () => boolean | Promise<boolean> = () => false;
  // Whether a connection was still in its startup at the last look (the gates are closed by the
  // time a hang is reported).
  let admittingAtLastLook = false;
  ports.quiescence(
    () => quiet(),
    () => (admittingAtLastLook ? 'a connection of it that never finished its startup (no startup packet or password came)' : (tree?.busyWith ?? null)),
  );
  try {
    // A connection takes the lowest lane no open connection holds: in the order the program opens
    // and closes them, so the same run numbers them the same way.
    const laneOf = new Map<number, number>();
    const laneFor = (connId: number): LanePort | undefined => {
      const i = laneOf.get(connId);
      return i === undefined ? undefined : db[i];
    };
    const wire: StartedWireGate = await startWireGate({
      serverUrl: ports.databaseUrl,
      ...(d.keepSessions === false ? {} : { pool: keptSessions }),
      hooks: {
        onConnect: async (conn) => {
          const taken = new Set(laneOf.values());
          const free = db.findIndex((_, i) => !taken.has(i));
          if (free < 0) throw new WireRefusal('53300', `actor '${d.name}' may hold ${connections} database connection${connections === 1 ? '' : 's'} at once (connections: ${connections}); it opened one more`);
          laneOf.set(conn.id, free);
          await (db[free] as LanePort).step({ kind: 'connect', label: 'connect', detail: `connection ${conn.id}` });
        },
        onReady: (conn) => {
          const lane = laneFor(conn.id);
          lane?.session(conn.backendPid, 'I', conn.defaultIsolation === null ? undefined : { defaultIsolation: conn.defaultIsolation, nameResolution: conn.nameResolution });
          lane?.finished('ok');
        },
        onRequest: async (conn, step) => {
          const lane = laneFor(conn.id);
          if (!lane) throw new WireRefusal('53300', 'no lane holds this connection');
          return lane.step({ kind: 'sql', label: stepLabel(step), detail: step.detail, statements: laneStatements(step, conn.readsText), end: step.end });
        },
        onSent: (conn) => laneFor(conn.id)?.sent(),
        // A cancel comes from the program's own timer or thread, which no schedule controls.
        onCancel: (conn) => laneFor(conn.id)?.ownTiming('sent a CancelRequest'),
        onFinished: (conn, _step, outcome) => {
          const lane = laneFor(conn.id);
          if (!lane) return;
          if (outcome.txStatus) {
            lane.session(conn.backendPid, outcome.txStatus);
            txOf.set(conn.id, outcome.txStatus);
          }
          if (outcome.error) lastSqlState = outcome.error.sqlState;
          if (outcome.unsupported) unsupported.push(outcome.unsupported);
          finishSql(lane, outcome);
        },
        onClose: (conn, reason) => {
          const lane = laneFor(conn.id);
          const laneIndex = laneOf.get(conn.id);
          const tx = txOf.get(conn.id);
          txOf.delete(conn.id);
          if ((reason.kind === 'terminate' || reason.kind === 'client-closed') && (tx === 'T' || tx === 'E') && !ports.ended.aborted) leftOpen.push(`db${laneIndex ?? '?'}`);
          laneOf.delete(conn.id);
          if (!lane) return;
          if (reason.kind === 'server-closed') lane.fault(Object.assign(new Error(reason.error.message), { code: reason.error.sqlState }));
          lane.closed();
        },
        onUnsupported: (what) => unsupported.push(what),
      },
    });
    gates.push(wire);
    const clock = await startClockEndpoint({
      now: () => ports.clock.now(),
      sleep: (ms, label) => http.run(() => http.lane.sleep(ms, label ?? 'sleep')),
    });
    gates.push(clock);
    const services: Record<string, string> = {};
    for (const name of d.services ?? []) {
      const face = ports.serviceDefinition(name)?.http;
      if (!face) throw new HarnessError('E_BAD_SCENARIO', `actor '${d.name}' calls service '${name}', which this scenario does not offer over HTTP`);
      const gate = await serviceGate(name, face, http);
      gates.push(gate);
      services[name] = gate.url;
    }
    const env = actorEnv(d.baseEnv ?? process.env, { database: wire.address, services, clockUrl: clock.url }, d.env ?? {});
    const program = (d.launch ?? startProcessActor)({ argv: d.command, env, ...(typeof d.cwd === 'string' ? { cwd: d.cwd } : {}) });
    const pid = program.pid;
    // Its descriptors in /proc stay open while it runs: a look is then a few reads, not a path lookup per file.
    const probe = pid === undefined ? undefined : new ProcessTreeProbe(pid);
    tree = probe;
    // Quiet: no thread of it runs, and no connection of it is half admitted (a client waiting for
    // the gate's answer to its startup sleeps, yet has no step parked to show for it).
    // A program that can say it is idle (a runner's loop about to block) is asked, unless nothing
    // of it has run since it was last found quiet (one look; asking would wake it): its answer
    // comes the moment it is true, where /proc can only be looked at again and again. Its word
    // covers one thread, so a process with more threads or children is looked at from /proc.
    const idle = program.idle?.bind(program);
    const looks = !probe
      ? () => true
      : !idle
        ? async () => !wire.admitting() && (await probe.settled()) && !wire.admitting()
        : async () => {
            if (wire.admitting()) return false;
            if (probe.stillSettled()) return !wire.admitting();
            const said = (await idle()) === true && probe.oneThread();
            if (said) probe.settledBySaying();
            return (said || (await probe.settled())) && !wire.admitting();
          };
    quiet = () => {
      admittingAtLastLook = wire.admitting();
      return looks();
    };
    // Its gates start closing first (their connections get their end now; the close itself is
    // awaited below, never before the stop: a program that reads nothing would hold it up), so
    // whatever a runner's run still awaits fails at once and the runner can serve the next run.
    const stop = () => {
      for (const g of gates) void g.close().catch(() => undefined);
      void program.stop();
    };
    ports.ended.addEventListener('abort', stop, { once: true });
    // A run that ended while the gates were opening sent its abort before anyone listened.
    if (ports.ended.aborted) stop();
    const exit = await program.exited;
    // What it sent before it exited still runs, as PostgreSQL would run it (the run's end stops it).
    await wire.drained();
    ports.ended.removeEventListener('abort', stop);
    if (ports.ended.aborted) throw new RunEndedError();
    return ending(d, exit, lastSqlState, unsupported, leftOpen);
  } finally {
    tree?.close();
    await Promise.all(gates.map((g) => g.close().catch(() => undefined)));
  }
}

/** Ends a SQL step on its lane: rows or `ok`, or its error with the SQLSTATE kept. */
function finishSql(lane: LanePort, outcome: StepOutcome): void {
  if (outcome.error) {
    lane.finished('', Object.assign(new Error(outcome.error.message), { code: outcome.error.sqlState }));
    return;
  }
  const tag = outcome.commandTags.at(-1) ?? '';
  const n = /(\d+)$/.exec(tag)?.[1];
  lane.finished(tag.startsWith('SELECT') && n !== undefined ? `rows=${n}` : n !== undefined && n !== '0' ? `rows=${n}` : 'ok');
}

/** What the step executes, as the footprints read it (a statement the gate never saw is unknown: null text). */
function laneStatements(step: WireStep, readsText: boolean): readonly LaneStatement[] {
  if (!step.executes) return [];
  // Text in an encoding the gate cannot read is no statement it knows: it touches anything.
  return step.statements.map((s) => ({ text: readsText ? s.sql : null, values: s.params }));
}

/** A short label: the first words of the first statement, or what a step that runs nothing does. */
function stepLabel(step: WireStep): string {
  const sql = step.statements[0]?.sql ?? step.prepares[0]?.sql;
  if (!step.executes) return sql ? `prepare: ${oneLine(sql)}` : step.messages;
  return sql ? oneLine(sql) : step.messages;
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/** How the program ended, as the actor's outcome: its last stdout line (JSON if it is) on success. */
function ending(d: ProgramActorDefinition, exit: ProcessExit, lastSqlState: string | null, unsupported: readonly string[], leftOpen: readonly string[]): ProgramResult {
  const output: ProgramOutput = {
    exit: exit.spawnError ? `did not start: ${exit.spawnError}` : exit.signal ? `signal ${exit.signal}` : `exit ${exit.code ?? '?'}`,
    stdout: exit.stdoutTail,
    stderr: exit.stderrTail,
  };
  const open = leftOpen.length > 0 ? `it closed ${leftOpen.join(', ')} inside a transaction, which PostgreSQL rolled back; ` : '';
  if (exit.code === 0 && open) {
    // Exit 0 with work silently rolled back (a forgotten COMMIT) is the program's error, named.
    throw Object.assign(new Error(`${d.name}: ${open}commit or roll back before closing (${output.exit})`), { code: 'open-transaction', output });
  }
  if (exit.code === 0) return new ProgramResult(lastLineValue(exit.stdoutTail), output);
  const lastErr = exit.stderrTail.trim().split('\n').at(-1) ?? '';
  const why = unsupported.length > 0 ? `it used what the gate does not support (${[...new Set(unsupported)].join(', ')}); ` : '';
  throw Object.assign(new Error(`${d.name}: ${why}${open}${output.exit}${lastErr ? `: ${lastErr}` : ''}`), {
    // A program that dies after a statement failed died of that error (allowedErrors apply to it).
    code: lastSqlState ?? output.exit,
    output,
  });
}

function lastLineValue(stdout: string): unknown {
  const line = stdout.trim().split('\n').at(-1)?.trim() ?? '';
  if (line === '') return null;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}

/** The program's HTTP lane: its service calls and sleeps, one at a time, in the order they came. */
class SerialLane {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(readonly lane: LanePort) {}
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** One outside service over HTTP: each request a step on the program's HTTP lane. */
function serviceGate(name: string, face: HttpServiceFace, http: SerialLane): Promise<StartedServiceGate> {
  /** Requests released to the handler, by their index at the gate: told when their answer is out. */
  const answered = new Map<number, () => void>();
  return startServiceGate({
    name,
    handler: (request) => face.handle(request),
    hooks: {
      onRequest: (step) =>
        new Promise<void>((released, refused) => {
          // The lane serves one call at a time: this one holds it until its answer is out.
          void http.run(async () => {
            const access = face.access?.(step.method, step.path) ?? (step.method === 'GET' || step.method === 'HEAD' ? { reads: ['*'] } : { writes: ['*'] });
            const footprint = [...(access.reads ?? []).map((r) => `r:svc:${name}/${r}`), ...(access.writes ?? []).map((w) => `svc:${name}/${w}`)];
            try {
              await http.lane.step({ kind: 'service', label: `${step.method} ${step.path}`, detail: step.detail, footprint });
            } catch (e) {
              refused(e);
              return;
            }
            const done = new Promise<void>((resolve) => answered.set(step.index, resolve));
            released();
            await done;
          });
        }),
      onAnswered: (step, answer) => {
        const done = answered.get(step.index);
        if (!done) return; // refused at the gate: never a step that ran
        answered.delete(step.index);
        if ('status' in answer) http.lane.finished(`HTTP ${answer.status}`);
        else http.lane.finished('', new Error(answer.error));
        done();
      },
    },
  });
}
