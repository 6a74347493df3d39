// The Python bot raced through the wire gate as process actors (bot/python/scenarios): runs end
// as the contract says, in a process per run and in the long-lived runner alike.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closePythonRunners } from '../../../harness/gate/index.ts';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { runMatrix } from '../../../harness/run/index.ts';
import { signalSync } from '../../python/scenarios/signal-sync.ts';
import { pythonUnavailable } from './python-actors.ts';

const missing = pythonUnavailable();
let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(() => closePythonRunners());

describe.skipIf(missing)(`the Python bot through the gate${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 240_000 }, () => {
  for (const launch of ['runner'] as const) {
    it(`signal-sync @ baseline, one run (${launch})`, async () => {
      process.env['POSITION_BOT_LAUNCH'] = launch;
      const r = await runMatrix({ scenarios: [signalSync], layers: ['baseline'], server, strategy: 'random', strategyOptions: { budget: 12, seed: 1, depth: 2, reduce: true }, workers: 1, hangTimeoutMs: 5000 });
      console.log(launch, JSON.stringify(r.cells[0]?.distinctOutcomes), JSON.stringify(r.cells[0]?.outcomes));
      expect(r.cells[0]?.outcomes).toEqual({ completed: 12 });
    });
  }
});
