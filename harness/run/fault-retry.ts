// Runs again what a connection fault interrupted: a run from scratch, replaying the choices the
// strategy already made, at most MAX_FAULT_RETRIES times before the cell gives up.
import { describeFault, isConnectionFault } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { ResumedStrategy, type ActorSpec, type ScheduleRun, type Strategy } from '../sched/index.ts';
import type { ScenarioBase } from '../scenario/index.ts';
import type { CellHarness } from './cell-harness.ts';

/** Attempts of one run (or one setup or check) after a connection fault, before the cell gives up. */
export const MAX_FAULT_RETRIES = 3;

/** Errors that end one cell as an `error` cell while the other cells go on. */
export const CELL_FAULT_CODES: ReadonlySet<string> = new Set(['E_CONNECTION_LOST', 'E_FAULT_NOT_REPRODUCED', 'E_HANG']);

/**
 * One run of the strategy, run again from scratch (at most MAX_FAULT_RETRIES times) while a
 * session's connection dies under it. The strategy sees one run: the retry replays the choices
 * it already made and asks it only for the steps it has not answered.
 */
export async function runRetryingFaults(
  harness: CellHarness,
  scenario: ScenarioBase,
  actors: readonly ActorSpec[],
  strategy: Strategy | null,
  onLost: (run: ScheduleRun) => void,
): Promise<ScheduleRun> {
  let answered: readonly number[] = [];
  // Why sessions died, from every attempt and every session (the observer's loss included): a
  // statement sent to a backend already terminated meets a reset connection, which drops the
  // server's 57P01 unread, so one session of one attempt may not say it.
  const codes = new Set<string>();
  const told = harness.onFault;
  harness.onFault = (phase, session, e) => {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string') codes.add(code);
    told(phase, session, e);
  };
  try {
    for (let attempt = 0; ; attempt++) {
      await harness.prepare(scenario);
      const run = strategy
        ? await harness.scheduler.run(actors, answered.length > 0 ? new ResumedStrategy(strategy, answered) : strategy)
        : await harness.scheduler.runRealtime(actors);
      if (run.outcome !== 'connection-lost') return run;
      onLost(run);
      if (run.fault?.code) codes.add(run.fault.code);
      if (attempt >= MAX_FAULT_RETRIES) {
        throw new HarnessError(
          'E_CONNECTION_LOST',
          `a run lost a session's connection ${attempt + 1} times in a row (last: ${run.fault?.session ?? 'a session'}, ${run.fault?.message ?? 'connection lost'}); ${
            // 57P01 is also what pg_terminate_backend sends: an actor that ends other sessions does it in every run.
            codes.has('57P01')
              ? 'its backend was terminated (57P01): by the server shutting down, or by pg_terminate_backend — if an actor of the scenario terminates other sessions, it ends the harness\'s own too; leave them out of what it terminates (application_name starts with prh-)'
              : 'the server or the network is unstable'
          }`,
        );
      }
      // An attempt that failed earlier than the last one replays a shorter prefix: keep the longest.
      if (run.schedule.choices.length > answered.length) answered = run.schedule.choices;
    }
  } finally {
    harness.onFault = told;
  }
}

/**
 * Opens something over fresh sessions (a cell's database clone, its observer, its catalog),
 * again while a connection dies under it; E_CONNECTION_LOST once the retries run out.
 */
export async function openRetryingFaults<T>(open: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await open();
    } catch (e) {
      if (!isConnectionFault(e)) throw e;
      if (attempt >= MAX_FAULT_RETRIES) {
        throw new HarnessError('E_CONNECTION_LOST', `opening a cell lost a session's connection ${attempt + 1} times (last: ${describeFault(e)}); the server or the network is unstable`, { cause: e });
      }
    }
  }
}
