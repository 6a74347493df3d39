// Programs as actors, end to end on the real PostgreSQL: unchanged Python (asyncpg) and psql
// programs raced through their wire gates, one statement at a time, with the same verdicts,
// replays and faults as in-process actors.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { programActor } from '../../harness/gate/index.ts';
import { renderHtml, renderMarkdown } from '../../harness/report/index.ts';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, runReplay, type CellResult } from '../../harness/run/index.ts';
import { defineScenario } from '../../harness/scenario/index.ts';
import { Schedule } from '../../harness/sched/index.ts';
import { CLIENTS_DIR, PSQL, PYTHON, named, psqlMissing, pythonMissing } from '../support/client-programs.ts';
import { COUNTER_SCHEMA, counterScenario } from '../support/counter-scenario.ts';

const noAsyncpg = pythonMissing('asyncpg');
const exhaustive = { strategy: 'exhaustive' as const, strategyOptions: { budget: 500, seed: 1, depth: 2, reduce: true }, workers: 1 };

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});


const increment = (lock: boolean) => ['a', 'b'].map((name) => programActor({ name, command: [PYTHON, join(CLIENTS_DIR, 'increment.py'), ...(lock ? ['lock'] : [])] }));

/** Pids of processes whose command line contains `pattern`. */
function running(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function only(result: { cells: readonly CellResult[] }): CellResult {
  expect(result.cells).toHaveLength(1);
  return result.cells[0] as CellResult;
}

describe.skipIf(noAsyncpg)(named('Python programs over asyncpg', noAsyncpg), { timeout: 240_000 }, () => {
  it('find the lost update, prove SELECT ... FOR UPDATE, and the counterexample replays to the same trace', async () => {
    const lost = counterScenario('py-lost-update', increment(false), 'violates');
    const found = only(await runMatrix({ scenarios: [lost], server, ...exhaustive }));
    expect(found.verdict).toBe('violated');
    const cx = found.counterexample;
    expect(cx).not.toBeNull();
    // Each lane is a thread of the schedule: a/db0, a/http, b/db0, b/http.
    const steps = cx?.trace.map((t) => `${t.actor}:${t.kind}:${t.label}:${t.result}`) ?? [];
    expect(steps.filter((s) => s.includes(':sql:SELECT n FROM counter'))).toHaveLength(2);
    // Replayed twice, after other runs: the same trace, step by step.
    for (let i = 0; i < 2; i++) {
      const replay = await runReplay(server, lost, 'default', Schedule.parse(cx?.schedule ?? ''));
      expect(replay.run.trace.map((t) => `${t.actor}:${t.kind}:${t.label}:${t.result}`)).toEqual(steps);
      expect(replay.violations.map((v) => v.invariant)).toEqual(['scenario:py-lost-update']);
    }

    const locked = only(await runMatrix({ scenarios: [counterScenario('py-locked', increment(true), 'holds')], server, ...exhaustive }));
    expect(locked.verdict).toBe('proven');
    expect(locked.agrees).toBe(true);
  });

  it('a program that dies of a failed statement ends with its SQLSTATE, its exit and its output; allowedErrors apply', async () => {
    const crash = (allowed: boolean) =>
      defineScenario({
        name: `py-crash-${allowed ? 'allowed' : 'not-allowed'}`,
        schema: COUNTER_SCHEMA,
        setup: async ({ sql }) => {
          await sql('INSERT INTO counter VALUES (1, 0)');
        },
        actors: [programActor({ name: 'crasher', command: [PYTHON, join(CLIENTS_DIR, 'misbehave.py'), 'crash'], ...(allowed ? { allowedErrors: ['23505'] } : {}) })],
        checks: ['no-unexpected-error'],
      });
    const result = await runMatrix({ scenarios: [crash(false), crash(true)], server, ...exhaustive });
    const [notAllowed, allowed] = result.cells;
    expect(notAllowed?.verdict).toBe('violated');
    expect(notAllowed?.distinctOutcomes?.[0]?.actors).toBe('crasher: error 23505');
    const ending = notAllowed?.counterexample?.actors[0]?.outcome;
    expect(ending).toMatchObject({ status: 'error', sqlState: '23505', output: { exit: 'exit 1' } });
    expect(ending?.status === 'error' ? ending.output?.stderr : '').toMatch(/UniqueViolationError/);
    expect(allowed?.verdict).toBe('proven');
    expect(allowed?.distinctOutcomes?.[0]?.actors).toBe('crasher: aborted 23505');
    // Reports name the program's lanes and show what it wrote.
    const md = renderMarkdown(result);
    expect(md).toContain('crasher/db0');
    expect(md).toMatch(/crasher` stderr \(exit 1, last lines\)/);
    expect(md).toContain('UniqueViolationError');
    expect(renderHtml(result)).toContain('crasher/db0');
  });

  it('one connection more than declared is refused (53300) and the program fails naming it', async () => {
    const scenario = defineScenario({
      name: 'py-two-connections',
      schema: COUNTER_SCHEMA,
      actors: [programActor({ name: 'greedy', command: [PYTHON, join(CLIENTS_DIR, 'misbehave.py'), 'two-connections'] })],
      checks: ['no-unexpected-error'],
    });
    const cell = only(await runMatrix({ scenarios: [scenario], server, ...exhaustive }));
    expect(cell.verdict).toBe('violated');
    const ending = cell.counterexample?.actors[0]?.outcome;
    expect(ending?.status === 'error' ? ending.output?.stderr : '').toMatch(/may hold 1 database connection/);
  });

  it('connections opened one after another reuse the one lane declared', async () => {
    const scenario = defineScenario({
      name: 'py-reconnect',
      schema: COUNTER_SCHEMA,
      setup: async ({ sql }) => {
        await sql('INSERT INTO counter VALUES (1, 0)');
      },
      actors: [programActor({ name: 'reconnector', command: [PYTHON, join(CLIENTS_DIR, 'misbehave.py'), 'reconnect'] })],
      check: async ({ sql }) => ((await sql<{ n: number }>('SELECT n FROM counter')).rows[0]?.n === 3 ? undefined : 'not three updates'),
    });
    const cell = only(await runMatrix({ scenarios: [scenario], server, ...exhaustive }));
    expect(cell.verdict).toBe('proven');
  });

  it('a program hanging outside every gate ends the run as a hang, and its process is killed', async () => {
    const scenario = defineScenario({
      name: 'py-hang',
      schema: COUNTER_SCHEMA,
      actors: [programActor({ name: 'sleeper', command: [PYTHON, join(CLIENTS_DIR, 'misbehave.py'), 'hang'] })],
    });
    const cell = only(await runMatrix({ scenarios: [scenario], server, ...exhaustive, hangTimeoutMs: 1500 }));
    expect(cell.outcomes.hang).toBeGreaterThan(0);
    expect(cell.verdict).toBe('violated');
    expect(cell.violationsByInvariant['no-hang']).toBeGreaterThan(0);
    // The report says what of the program kept running: its thread asleep on its own clock.
    const unfinished = cell.counterexample?.violations.find((v) => v.invariant === 'no-unfinished-actor');
    expect(unfinished?.message).toMatch(/^sleeper never finished \(it was \w+; its program was still running: python[\d.]* \(thread \d+\) asleep on its own timer when the run ended\)/);
    // Its process group was killed at the end of each run: nothing of it is left.
    expect(running('misbehave.py hang')).toEqual([]);
  });

  it('COPY is refused with an error naming it', async () => {
    const scenario = defineScenario({
      name: 'py-copy',
      schema: COUNTER_SCHEMA,
      actors: [programActor({ name: 'copier', command: [PYTHON, join(CLIENTS_DIR, 'misbehave.py'), 'copy'] })],
      checks: ['no-unexpected-error'],
    });
    const cell = only(await runMatrix({ scenarios: [scenario], server, ...exhaustive }));
    const ending = cell.counterexample?.actors[0]?.outcome;
    expect(ending?.status).toBe('error');
    expect(ending?.status === 'error' ? `${ending.message}\n${ending.output?.stderr ?? ''}` : '').toMatch(/COPY/);
  });

  it("a program's sleep on the virtual clock is a step and costs virtual time, not wall time", async () => {
    const scenario = defineScenario({
      name: 'py-sleep',
      schema: COUNTER_SCHEMA,
      setup: async ({ sql }) => {
        await sql('INSERT INTO counter VALUES (1, 0)');
      },
      actors: [programActor({ name: 'sleeper', command: [PYTHON, join(CLIENTS_DIR, 'misbehave.py'), 'sleep'] })],
      // Every run: a sleep step of 3000 ms on the program's http lane, then its wake-up at t=3000.
      check: ({ trace, results }) => {
        const sleep = trace.find((t) => t.kind === 'sleep');
        const wake = trace.find((t) => t.kind === 'wake');
        if (sleep?.detail !== '3000 ms' || wake?.at !== 3000) return `no 3 s sleep on the virtual clock in ${JSON.stringify(trace.map((t) => [t.kind, t.detail, t.at]))}`;
        if ((results['sleeper'] as { woke?: number } | null)?.woke !== 3000) return `the program woke at ${JSON.stringify(results['sleeper'])}`;
      },
    });
    const cell = only(await runMatrix({ scenarios: [scenario], server, ...exhaustive }));
    expect(cell.verdictReason).toMatch(/every interleaving is covered/);
    expect(cell.verdict).toBe('proven');
  });
});

const noPsql = psqlMissing();
describe.skipIf(noPsql)(named('psql scripts', noPsql), { timeout: 240_000 }, () => {
  it('two psql scripts lose an update (\\gset then UPDATE), found by the search', async () => {
    const actors = ['a', 'b'].map((name) => programActor({ name, command: [PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', join(CLIENTS_DIR, 'increment.sql')] }));
    const cell = only(await runMatrix({ scenarios: [counterScenario('psql-lost-update', actors, 'violates')], server, ...exhaustive }));
    expect(cell.verdict).toBe('violated');
    expect(cell.agrees).toBe(true);
  });
});
