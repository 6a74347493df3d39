// The resident process end to end: spec runs against the suite's server handed to it by the
// `race` command (through tsx, as `npm run scenarios` runs), what carries over between commands
// and what must not, and how it ends (asked, Ctrl-C of a command, killed).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as connectTcp, createServer, type AddressInfo, type Socket } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseOwner } from '../../../harness/db/index.ts';
import { requestOf, residentLifetimeMs, runInResident, servedByResident } from '../../../harness/cli/resident/index.ts';
import { fakeStream } from '../../support/fake-stream.ts';

const MAIN = 'harness/cli/main.ts';
// tsx by its path: a command runs in a directory of its own, where no node_modules is.
const NODE_ARGS = ['--conditions=prh-source', '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];

let dir: string;
let runtime: string;
let url: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-resident-'));
  // A runtime directory of the test's own: its residents are the test's, whatever else runs.
  runtime = await mkdtemp(join(tmpdir(), 'prh-resident-run-'));
  url = inject('pgAdminUrl');
});
// One resident at a time (a second one of the same build would leave at once): each test ends its own.
afterEach(async () => {
  await command(['--stop-resident']);
});
afterAll(async () => {
  for (const c of started) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await rm(runtime, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, ...extra };
  delete e['CI'];
  delete e['RACE_RESIDENT'];
  delete e['DATABASE_URL'];
  return { ...e, ...extra };
}

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** A `race` command; `onErr` sees its stderr as it comes (to act while it runs). */
function command(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; onErr?: (text: string, child: ChildProcess) => void } = {}): Promise<Finished> {
  const child = spawn(process.execPath, [...NODE_ARGS, join(process.cwd(), MAIN), ...args], { cwd: options.cwd ?? process.cwd(), env: env(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    options.onErr?.(err, child);
  });
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, out, err })));
}

/**
 * Starts a resident as a command would, but with its output read: resolves with its pid once it
 * listens. Other Node flags make it another build's.
 */
function startResident(nodeFlags: readonly string[] = []): Promise<{ pid: number; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [...nodeFlags, ...NODE_ARGS, join(process.cwd(), MAIN), '--resident-serve', '600'], { env: env(), stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^resident (\d+) listening/.exec(out);
      if (m) resolve({ pid: Number(m[1]), exited });
    });
    void exited.then((code) => reject(new Error(`the resident ended (${code}) before it listened: ${out}`)));
  });
}

/** The names of the databases on the suite's server whose owner is `pid`. */
async function databasesOf(pid: number): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ name: string; comment: string | null }>("SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE 'prh\\_%'");
    return r.rows.filter((row) => parseOwner(row.comment)?.pid === pid).map((row) => row.name);
  } finally {
    await c.end();
  }
}

const served = (pid: number) => `(run by the resident process ${pid};`;

describe('which commands a resident serves', () => {
  it('spec runs against a server given by URL, and nothing else', () => {
    const withUrl = { DATABASE_URL: 'postgresql://x@h/db' };
    expect(servedByResident(['--spec', 'a.spec', '--database-url', 'postgresql://x@h/db'], {})).toBe(true);
    expect(servedByResident(['--spec=a.spec'], withUrl)).toBe(true);
    expect(servedByResident(['--spec', 'a.spec'], {})).toBe(false);
    expect(servedByResident(['--spec', 'a.spec', '--db', 'embedded'], withUrl)).toBe(false);
    expect(servedByResident(['--scenario', 'x'], withUrl)).toBe(false);
    expect(servedByResident(['--spec', 'a.spec', '--help'], withUrl)).toBe(false);
    // Stopping the resident is never the resident's to do.
    expect(servedByResident(['--spec', 'a.spec', '--stop-resident'], withUrl)).toBe(false);
  });

  it('is on by default, off under CI or with RACE_RESIDENT=off, and lives RACE_RESIDENT seconds', () => {
    expect(residentLifetimeMs({})).toBe(300_000);
    expect(residentLifetimeMs({ CI: 'true' })).toBeNull();
    expect(residentLifetimeMs({ CI: 'true', RACE_RESIDENT: '60' })).toBe(60_000);
    expect(residentLifetimeMs({ RACE_RESIDENT: 'off' })).toBeNull();
    expect(residentLifetimeMs({ RACE_RESIDENT: 'soon' })).toBeNull();
    // Past what a timer can wait, the longest it can (not Node's fallback of 1 ms).
    expect(residentLifetimeMs({ RACE_RESIDENT: String(10 ** 9) })).toBe(2 ** 31 - 1);
  });
});

describe('the resident process', () => {
  it('runs a spec as the command would in its own process: output, exit code, files relative to its directory', async () => {
    const resident = await startResident();
    const spec = join(process.cwd(), 'fixtures/specs/results.spec');
    const there = await command(['--spec', spec, '--database-url', url, '--out', 'out-r', '--debug'], { cwd: dir });
    expect(there.err, there.err).toContain(served(resident.pid));
    expect(there.code).toBe(0);
    const own = await command(['--spec', spec, '--database-url', url, '--out', 'out-own'], { cwd: dir, env: { RACE_RESIDENT: 'off' } });
    expect(own.code).toBe(0);
    expect(there.out).toBe(own.out);
    expect(there.err.split('\n').filter((l) => !l.startsWith('(run by')).join('\n').replaceAll('out-r', 'out-own')).toBe(own.err);
    expect(await readFile(join(dir, 'out-r', 'spec', 'results.out'), 'utf8')).toBe(await readFile('fixtures/specs/results.out', 'utf8'));
    // A differing spec fails there as it would here: exit 1, the diff on stdout.
    await writeFile(join(dir, 'wrong.out'), 'Parsed test spec with 2 sessions\n');
    const differs = await command(['--spec', spec, '--expected', join(dir, 'wrong.out'), '--database-url', url, '--out', 'out-r', '--debug'], { cwd: dir });
    expect(differs.err).toContain(served(resident.pid));
    expect(differs.code).toBe(1);
    expect(differs.out).toContain('+starting permutation: r_all');
    // Bad input too: exit 2, its message.
    const missing = await command(['--spec', join(dir, 'none.spec'), '--database-url', url, '--debug'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('none.spec');
  });

  it('keeps a database for the next command only while it is as it was made: what a spec leaves is never seen by the next', async () => {
    const resident = await startResident();
    await writeFile(join(dir, 'leaves.spec'), "setup { CREATE TABLE left_behind (a int); CREATE FUNCTION left_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'; }\nsession s\nstep one { SELECT 1 AS one; }\n");
    await writeFile(join(dir, 'looks.spec'), "session s\nstep look { SELECT count(*) AS tables FROM pg_class WHERE relname = 'left_behind'; }\nstep fns { SELECT count(*) AS fns FROM pg_proc WHERE proname = 'left_fn'; }\n");
    const first = await command(['--spec', 'leaves.spec', '--database-url', url, '--out', 'o', '--debug'], { cwd: dir });
    expect(first.err).toContain(served(resident.pid));
    expect(first.code, first.err).toBe(0);
    const second = await command(['--spec', 'looks.spec', '--database-url', url, '--out', 'o', '--debug'], { cwd: dir });
    expect(second.err).toContain(served(resident.pid));
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/tables\n-+\n +0\n/);
    expect(second.out).toMatch(/fns\n-+\n +0\n/);
    // Between commands the resident holds a database of its own, and drops it when asked to end.
    expect((await databasesOf(resident.pid)).length).toBeGreaterThan(0);
    const stop = await command(['--stop-resident']);
    expect(stop.out).toContain(`stopped the resident process ${resident.pid}`);
    expect(await resident.exited).toBe(0);
    expect(await databasesOf(resident.pid)).toEqual([]);
    expect((await command(['--stop-resident'])).out).toBe('no resident process was running\n');
  });

  it('runs a second command in its own process while busy, and ends with a command it runs that is interrupted', async () => {
    const resident = await startResident();
    await writeFile(join(dir, 'sleeps.spec'), 'session s\nstep nap { SELECT pg_sleep(120); }\n');
    let interrupted = false;
    const long = command(['--spec', 'sleeps.spec', '--database-url', url, '--out', 'o', '--hang-timeout', '300000', '--debug'], {
      cwd: dir,
      onErr: (text, child) => {
        if (!text.includes(served(resident.pid)) || interrupted) return;
        interrupted = true;
        // While the resident runs it, another command runs on its own; then Ctrl-C the first.
        void command(['--spec', join(process.cwd(), 'fixtures/specs/results.spec'), '--database-url', url, '--out', 'o2', '--debug'], { cwd: dir }).then((other) => {
          expect(other.code, other.err).toBe(0);
          expect(other.err).not.toContain('(run by the resident');
          child.kill('SIGINT');
        });
      },
    });
    const r = await long;
    expect(interrupted).toBe(true);
    expect(r.code).toBe(130);
    expect(await resident.exited).toBe(130);
    expect(await databasesOf(resident.pid)).toEqual([]);
  });

  it('a resident killed outright leaves its place (a stale socket and lock) to the next resident', async () => {
    const killed = await startResident();
    process.kill(killed.pid, 'SIGKILL');
    await killed.exited;
    const next = await startResident();
    const r = await command(['--spec', join(process.cwd(), 'fixtures/specs/results.spec'), '--database-url', url, '--out', 'o', '--debug'], { cwd: dir });
    expect(r.err).toContain(served(next.pid));
    expect(r.code).toBe(0);
  });

  it("a new build's resident retires an idle resident of an older build", async () => {
    const older = await startResident();
    const newer = await startResident(['--no-deprecation']);
    expect(newer.pid).not.toBe(older.pid);
    expect(await older.exited).toBe(0);
    expect(await databasesOf(older.pid)).toEqual([]);
  });

  it('a resident whose server stopped answering ends, and the command runs in its own process as it would have', async () => {
    // The suite's server behind a proxy the test can cut.
    const target = new URL(url);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connectTcp(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const via = new URL(url);
    via.port = String((proxy.address() as AddressInfo).port);
    const resident = await startResident();
    const spec = join(process.cwd(), 'fixtures/specs/results.spec');
    const first = await command(['--spec', spec, '--database-url', via.toString(), '--out', 'o', '--debug'], { cwd: dir });
    expect(first.err).toContain(served(resident.pid));
    expect(first.code, first.err).toBe(0);
    // The server goes away: what the resident keeps no longer answers.
    await new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    // (The resident this command leaves behind has nothing to keep and lives 5 s.)
    const second = await command(['--spec', spec, '--database-url', via.toString(), '--out', 'o'], { cwd: dir, env: { RACE_RESIDENT: '5' } });
    const own = await command(['--spec', spec, '--database-url', via.toString(), '--out', 'o'], { cwd: dir, env: { RACE_RESIDENT: 'off' } });
    expect(second.err).toContain('E_DB_UNREACHABLE');
    expect([second.code, second.err, second.out]).toEqual([own.code, own.err, own.out]);
    expect(await resident.exited).toBe(0);
  });

  it('a command that finds no resident listening (a stale socket) runs in its own process, having written nothing', async () => {
    const stale = join(dir, 'stale.sock');
    await writeFile(stale, '');
    const out = fakeStream();
    const err = fakeStream();
    const answer = await runInResident({ dir, socket: stale, lock: join(dir, 'stale.lock'), idleMs: 1000 }, requestOf(['--spec', 'x.spec'], undefined), out.stream, err.stream);
    expect(answer).toEqual({ ran: false, listening: false });
    expect(out.text() + err.text()).toBe('');
  });
});
