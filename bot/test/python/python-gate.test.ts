// The Python bot raced through the wire gate as process actors (bot/python/scenarios): a
// counterexample found on it replays to the same trace, in a process per run and in the
// long-lived runner alike.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closePythonRunners } from '../../../harness/gate/index.ts';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { runMatrix, runReplay } from '../../../harness/run/index.ts';
import { Schedule, type TraceStep } from '../../../harness/sched/index.ts';
import { signalSync } from '../../python/scenarios/signal-sync.ts';
import { pythonUnavailable } from './python-actors.ts';

const missing = pythonUnavailable();
let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(() => closePythonRunners());

const line = (t: TraceStep) => `${t.actor}:${t.kind}:${t.label}:${t.result}`;

describe.skipIf(missing)(`the Python bot through the gate${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 240_000 }, () => {
  for (const launch of ['process', 'runner'] as const) {
    it(`signal-sync @ baseline: the search finds the duplicate; its schedule replays to the same trace (${launch})`, async () => {
      process.env['POSITION_BOT_LAUNCH'] = 'process';
      const r = await runMatrix({ scenarios: [signalSync], layers: ['baseline'], server, strategy: 'exhaustive', strategyOptions: { budget: 3, seed: 1, depth: 2, reduce: true }, workers: 1, hangTimeoutMs: 10_000 });
      process.env['POSITION_BOT_LAUNCH'] = launch;
      const cell = r.cells[0];
      console.log(launch, cell?.verdictReason, JSON.stringify(cell?.distinctOutcomes), JSON.stringify(cell?.outcomes));
      const cx = cell?.counterexample;
      expect(cx).toBeTruthy();
      const steps = cx?.trace.map(line) ?? [];
      for (let i = 0; i < 2; i++) {
        const replay = await runReplay(server, signalSync, 'baseline', Schedule.parse(cx?.schedule ?? ''));
        const again = replay.run.trace.map(line);
        if (JSON.stringify(again) !== JSON.stringify(steps)) console.log('FIRST\n' + steps.join('\n') + '\nAGAIN\n' + again.join('\n'));
        expect(again).toEqual(steps);
      }
    });
  }
});
