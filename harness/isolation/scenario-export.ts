// Exports a scenario's counterexample (any plugin's, in-process actors or programs) as an
// isolation spec and a vitest test: its SQL is captured by replaying the schedule, written as a
// spec, run through the harness's own spec reader and runner, and checked to reproduce every
// statement's success or SQLSTATE before anything is written.
import type { StartedPostgres } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import type { Schedule } from '../sched/index.ts';
import type { ScenarioBase } from '../scenario/index.ts';
import { captureToSpec } from './counterexample-spec.ts';
import { captureScenarioSql, type CaptureOptions } from './scenario-sql-capture.ts';
import { exportName, writeCounterexample, type ExportFormat } from './spec-export.ts';
import { runSpecText } from './spec-file-run.ts';
import { writeSpec } from './spec-writer.ts';

export interface ScenarioExport {
  readonly replay: string;
  readonly files: readonly string[];
  /** Statements whose error (or success) the spec run reproduced, of all statements. */
  readonly reproduced: number;
  readonly statements: number;
}

export async function exportScenarioCounterexample(
  server: StartedPostgres,
  scenario: ScenarioBase,
  variant: string,
  schedule: Schedule,
  formats: readonly ExportFormat[],
  outDir: string,
  options: CaptureOptions = {},
): Promise<ScenarioExport> {
  const capture = await captureScenarioSql(server, scenario, variant, schedule, options);
  if (capture.statements.length === 0) throw new HarnessError('E_BAD_ARGUMENT', `${capture.replay} ran no SQL: there is nothing to export as a spec`);
  const spec = captureToSpec(capture);
  const name = exportName(scenario.name, variant);
  // The spec is run from its text: what is written is what was checked.
  const { output, runs } = await runSpecText(writeSpec(spec), server, `${name}.spec`);
  const run = runs[0];
  if (!run) throw new Error('an exported spec has one permutation');
  // Per session, the spec's step queries in order, against the statements the actor sent.
  const perSession = run.queries.map((qs) => qs.filter((q) => q.kind === 'step'));
  const sessionOf = new Map(spec.sessions.map((s, i) => [s.name, i]));
  const seen = spec.sessions.map(() => 0);
  const mismatches: string[] = [];
  const mustContain: string[] = [];
  let reproduced = 0;
  for (const st of capture.statements) {
    const s = sessionOf.get(capture.actorNames[st.actor] ?? '') ?? -1;
    const k = seen[s] ?? 0;
    seen[s] = k + 1;
    const q = perSession[s]?.[k];
    const want = st.result.startsWith('ERR ') ? st.result.slice(4) : null;
    const got = q ? q.sqlState : 'never ran';
    if (got === want) {
      reproduced++;
      const err = q?.output.find((o) => o.kind === 'error');
      if (err?.kind === 'error') mustContain.push(`${err.severity}:  ${err.message}`);
    } else {
      mismatches.push(`${q?.name ?? st.label}: the original ${want ? `failed with ${want}` : 'succeeded'}, the spec ${got ? `gave ${got}` : 'succeeded'}`);
    }
  }
  if (mismatches.length > 0) {
    throw new HarnessError('E_SPEC_UNSUPPORTED', `the SQL of ${capture.replay} does not reproduce on its own (without the service calls and sleeps): ${mismatches.join('; ')}`);
  }
  const files = await writeCounterexample({ name, spec, output, mustContain, title: `${capture.replay} (its SQL)` }, formats, outDir);
  return { replay: capture.replay, files, reproduced, statements: capture.statements.length };
}
