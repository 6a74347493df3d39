// The checks every generic scenario gets (unless it picks others): no unexpected error, no
// deadlock, no hang, no unfinished actor. They read how each actor ended and how the run ended.
import type { Violation } from './violation.ts';

export const BUILTIN_CHECK_IDS = ['no-unexpected-error', 'no-deadlock', 'no-hang', 'no-unfinished-actor'] as const;

export type BuiltinCheckId = (typeof BUILTIN_CHECK_IDS)[number];

/** Where a run's SQL-only actors did not do what their steps declare (blocks, fails, returns). */
export const SQL_STEPS_CHECK = 'sql-steps';

/**
 * How an actor ended, as checks see it. `aborted`: it ended with an error it declared allowed
 * (e.g. 40001); `partial`: what it had done before it failed, when it kept it.
 */
export type ActorEnding =
  | { readonly name: string; readonly status: 'ok'; readonly value: unknown }
  | { readonly name: string; readonly status: 'aborted'; readonly sqlState: string; readonly message: string; readonly partial?: unknown }
  | { readonly name: string; readonly status: 'error'; readonly sqlState: string | null; readonly code: string | null; readonly message: string; readonly partial?: unknown }
  | { readonly name: string; readonly status: 'unfinished'; readonly state: string; readonly partial?: unknown };

/** How a run ended (the engine's RunOutcome, as checks need it). */
export type RunEnd = 'completed' | 'deadlock' | 'hang' | 'abandoned' | 'step-limit' | 'connection-lost';

const DEADLOCK = '40P01';

/** Runs the chosen built-in checks (default: all) over one run's endings. */
export function checkBuiltins(ids: readonly BuiltinCheckId[], run: RunEnd, endings: readonly ActorEnding[]): Violation[] {
  const out: Violation[] = [];
  const on = new Set(ids);
  if (on.has('no-unexpected-error')) {
    // A deadlock victim is no-deadlock's to report.
    for (const e of endings) {
      if (e.status !== 'error' || e.sqlState === DEADLOCK) continue;
      const what = e.sqlState ? `SQLSTATE ${e.sqlState}` : `an error${e.code ? ` (${e.code})` : ''}`;
      out.push({ invariant: 'no-unexpected-error', message: `${e.name} ended with ${what}: ${e.message}`.slice(0, 300), rows: [] });
    }
  }
  if (on.has('no-deadlock') && run === 'deadlock') {
    const victims = endings.filter((e) => (e.status === 'error' || e.status === 'aborted') && e.sqlState === DEADLOCK);
    // A victim that declared 40P01 allowed is a transaction the application retries: no violation.
    const unexpected = victims.filter((e) => e.status === 'error');
    if (victims.length === 0) out.push({ invariant: 'no-deadlock', message: 'a lock cycle among the actors was never broken', rows: [] });
    for (const v of unexpected) out.push({ invariant: 'no-deadlock', message: `deadlock: PostgreSQL aborted ${v.name} (40P01), which does not allow it`, rows: [] });
  }
  if (on.has('no-hang') && (run === 'hang' || run === 'step-limit')) {
    out.push({ invariant: 'no-hang', message: run === 'hang' ? 'the run made no progress within the hang limit' : 'the run exceeded the step limit', rows: [] });
  }
  if (on.has('no-unfinished-actor')) {
    for (const e of endings) if (e.status === 'unfinished') out.push({ invariant: 'no-unfinished-actor', message: `${e.name} never finished (it was ${e.state} when the run ended)`, rows: [] });
  }
  return out;
}
