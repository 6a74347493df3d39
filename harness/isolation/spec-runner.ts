// Runs an isolation spec on a database the harness created: for each permutation, the spec's
// setup blocks on a control session, its sessions as actors of the scheduler engine (each on its
// own PostgreSQL session) driven by the isolation tester strategy, then its teardown; the output
// is the tester's text. Exploring runs use the same machinery with an inner strategy.
import pg from 'pg';
import { HarnessDatabases, type HarnessDatabase, type StartedPostgres } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { Scheduler, type FootprintMiss, type RunOutcome, type Schedule, type Strategy } from '../sched/index.ts';
import type { QueryOutput, TranscriptEntry } from './isolation-transcript.ts';
import { IsolationTesterStrategy, type StepSource, type TesterEnd } from './isolation-tester-strategy.ts';
import type { IsolationSpec, PermutationStep, SpecStep } from './spec-model.ts';
import { sessionActors } from './spec-actors.ts';
import { libpqStartupOptions, withLibpqEnvironment } from './libpq-environment.ts';
import type { SpecDatabases } from './spec-databases.ts';
import { analyseSpec, checkServerSupports, type SpecNeeds } from './spec-refusals.ts';
import { SpecRunLog, type SessionQuery } from './spec-run-log.ts';

export interface SpecRunnerOptions {
  readonly hangTimeoutMs?: number;
  /**
   * libpq's environment (PGOPTIONS, PGDATESTYLE, PGTZ, PGGEQO) for the spec's sessions, as the
   * isolation tester's; default `process.env`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What the spec needs of the server, when already analysed (prepareSpecFile did). */
  readonly needs?: SpecNeeds;
  /** A command's shared spec databases; without, the runner opens and closes a manager of its own. */
  readonly databases?: SpecDatabases;
}

export interface PermutationRun {
  /** The steps in the order they were launched (for a listed permutation: the permutation). */
  readonly steps: readonly PermutationStep[];
  /** `starting permutation: ...` through the teardown's output. */
  readonly transcript: readonly TranscriptEntry[];
  readonly end: TesterEnd;
  readonly outcome: RunOutcome;
  readonly schedule: Schedule;
  /** What the sessions' queries and the teardown returned, order aside: the run's observable outcome. */
  readonly signature: string;
  /** The tester would have written these to its stderr (a teardown that failed ...). */
  readonly warnings: readonly string[];
  /** Per session, what each of its queries (setup, steps, teardown) returned, in order. */
  readonly queries: readonly (readonly SessionQuery[])[];
  /** What the run-time cross-check saw PostgreSQL touch beyond the footprints (see FootprintMiss). */
  readonly footprintMisses?: readonly FootprintMiss[];
}

/** A spec's database and scheduler, ready for permutations. */
export class SpecRunner {
  private constructor(
    readonly spec: IsolationSpec,
    /** Gives the database and the scheduler back: closed and dropped now (a manager of its own), or to the command's shared databases. */
    private readonly release: () => Promise<void>,
    readonly db: HarnessDatabase,
    readonly scheduler: Scheduler,
  ) {}

  /**
   * Refuses what the harness cannot run, then creates a database of its own for the spec (never
   * a foreign one) and connects a scheduler to it.
   */
  static async open(spec: IsolationSpec, server: StartedPostgres, options: SpecRunnerOptions = {}): Promise<SpecRunner> {
    const needs = options.needs ?? (await analyseSpec(spec));
    const shared = options.databases;
    const label = specDatabaseLabel(spec);
    const databaseUrl = (db: HarnessDatabase) => withLibpqEnvironment(db.url, options.env ?? process.env);
    const connect = (db: HarnessDatabase) => Scheduler.connect({ databaseUrl: databaseUrl(db), ...(options.hangTimeoutMs ? { hangTimeoutMs: options.hangTimeoutMs } : {}) });
    let session: SpecRunner;
    if (shared) {
      // The libpq environment and the hang bound are the same for every spec of a command; the
      // key keeps a database (and its sessions) from serving a spec that connects otherwise.
      const key = JSON.stringify({ options: libpqStartupOptions(options.env ?? process.env), hang: options.hangTimeoutMs ?? null });
      const taken = await shared.take(label, key, connect);
      session = new SpecRunner(spec, () => shared.giveBack(taken), taken.db, taken.scheduler);
    } else {
      const dbs = await HarnessDatabases.open(server);
      try {
        const db = await dbs.createTemplate(label, []);
        const scheduler = await connect(db);
        session = new SpecRunner(spec, async () => {
          await scheduler.close();
          await dbs.close();
        }, db, scheduler);
      } catch (e) {
        await dbs.close();
        throw e;
      }
    }
    try {
      await checkServerSupports(spec, needs, (sql) => session.scheduler.observer.query(sql));
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }

  /** One permutation (listed or generated), run the way the isolation tester runs it. */
  runPermutation(steps: readonly PermutationStep[]): Promise<PermutationRun> {
    return this.run({ kind: 'permutation', steps });
  }

  /**
   * One exploring run: `inner` picks the steps; the run's launch order is its permutation.
   * 'abandoned': the run repeated one already covered; 'done': `inner` has nothing left.
   */
  explore(inner: Strategy): Promise<PermutationRun | 'abandoned' | 'done'> {
    return this.run({ kind: 'explore', inner });
  }

  /** Gives the database and the scheduler back (to the next spec, or closed and dropped). */
  close(): Promise<void> {
    return this.release();
  }

  private async run(source: { kind: 'permutation'; steps: readonly PermutationStep[] }): Promise<PermutationRun>;
  private async run(source: StepSource): Promise<PermutationRun | 'abandoned' | 'done'>;
  private async run(source: StepSource): Promise<PermutationRun | 'abandoned' | 'done'> {
    const spec = this.spec;
    const log = new SpecRunLog(spec.sessions.length);
    const projection = spec.sessions.map((s, i) =>
      source.kind === 'permutation' ? source.steps.map((ps) => stepNamed(spec, ps.step)).filter((st) => st.session === i) : s.steps,
    );
    const { actors, plans } = sessionActors(spec, projection, log);
    const tester = new IsolationTesterStrategy(spec, source, plans, log);
    if (!tester.beginRun()) return 'done';
    const warnings: string[] = [];
    const setupOutput: TranscriptEntry[] = [];
    for (const [i, block] of spec.setup.entries()) {
      const r = await this.control(block);
      if (r.error) throw new HarnessError('E_SPEC_SETUP', `${spec.source}: setup block ${i + 1} failed: ${r.error}`);
      if (r.last) setupOutput.push(r.last);
    }
    const run = await this.scheduler.run(actors, tester);
    tester.endRun(run.trace.length);
    tester.finish(run.outcome === 'hang');
    if (tester.fatal) {
      await this.teardown(warnings);
      throw new HarnessError('E_SPEC_SETUP', `${spec.source}: ${tester.fatal}`);
    }
    const teardownOutput = await this.teardown(warnings);
    // An exploring run the inner strategy abandoned repeats one already covered.
    if (run.outcome === 'abandoned' && tester.end !== 'stuck') return 'abandoned';
    const steps = tester.launches.map((l) => l.ps);
    // The permutation as written, even when it failed before launching every step (the tester prints it first).
    const written = source.kind === 'permutation' ? source.steps : steps;
    const transcript: TranscriptEntry[] = [{ kind: 'permutation', steps: written.map((s) => s.step) }, ...setupOutput, ...tester.transcript, ...teardownOutput];
    return { steps, transcript, end: tester.end, outcome: run.outcome, schedule: run.schedule, signature: signatureOf(spec, log, teardownOutput, tester.end), warnings, queries: log.finished, ...(run.footprintMisses ? { footprintMisses: run.footprintMisses } : {}) };
  }

  private async teardown(warnings: string[]): Promise<TranscriptEntry[]> {
    if (this.spec.teardown === null) return [];
    const r = await this.control(this.spec.teardown);
    if (r.error) {
      warnings.push(`teardown failed: ${r.error}`);
      return [];
    }
    return r.last ? [r.last] : [];
  }

  /** A block on the control session; like PQexec, only its last result counts. */
  private async control(sql: string): Promise<{ last: Extract<QueryOutput, { kind: 'result-set' }> | null; error: string | null }> {
    try {
      const r = (await this.scheduler.observer.query({ text: sql, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } })) as unknown as pg.QueryArrayResult | pg.QueryArrayResult[];
      // Several statements answer with one result each; PQexec keeps the last.
      const last: pg.QueryArrayResult | undefined = Array.isArray(r) ? r[r.length - 1] : r;
      // Only a statement that returns rows prints a table (PGRES_TUPLES_OK).
      if (!last || last.fields.length === 0) return { last: null, error: null };
      return { last: { kind: 'result-set', result: { fields: last.fields.map((f) => f.name), rows: last.rows.map((row: unknown[]) => row.map((v) => (v === null ? null : String(v)))) } }, error: null };
    } catch (e) {
      const err = e as { severity?: string; message?: string };
      return { last: null, error: `${err.severity ?? 'ERROR'}:  ${err.message ?? String(e)}` };
    }
  }
}

/** The label in a spec's database name (prh_tpl_spec_<name>_<pid>_<n>). */
export function specDatabaseLabel(spec: IsolationSpec): string {
  return `spec_${spec.source.replace(/^.*\//, '').replace(/\.spec$/, '')}`;
}

function stepNamed(spec: IsolationSpec, name: string): SpecStep {
  for (const s of spec.sessions) for (const st of s.steps) if (st.name === name) return st;
  throw new HarnessError('E_SPEC_PARSE', `${spec.source}: no step named '${name}'`);
}

/**
 * The observable outcome of a run, whatever the order, as a reader of the output sees it: what
 * each session's queries printed (in the session's order) and what the teardown printed. Waiting
 * is timing, not an outcome.
 */
function signatureOf(spec: IsolationSpec, log: SpecRunLog, teardown: readonly TranscriptEntry[], end: TesterEnd): string {
  const lines: string[] = [];
  spec.sessions.forEach((session, i) => {
    // A query that printed nothing is not part of what a reader sees: an exploring run takes
    // every step (a commit and an abort, say) where each listed permutation takes some, and the
    // silent extra ones must not make a listed outcome look new.
    for (const q of log.finished[i] ?? []) if (q.output.length > 0) lines.push(`${describeQuery(session.name, q)}: ${outputText(q.output)}`);
  });
  if (teardown.length > 0) lines.push(`teardown: ${outputText(teardown.filter((e): e is QueryOutput => e.kind === 'result-set'))}`);
  if (end === 'stuck') lines.push('(the permutation could not complete: steps blocked for good)');
  return lines.join('\n');
}

function describeQuery(session: string, q: SessionQuery): string {
  return q.kind === 'step' ? `step ${q.name}` : `${session} ${q.kind}`;
}

function outputText(output: readonly QueryOutput[]): string {
  if (output.length === 0) return 'ok';
  return output
    .map((o) => (o.kind === 'error' ? `${o.severity}:  ${o.message}` : `${o.result.fields.join('|')} = ${o.result.rows.map((r) => r.map((v) => v ?? 'NULL').join('|')).join('; ') || '(0 rows)'}`))
    .join(' / ');
}
