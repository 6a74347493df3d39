// A replayed run as text (`--replay`): the report's text trace of the run.
import { renderTraceText } from '../report/index.ts';
import type { ReplayResult } from '../run/index.ts';

export function renderTrace(r: ReplayResult): string {
  return renderTraceText({
    outcome: r.run.outcome,
    schedule: r.run.schedule.toString(),
    virtualTime: r.run.virtualTime,
    trace: r.run.trace,
    actors: r.run.actors.map((outcome, i) => ({ name: r.actorNames[i] ?? String(i), outcome })),
    violations: r.violations,
    finalRows: r.finalRows,
    finalTables: r.finalTables,
  });
}
