// What a cell keeps of its runs: each distinct outcome, and the first violating run as a
// counterexample with the command that replays it.
import { formatReplayTarget, type ActorOutcome, type ActorSpec, type ScheduleRun } from '../sched/index.ts';
import type { Violation } from '../check/index.ts';
import { actorEndings, endingsSummary, type RunInspection } from '../scenario/index.ts';
import type { Counterexample, DistinctOutcome } from './result-model.ts';

export function replayCommand(replay: string): string {
  return `npm run scenarios -- --replay '${replay}'`;
}

/** What tells this run's outcome apart from others: the checks it broke, the endings, the state. */
export function distinctOutcome(run: ScheduleRun, actors: readonly ActorSpec[], inspection: RunInspection): DistinctOutcome {
  return {
    violated: [...new Set(inspection.violations.map((v) => v.invariant))].sort(),
    run: run.outcome,
    actors: endingsSummary(actorEndings(actors, run.actors)),
    state: inspection.signature,
  };
}

export function compareOutcomes(a: DistinctOutcome, b: DistinctOutcome): number {
  const ka = JSON.stringify(a);
  const kb = JSON.stringify(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function toCounterexample(
  scenario: string,
  variant: string,
  run: ScheduleRun,
  violations: Violation[],
  inspection: RunInspection,
  index: number,
  names: readonly string[],
  replayable: boolean,
  command: (replay: string) => string,
): Counterexample {
  const replay = formatReplayTarget({ scenario, layers: variant, schedule: run.schedule });
  return {
    replay,
    command: replayable ? command(replay) : '(realtime runs are not replayable; use a controlled strategy)',
    schedule: run.schedule.toString(),
    foundAtRun: index,
    outcome: run.outcome,
    violations,
    actors: run.actors.map((outcome, i) => ({ name: names[i] ?? `actor-${i}`, outcome: compactOutcome(outcome) })),
    trace: run.trace,
    finalTables: inspection.finalTables,
  };
}

/** Actor results can be large objects; reports keep a JSON-safe summary. */
function compactOutcome(o: ActorOutcome): ActorOutcome {
  const safe = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null)) as unknown;
  if (o.status === 'ok') return { status: 'ok', value: safe(o.value) };
  return o.partial === undefined ? o : { ...o, partial: safe(o.partial) };
}
