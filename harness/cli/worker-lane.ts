// Lanes that are worker processes (the same entry point, started with the hidden queue-worker
// flag): each runs one cell at a time for the parent's shared queue. A worker that dies (killed,
// crashed, out of memory) fails its cell with E_WORKER_DIED; the queue hands the cell on.
import type { ChildProcess } from 'node:child_process';
import { registerCleanup } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import type { CellLane, CellResult, LaneFactory } from '../run/index.ts';
import { QUEUE_WORKER_FLAG, type FromWorker, type ToWorker } from './worker-protocol.ts';

/** Starts worker processes with `args` (the run's flags); `spawnSelf` is main.ts's. */
export function workerProcessLanes(spawnSelf: (args: readonly string[]) => ChildProcess, args: readonly string[]): LaneFactory {
  let started = 0;
  return (lane) =>
    new Promise<CellLane>((resolve, reject) => {
      const child = spawnSelf([...args, QUEUE_WORKER_FLAG]);
      const name = `worker process ${lane + 1} (pid ${child.pid ?? '?'}, #${++started})`;
      let exit: string | null = null;
      const exited = new Promise<void>((done) =>
        child.once('exit', (code, signal) => {
          exit = signal ? `signal ${signal}` : `exit code ${String(code)}`;
          done();
        }),
      );
      // Ctrl-C or a crash of this process stops the worker too.
      const unregister = registerCleanup(
        async () => {
          child.kill('SIGINT');
          await exited;
        },
        () => child.kill('SIGKILL'),
      );
      void exited.then(unregister);
      const send = (m: ToWorker) => {
        if (child.connected) child.send(m);
      };
      let onMessage: ((m: FromWorker) => void) | null = null;
      child.on('message', (m: FromWorker) => onMessage?.(m));
      child.once('error', (e) => reject(new HarnessError('E_WORKER_DIED', `${name} could not start: ${e.message}`)));
      const notReady = () => reject(new HarnessError('E_WORKER_DIED', `${name} exited before it was ready (${exit ?? 'unknown'})`));
      void exited.then(notReady);
      onMessage = (m) => {
        if (m.kind !== 'ready') return;
        onMessage = null;
        resolve({
          ...(child.pid ? { pid: child.pid } : {}),
          run: (work, onRun) =>
            new Promise<CellResult>((done, fail) => {
              const cellName = `${work.scenario.name}@${work.layerSet.id}`;
              const died = () => fail(new HarnessError('E_WORKER_DIED', `${name} died (${exit ?? 'unknown'}) while running ${cellName}`));
              if (exit) return died();
              void exited.then(died);
              onMessage = (r) => {
                if (r.kind === 'progress') onRun(r.runs, r.violating);
                else if (r.kind === 'result') done(r.cell);
                else if (r.kind === 'error') fail(workerError(r));
              };
              send({ kind: 'cell', scenario: work.scenario.name, layers: work.layerSet.id, template: work.template.name });
            }),
          close: async () => {
            onMessage = null;
            send({ kind: 'stop' });
            await exited;
          },
        });
      };
    });
}

/** A worker's error as the parent's own: HarnessErrors keep their code, the rest their stack. */
function workerError(r: Extract<FromWorker, { kind: 'error' }>): Error {
  if (r.code !== 'E_INTERNAL') return new HarnessError(r.code as ConstructorParameters<typeof HarnessError>[0], r.message);
  const e = new Error(r.message);
  if (r.stack) e.stack = r.stack;
  return e;
}
