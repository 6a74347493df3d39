// Programs that misbehave, raced through their gates: each fault ends as an outcome or an error
// that names it, never as a harness hang or a process left behind. (Crashes after a failed
// statement, one connection too many, a hang outside the gates and COPY: program-actor.test.ts.)
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../harness/cli/run-cli.ts';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { programActor } from '../../harness/gate/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { fakeStream } from '../support/fake-stream.ts';
import { harnessErrorOf } from '../support/harness-error-of.ts';
import { CLIENTS_DIR, PSQL, PYTHON, named, psqlMissing, pythonMissing } from '../support/client-programs.ts';
import { COUNTER_SCHEMA, counterScenario } from '../support/counter-scenario.ts';
import { eventually } from '../support/harness-child.ts';

const exhaustive = { strategy: 'exhaustive' as const, strategyOptions: { budget: 50, seed: 1, depth: 2, reduce: true }, workers: 1 };
const FIXTURES = resolve('test/fixtures/program-scenarios');
const dir = mkdtempSync(join(tmpdir(), 'prh-program-faults-'));
const noPsql = psqlMissing();

/** The counter race judged only by the actors' endings: these tests are about how a program fails. */
const scenario = (name: string, actors: Scenario['actors']): Scenario => counterScenario(name, actors, undefined, ['no-unexpected-error']);

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


async function only(s: Scenario): Promise<CellResult> {
  const result = await runMatrix({ scenarios: [s], server, ...exhaustive });
  expect(result.cells).toHaveLength(1);
  return result.cells[0] as CellResult;
}

/** The one actor's ending in the cell's counterexample (or its first distinct outcome). */
function ending(cell: CellResult): { status: string; message: string; code: string | null; stderr: string } {
  const o = cell.counterexample?.actors[0]?.outcome;
  if (!o || o.status !== 'error') return { status: o?.status ?? 'none', message: '', code: null, stderr: '' };
  return { status: o.status, message: o.message, code: o.code ?? null, stderr: o.output?.stderr ?? '' };
}

/** Running (a zombie waiting for its reaper counts as dead). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a bad command', () => {
  it('a missing or non-executable program is a bad scenario when it is defined, before anything starts', () => {
    const missing = harnessErrorOf(() => programActor({ name: 'ghost', command: ['no-such-program-xyz'], baseEnv: { PATH: '/usr/bin:/bin' } }));
    expect(missing.code).toBe('E_BAD_SCENARIO');
    expect(missing.message).toBe("actor 'ghost': actor command 'no-such-program-xyz' was not found on PATH (/usr/bin:/bin); install it or give its path");
    const plain = join(dir, 'plain.py');
    writeFileSync(plain, 'print(1)\n');
    chmodSync(plain, 0o644);
    expect(harnessErrorOf(() => programActor({ name: 'plain', command: ['./plain.py'], cwd: dir })).message).toMatch(/^actor 'plain': actor command '\.\/plain\.py' is not an executable file; chmod \+x it, or run it through its interpreter/);
    expect(harnessErrorOf(() => programActor({ name: 'lost', command: ['sh'], cwd: join(dir, 'nowhere') })).message).toMatch(/working directory .* does not exist/);
  });

  it('from the CLI: exit 2 naming the file, the actor and the command, and no database is started', async () => {
    const out = fakeStream();
    const err = fakeStream();
    // An unreachable server: had the CLI tried to start or reach one, the error would say so.
    const code = await runCli(['--scenarios', 'missing-command.scenario.ts', '--out', join(dir, 'reports')], { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' }, { out: out.stream, err: err.stream, cwd: FIXTURES });
    expect(code, err.text()).toBe(2);
    expect(err.text()).toMatch(/^error E_BAD_SCENARIO: missing-command\.scenario\.ts: cannot load it: actor 'ghost': actor command '\.\/no-such-program' does not exist/m);
    expect(err.text()).not.toMatch(/E_DB_|127\.0\.0\.1:1/);
  });
});

describe('programs that misbehave', { timeout: 240_000 }, () => {
  it('a program that exits non-zero without ever connecting ends with its exit and its output', async () => {
    const cell = await only(scenario('never-connects', [programActor({ name: 'quitter', command: ['sh', '-c', 'echo "no database for me" >&2; exit 3'] })]));
    expect(cell.verdict).toBe('violated');
    expect(ending(cell)).toMatchObject({ status: 'error', code: 'exit 3', message: 'quitter: exit 3: no database for me' });
  });

  it.skipIf(noPsql)(named('a program that closes its connection inside a transaction: an error naming it, and PostgreSQL rolled the work back', noPsql), async () => {
    const script = join(dir, 'no-commit.sql');
    writeFileSync(script, 'BEGIN;\nUPDATE counter SET n = n + 1 WHERE id = 1;\n');
    const s = defineScenario({
      name: 'open-transaction',
      schema: COUNTER_SCHEMA,
      setup: async ({ sql }) => {
        await sql('INSERT INTO counter VALUES (1, 0)');
      },
      actors: [programActor({ name: 'forgetful', command: [PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', script] })],
      checks: ['no-unexpected-error'],
      check: async ({ sql }) => ((await sql<{ n: number }>('SELECT n FROM counter')).rows[0]?.n === 0 ? undefined : 'the update was kept'),
    });
    const cell = await only(s);
    expect(cell.verdict).toBe('violated');
    expect(cell.violationsByInvariant['scenario:open-transaction']).toBeUndefined();
    expect(ending(cell)).toMatchObject({ status: 'error', code: 'open-transaction', message: 'forgetful: it closed db0 inside a transaction, which PostgreSQL rolled back; commit or roll back before closing (exit 0)' });
  });

  it.skipIf(noPsql)(named('sslmode=require: the gate offers no TLS, and the program fails saying so', noPsql), async () => {
    const cell = await only(scenario('ssl-only', [programActor({ name: 'tls', command: [PSQL, '-X', '-c', 'SELECT 1'], env: { PGSSLMODE: 'require' } })]));
    expect(ending(cell)).toMatchObject({ status: 'error', code: 'exit 2' });
    expect(ending(cell).message).toMatch(/^tls: exit 2: .*server does not support SSL, but SSL was required/);
    expect(cell.counterexample?.trace).toEqual([]);
  });

  it.skipIf(noPsql)(named('a replication connection is refused, and the ending names it', noPsql), async () => {
    const cell = await only(scenario('replication', [programActor({ name: 'replica', command: [PSQL, '-X', '-d', 'replication=database', '-c', 'IDENTIFY_SYSTEM'] })]));
    expect(ending(cell).status).toBe('error');
    expect(ending(cell).message).toMatch(/^replica: it used what the gate does not support \(replication\); exit 2: /);
    expect(ending(cell).stderr).toMatch(/replication/);
  });

  it.skipIf(noPsql)(named('LISTEN and NOTIFY are carried: the program hears its notification', noPsql), async () => {
    const s = defineScenario({
      name: 'listen-notify',
      schema: COUNTER_SCHEMA,
      actors: [programActor({ name: 'listener', command: [PSQL, '-X', '-c', 'LISTEN jobs', '-c', "NOTIFY jobs, 'hello'"] })],
      check: ({ results }) => (/Asynchronous notification "jobs" with payload "hello"/.test(String(results['listener'])) ? undefined : `no notification in ${JSON.stringify(results)}`),
    });
    const cell = await only(s);
    expect(cell.verdict, cell.verdictReason).toBe('proven');
  });
});

// A statement timeout, a helper thread that cancels: the program acts on a clock the harness does
// not schedule, so whatever the search finds, it proves nothing.
describe('a program that cancels its own statement', { timeout: 120_000 }, () => {
  const noAsyncpg = pythonMissing('asyncpg');
  it.skipIf(noAsyncpg)(named('its CancelRequest makes the search inconclusive, naming it', noAsyncpg), async () => {
    const s = defineScenario({
      name: 'own-timeout',
      schema: COUNTER_SCHEMA,
      actors: [
        programActor({
          name: 'impatient',
          command: [PYTHON, join(CLIENTS_DIR, 'asyncpg_cancel.py')],
          // The statement takes 25 times longer than the timeout: it is always cancelled.
          env: { CLIENT_SQL: 'SELECT pg_sleep(5)', CLIENT_TIMEOUT: '0.2' },
        }),
      ],
      check: ({ results }) => ((results['impatient'] as { timedOut?: boolean } | null)?.timedOut === true ? undefined : `not cancelled: ${JSON.stringify(results)}`),
    });
    const cell = await only(s);
    expect(cell.violating, cell.verdictReason).toBe(0);
    expect(cell.verdict).toBe('inconclusive');
    expect(cell.verdictReason).toMatch(/impatient sent a CancelRequest, on its own clock/);
  });
});

describe('the harness stopped in the middle of a run', { timeout: 120_000 }, () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s: the program and its children are killed with the harness', async (signal) => {
    const pidFile = join(dir, `sleeper-${signal}.pid`);
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('harness/cli/main.ts'), '--scenarios', 'sleeper.race.ts', '--hang-timeout', '60000', '--workers', '1', '--out', join(dir, `out-${signal}`)], {
      cwd: FIXTURES,
      env: { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1', SLEEPER_PID_FILE: pidFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    // The sleeping grandchild is up once it wrote its pid (polled: it is the program's, not ours).
    let sleeper = 0;
    await eventually(() => {
      if (existsSync(pidFile)) sleeper = Number(readFileSync(pidFile, 'utf8')) || 0;
      return sleeper !== 0;
    });
    expect(sleeper, stderr).toBeGreaterThan(0);
    expect(alive(sleeper)).toBe(true);
    child.kill(signal);
    expect(await exited, stderr).toBe(signal === 'SIGINT' ? 130 : 143);
    await eventually(() => !alive(sleeper), 5_000);
    expect(alive(sleeper)).toBe(false);
  });
});
