// A worker process: takes cells from its parent one at a time (the shared queue lives in the
// parent), runs each on its own clone of the parent's template, and sends back the result.
import { HarnessDatabases, type StartedPostgres } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { runCell, type CellOptions } from '../run/index.ts';
import { oddsOptionsOf, strategyOptionsOf, type CliOptions } from './cli-options.ts';
import type { ParentChannel, ToWorker } from './worker-protocol.ts';

/** Progress messages at most every this many runs: IPC is cheap, not free. */
const PROGRESS_EVERY = 16;

export async function runQueueWorker(options: CliOptions, server: StartedPostgres, parent: ParentChannel, replayCommand: (replay: string) => string): Promise<number> {
  const dbs = await HarnessDatabases.open(server);
  dbs.reconnectTimeoutMs = options.reconnectTimeoutMs;
  const cellOptions: Omit<CellOptions, 'onRun'> = {
    strategy: options.strategy,
    strategyOptions: strategyOptionsOf(options),
    hangTimeoutMs: options.hangTimeoutMs,
    reconnectTimeoutMs: options.reconnectTimeoutMs,
    pluginOptions: options.pluginOptions,
    replayCommand,
    ...(oddsOptionsOf(options) ? { odds: oddsOptionsOf(options) } : {}),
  };
  try {
    const messages: ToWorker[] = [];
    let wake: (() => void) | null = null;
    parent.onMessage((m) => {
      messages.push(m);
      wake?.();
    });
    parent.send({ kind: 'ready' });
    for (;;) {
      const m = messages.shift() ?? (await new Promise<void>((resolve) => (wake = resolve)).then(() => messages.shift()));
      wake = null;
      if (!m) continue;
      if (m.kind === 'stop') return 0;
      const scenario = options.scenarios.find((s) => s.name === m.scenario);
      const variant = scenario?.plugin.variants(scenario, [m.layers]).find((v) => v.id === m.layers);
      if (!scenario || !variant) {
        parent.send({ kind: 'error', code: 'E_INTERNAL', message: `worker was sent ${m.scenario}@${m.layers}, which its flags do not name` });
        continue;
      }
      try {
        const template = await dbs.adopt(m.template);
        const cell = await runCell(dbs, { scenario, variant, template }, {
          ...cellOptions,
          onRun: (runs, violating) => {
            if (runs % PROGRESS_EVERY === 0) parent.send({ kind: 'progress', runs, violating });
          },
        });
        parent.send({ kind: 'result', cell });
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        parent.send({ kind: 'error', code: e instanceof HarnessError ? e.code : 'E_INTERNAL', message: err.message, ...(err.stack ? { stack: err.stack } : {}) });
      }
    }
  } finally {
    await dbs.close();
  }
}
