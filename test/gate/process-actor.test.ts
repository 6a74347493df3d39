// Process actors: a bad command is caught before anything starts; a process gets the gate's
// environment, reports its exit and output tail, and its whole process group dies with it.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { actorEnv, CAN_PROBE, checkCommand, ProcessTreeProbe, serviceEnvName, startProcessActor } from '../../harness/gate/index.ts';
import { killMarked, markProgram } from '../../harness/gate/escaped-processes.ts';
import { harnessErrorOf } from '../support/harness-error-of.ts';
import { eventually } from '../support/harness-child.ts';

const dir = mkdtempSync(join(tmpdir(), 'prh-process-actor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

/** Running (a zombie waiting for its reaper counts as dead). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('checkCommand', () => {
  it('finds a program on PATH or by its path, relative to the working directory', () => {
    expect(checkCommand(['sh', '-c', 'true'], dir, process.env['PATH'])).toMatch(/\/sh$/);
    script('ok.sh', 'exit 0');
    expect(checkCommand(['./ok.sh'], dir, '')).toBe(join(dir, 'ok.sh'));
  });

  it('refuses a missing or non-executable command with a message that says what to do', () => {
    const missing = harnessErrorOf(() => checkCommand(['no-such-program-xyz'], dir, '/usr/bin:/bin'));
    expect(missing.code).toBe('E_BAD_ARGUMENT');
    expect(missing.message).toBe("actor command 'no-such-program-xyz' was not found on PATH (/usr/bin:/bin); install it or give its path");
    expect(harnessErrorOf(() => checkCommand(['./absent.py'], dir, '')).message).toMatch(/^actor command '\.\/absent\.py' does not exist \(looked for .*absent\.py\)$/);
    script('plain.py', 'exit 0', 0o644);
    expect(harnessErrorOf(() => checkCommand(['./plain.py'], dir, '')).message).toMatch(/is not an executable file; chmod \+x it, or run it through its interpreter \(\['python3', '\.\/plain\.py'\]\)/);
    script('plain.sh', 'exit 0', 0o644);
    expect(harnessErrorOf(() => checkCommand(['./plain.sh'], dir, '')).message).toMatch(/\(\['sh', '\.\/plain\.sh'\]\)/);
    expect(harnessErrorOf(() => checkCommand([dir], '/', '')).message).toMatch(/is a directory/);
    expect(harnessErrorOf(() => checkCommand([], dir, '')).code).toBe('E_BAD_ARGUMENT');
    expect(harnessErrorOf(() => checkCommand(['sh'], join(dir, 'nowhere'), '/bin')).message).toMatch(/working directory .* does not exist/);
  });
});

describe('actorEnv', () => {
  it("points DATABASE_URL and libpq's variables at the gate, names services and the clock, and drops the harness's PG variables", () => {
    const env = actorEnv(
      { PATH: '/bin', PGSERVICE: 'prod', PGOPTIONS: '-c x=1', DATABASE_URL: 'postgresql://elsewhere/db', HOME: '/root' },
      { database: { host: '127.0.0.1', port: 5999, user: 'postgres', password: 'pw', database: 'prh_x' }, services: { 'price-feed': 'http://127.0.0.1:7000' }, clockUrl: 'http://127.0.0.1:7001' },
      { APP_MODE: 'race' },
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/root',
      DATABASE_URL: 'postgresql://postgres:pw@127.0.0.1:5999/prh_x?sslmode=disable',
      PGHOST: '127.0.0.1',
      PGPORT: '5999',
      PGUSER: 'postgres',
      PGPASSWORD: 'pw',
      PGDATABASE: 'prh_x',
      PGSSLMODE: 'disable',
      RACE_SERVICE_PRICE_FEED_URL: 'http://127.0.0.1:7000',
      RACE_CLOCK_URL: 'http://127.0.0.1:7001',
      APP_MODE: 'race',
    });
    expect(serviceEnvName('payments')).toBe('RACE_SERVICE_PAYMENTS_URL');
  });
});

describe('startProcessActor', () => {
  it('reports the exit code and the tail of stdout and stderr', async () => {
    const exit = await startProcessActor({ argv: ['sh', '-c', 'echo "$GREETING"; head -c 20000 /dev/zero | tr "\\0" x; echo; echo oops >&2; exit 3'], env: { PATH: process.env['PATH'] ?? '', GREETING: 'hi' } }, { tailBytes: 100 }).exited;
    expect(exit).toMatchObject({ code: 3, signal: null, stderrTail: 'oops\n', stopped: false });
    expect(exit.stdoutTail).toBe(`${'x'.repeat(99)}\n`);
  });

  it('says why a process could not start', async () => {
    const exit = await startProcessActor({ argv: [join(dir, 'vanished')], env: {} }).exited;
    expect(exit.code).toBeNull();
    expect(exit.spawnError).toMatch(/ENOENT/);
  });

  it('stop() kills the whole process group, children included (SIGTERM, then SIGKILL)', async () => {
    const pidFile = join(dir, 'child.pid');
    // The child ignores SIGTERM: only the SIGKILL after the grace period ends it.
    const parent = script('parent.sh', `sh -c 'trap "" TERM; echo $$ > ${pidFile}; while true; do sleep 1; done' &\nwait`);
    const actor = startProcessActor({ argv: [parent], env: { PATH: process.env['PATH'] ?? '' } }, { killGraceMs: 100 });
    let child = 0;
    await eventually(() => {
      try {
        child = Number(readFileSync(pidFile, 'utf8')) || 0;
      } catch {
        // Not written yet.
      }
      return child !== 0;
    });
    expect(alive(child)).toBe(true);
    const exit = await actor.stop();
    expect(exit.stopped).toBe(true);
    expect(exit.signal).toBe('SIGTERM');
    // The group's SIGKILL has been sent by now; the kernel reaps the orphan shortly after.
    await eventually(() => !alive(child), 5_000);
    expect(alive(child)).toBe(false);
  });

  it('a program that exits leaves no process of its group behind', async () => {
    const pidFile = join(dir, 'orphan.pid');
    const exit = await startProcessActor({ argv: ['sh', '-c', `sleep 30 & echo $! > ${pidFile}; exit 0`], env: { PATH: process.env['PATH'] ?? '' } }).exited;
    expect(exit.code).toBe(0);
    const orphan = Number(readFileSync(pidFile, 'utf8'));
    await eventually(() => !alive(orphan), 5_000);
    expect(alive(orphan)).toBe(false);
  });
});

describe('a program that leaves its process group (a daemon: setsid)', () => {
  const noSetsid = !existsSync('/usr/bin/setsid');
  it.skipIf(noSetsid)('holding its pipes: found by its mark and killed, and the pipes let go, so nothing waits on it', async () => {
    const pidFile = join(dir, 'daemon.pid');
    const program = startProcessActor({ argv: ['sh', '-c', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 600' & sleep 0.2; exit 0`], env: { PATH: process.env['PATH'] ?? '' } });
    const exit = await program.exited;
    expect(exit.code).toBe(0);
    const daemon = Number(readFileSync(pidFile, 'utf8'));
    expect(await eventually(() => !alive(daemon), 5_000)).toBe(true);
  });

  it.skipIf(noSetsid)('with its output closed: killed by its mark (what the harness does for every program on exit)', async () => {
    const pidFile = join(dir, 'quiet-daemon.pid');
    const { env, mark } = markProgram({ PATH: process.env['PATH'] ?? '' });
    execFileSync('sh', ['-c', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 600' >/dev/null 2>&1 </dev/null &`], { env });
    expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5_000)).toBe(true);
    const daemon = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(daemon)).toBe(true);
    // Another mark of this process is not this program's: nothing killed.
    expect(killMarked(`${mark}9`)).toBe(0);
    expect(killMarked(mark)).toBe(1);
    expect(await eventually(() => !alive(daemon), 5_000)).toBe(true);
  });
});

describe.skipIf(!CAN_PROBE)('ProcessTreeProbe on a process actor', () => {
  it('is false while a thread of the tree computes, and true once every thread sleeps and stays asleep', async () => {
    const busy = startProcessActor({ argv: ['sh', '-c', 'while :; do :; done'], env: { PATH: process.env['PATH'] ?? '' } });
    // A shell waiting on its child, which waits for a writer to open the FIFO: asleep until the harness acts.
    const fifo = join(dir, 'no-writer');
    execFileSync('mkfifo', [fifo]);
    const idle = startProcessActor({ argv: ['sh', '-c', 'cat "$0" & wait', fifo], env: { PATH: process.env['PATH'] ?? '' } });
    const busyTree = new ProcessTreeProbe(busy.pid as number);
    const idleTree = new ProcessTreeProbe(idle.pid as number);
    try {
      // A spinning shell is runnable, or has run between the two looks: never settled.
      for (let i = 0; i < 20; i++) expect(await busyTree.settled()).toBe(false);
      // A shell waiting on its blocked child settles once both are asleep (start-up takes a moment).
      expect(await eventually(() => idleTree.settled(), 10_000)).toBe(true);
    } finally {
      busyTree.close();
      idleTree.close();
      await Promise.all([busy.stop(), idle.stop()]);
    }
  });
});
