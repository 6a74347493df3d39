// The trace of one run: one compact record per step. Kept only for runs worth showing.
import { ActorFailure } from './actor-failure.ts';
import type { StepKind } from './strategy.ts';

export interface TraceStep {
  /** Step number (the index into the schedule). */
  readonly step: number;
  readonly actor: number;
  readonly kind: StepKind;
  /** The bot's step, e.g. `createPosition:check`, `placeMarketOrder`, `settlement sleep`. */
  readonly label: string;
  /** SQL text, request or sleep duration. */
  readonly detail: string;
  /** A SQL step's bound parameters `$1`, `$2`, … as SQL literals (shortened; dates as `<time>`). */
  readonly values?: readonly string[];
  /** `ok`, `rows=N`, or `ERR <SQLSTATE|code>`; `pending` if the run ended first. */
  result: string;
  /** What a statement returned, shortened (e.g. `[{"v":11}]`). */
  rows?: string;
  /** The error's message, shortened. */
  error?: string;
  /**
   * Set when the step completed only after later steps were released (it waited on a lock):
   * the number of the last step released before it completed.
   */
  completedAfter?: number;
  /** Virtual time (ms) when the step was released. */
  readonly at: number;
  /** Actors whose locks this step waited on, if any. */
  waitedOn: number[];
}

/** How a program (a process actor) ended, for traces and reports. */
export interface ProgramOutput {
  /** `exit 0`, `exit 1`, `signal SIGKILL`, or why it did not start. */
  readonly exit: string;
  /** The last few KB it wrote. */
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `partial`: what an actor that ended with an ActorFailure had done before (absent otherwise);
 * `output`: how a program ended (process actors only).
 */
export type ActorOutcome =
  | { readonly status: 'ok'; readonly value: unknown; readonly output?: ProgramOutput }
  | { readonly status: 'error'; readonly code: string | null; readonly sqlState: string | null; readonly message: string; readonly partial?: unknown; readonly output?: ProgramOutput }
  | { readonly status: 'unfinished'; readonly state: string; readonly partial?: unknown; readonly output?: ProgramOutput };

export type RunOutcome =
  /** Every actor finished (some may have failed; see `actors`). */
  | 'completed'
  /** PostgreSQL reported a deadlock (40P01), or a lock cycle was never broken. */
  | 'deadlock'
  /** No progress within the hang limit: a service call that never answers, a stuck wait. */
  | 'hang'
  /** The strategy abandoned the run: it only repeated interleavings already covered. */
  | 'abandoned'
  /** More steps than the step limit. */
  | 'step-limit'
  /**
   * A session's connection died (terminated backend, server restart, network): an infrastructure
   * fault, not an outcome of the code under test. The run is retried from scratch.
   */
  | 'connection-lost';

/** SQL on one line, shortened, for labels and messages. */
export function compactSql(sql: string, max = 60): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/**
 * The first rows a statement returned, as short JSON for a trace. Date and time values show as
 * `<time>`: they differ from run to run, and the same schedule must give the same trace.
 */
export function rowsPreview(rows: readonly unknown[], max = 120): string | undefined {
  if (rows.length === 0) return undefined;
  let text: string;
  try {
    text = JSON.stringify(rows.slice(0, 3), function (this: Record<string, unknown>, key: string, value: unknown) {
      return this[key] instanceof Date ? '<time>' : value;
    });
  } catch {
    return undefined;
  }
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return rows.length > 3 ? `${text} (+${rows.length - 3} rows)` : text;
}

/** SQLSTATE of an error or of the first error in its cause chain that has one. */
export function sqlStateOf(e: unknown): string | null {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 8; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

export function actorError(e: unknown): ActorOutcome {
  const err = e instanceof ActorFailure ? e.cause : e;
  const code = (err as { code?: unknown } | null)?.code;
  const output = (err as { output?: ProgramOutput } | null)?.output;
  return {
    status: 'error',
    code: typeof code === 'string' ? code : null,
    sqlState: sqlStateOf(err),
    message: err instanceof Error ? err.message : String(err),
    ...(e instanceof ActorFailure && e.partial !== undefined ? { partial: e.partial } : {}),
    ...(output ? { output } : {}),
  };
}

/** What a program's actor returns: its result, and how the program ended (kept in the outcome). */
export class ProgramResult {
  constructor(
    readonly value: unknown,
    readonly output: ProgramOutput,
  ) {}
}
