// The long-lived Python runner (harness/gate/runners): a run's event loop says when it is idle,
// and a stopped run is cancelled so the same interpreter serves the next run (killed only when it
// will not end). Plain asyncio entries (test/gate/clients/runner_entries.py), no driver needed.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closePythonRunners, pythonRunner, type Launcher, type StartedProcessActor } from '../../harness/gate/index.ts';
import { CLIENTS_DIR, named, pythonMissing, PYTHON } from '../support/client-programs.ts';

const missing = pythonMissing('asyncio');

/** The test's end of each run's socket: the run's pid arrives first, then the test may answer. */
class Listener {
  readonly server: Server = createServer((s) => this.#accepted(s));
  readonly #waiting: ((c: { socket: Socket; pid: number }) => void)[] = [];

  #accepted(socket: Socket): void {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (!text.includes('\n')) return;
      this.#waiting.shift()?.({ socket, pid: Number(text.trim()) });
    });
  }

  /** The next run that connects: its socket and its process. */
  next(): Promise<{ socket: Socket; pid: number }> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }
}

describe.skipIf(missing)(named('the Python runner', missing), () => {
  const listener = new Listener();
  let launch: Launcher;
  beforeAll(async () => {
    listener.server.listen(0, '127.0.0.1');
    await once(listener.server, 'listening');
  });
  afterEach(() => closePythonRunners());
  afterAll(() => listener.server.close());

  function start(entry: string, args: string[] = []): StartedProcessActor {
    launch = pythonRunner({ python: PYTHON, entry: `runner_entries:${entry}`, cwd: CLIENTS_DIR });
    return launch({ argv: [PYTHON, '-m', 'runner_entries', ...args], env: { PATH: process.env['PATH'] ?? '', RUNNER_TEST_PORT: String(listener.port) } });
  }

  it('a run waiting on a socket says it is idle; it ends as its entry returns', async () => {
    const connected = listener.next();
    const run = start('waits');
    const { socket } = await connected;
    expect(await run.idle?.()).toBe(true);
    // Asked again and again, it answers each time (the newest ping answers the older ones too).
    expect(await Promise.all([run.idle?.(), run.idle?.(), run.idle?.()])).toEqual([true, true, true]);
    socket.write('7\n');
    const exit = await run.exited;
    expect(exit).toMatchObject({ code: 7, stopped: false });
  });

  it('a plain function for an entry is never asked (its run blocks the loop): /proc decides, and the run ends as it returns', async () => {
    const connected = listener.next();
    const run = start('sync_waits');
    const { socket } = await connected;
    expect(await run.idle?.()).toBeUndefined();
    socket.write('4\n');
    expect((await run.exited).code).toBe(4);
  });

  it('a run with a thread of its own cannot speak for it: idle is false, and /proc decides', async () => {
    const connected = listener.next();
    const run = start('waits_with_thread');
    const { socket } = await connected;
    expect(await run.idle?.()).toBe(false);
    socket.write('0\n');
    expect((await run.exited).code).toBe(0);
  });

  it('a run computing outside its loop does not answer: idle is undefined, and the stopped run is killed', async () => {
    const connected = listener.next();
    const run = start('busy', ['30']);
    await connected;
    expect(await run.idle?.()).toBeUndefined();
    const exit = await run.stop();
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL', stopped: true });
  });

  it('a stopped run is cancelled, even in a cleanup that awaits forever, and the same interpreter serves the next run', async () => {
    let connected = listener.next();
    const first = start('cleans_up_forever');
    const { pid } = await connected;
    const stopped = await first.stop();
    expect(stopped).toMatchObject({ code: 1, signal: null, stopped: true });
    expect(stopped.stderrTail).toContain('CancelledError');
    connected = listener.next();
    const second = launch({ argv: [PYTHON, '-m', 'runner_entries'], env: { PATH: process.env['PATH'] ?? '', RUNNER_TEST_PORT: String(listener.port) } });
    const again = await connected;
    expect(again.pid).toBe(pid);
    again.socket.write('3\n');
    expect((await second.exited).code).toBe(3);
  });

  it('a run that swallows its cancellation is killed, and the next run gets a new interpreter', async () => {
    let connected = listener.next();
    const first = start('swallows_cancel');
    const { pid } = await connected;
    expect(await first.stop()).toMatchObject({ code: null, signal: 'SIGKILL', stopped: true });
    connected = listener.next();
    const second = start('waits');
    const again = await connected;
    expect(again.pid).not.toBe(pid);
    again.socket.write('0\n');
    expect((await second.exited).code).toBe(0);
  });
});
