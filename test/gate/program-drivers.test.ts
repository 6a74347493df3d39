// Unchanged programs in Java (JDBC), JavaScript (postgres.js), Perl (DBD::Pg), Ruby (pg) and C
// (libpq) raced through their wire gates: each driver's lost update is found and its FOR UPDATE
// fix proven. A test whose runtime or driver is missing says so in its name, and the rest runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { programActor } from '../../harness/gate/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { CLIENTS_DIR, named } from '../support/client-programs.ts';
import type { Scenario } from '../../harness/scenario/index.ts';
import { counterScenario } from '../support/counter-scenario.ts';

const exhaustive = { strategy: 'exhaustive' as const, strategyOptions: { budget: 500, seed: 1, depth: 2, reduce: true }, workers: 1 };
const JDBC_JAR = '/usr/share/java/postgresql.jar';
const buildDir = mkdtempSync(join(tmpdir(), 'prh-program-drivers-'));

/** Why `argv` does not run here (null when it exits 0). */
function fails(argv: readonly string[], install: string): string | null {
  if (!existsSync(argv[0] as string)) return `${argv[0]} is not installed (apt-get install ${install})`;
  try {
    execFileSync(argv[0] as string, argv.slice(1), { stdio: 'ignore' });
    return null;
  } catch {
    return `${argv.join(' ')} fails (apt-get install ${install})`;
  }
}

function nodeModuleMissing(name: string): string | null {
  try {
    createRequire(import.meta.url).resolve(name);
    return null;
  } catch {
    return `the npm package ${name} is not installed (npm ci)`;
  }
}

// Compiled once here: `java Increment.java` compiles the source at every start (2-3 s on these
// machines, longer than the hang limit when two start at once); the classes start in under 1 s.
const noJdbc = existsSync(JDBC_JAR)
  ? fails(['/usr/bin/javac', '-cp', JDBC_JAR, '-d', buildDir, join(CLIENTS_DIR, 'Increment.java')], 'openjdk-17-jdk-headless')
  : `${JDBC_JAR} is missing (apt-get install libpostgresql-jdbc-java)`;
const noPostgresJs = nodeModuleMissing('postgres');
const noPerl = fails(['/usr/bin/perl', '-MDBD::Pg', '-e', '1'], 'libdbd-pg-perl');
const noRuby = fails(['/usr/bin/ruby', '-rpg', '-e', '1'], 'ruby-pg');
const C_PROGRAM = join(buildDir, 'increment');
const noLibpq =
  fails(['/usr/bin/gcc', '--version'], 'gcc') ??
  fails(['/usr/bin/gcc', join(CLIENTS_DIR, 'increment.c'), `-I${pgIncludeDir()}`, '-lpq', '-o', C_PROGRAM], 'libpq-dev');

function pgIncludeDir(): string {
  try {
    return execFileSync('pg_config', ['--includedir'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/include/postgresql';
  }
}

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

async function only(scenario: Scenario): Promise<CellResult> {
  const result = await runMatrix({ scenarios: [scenario], server, ...exhaustive });
  expect(result.cells).toHaveLength(1);
  return result.cells[0] as CellResult;
}

/** The lost update is found with a counterexample of two reads before the writes; FOR UPDATE is proven. */
async function raceAndFix(driver: string, command: (lock: boolean) => string[]): Promise<void> {
  const actors = (lock: boolean) => ['a', 'b'].map((name) => programActor({ name, command: command(lock), cwd: CLIENTS_DIR }));
  const lost = await only(counterScenario(`${driver}-lost-update`, actors(false), 'violates'));
  expect(lost.verdict, lost.error ?? lost.verdictReason).toBe('violated');
  expect(lost.agrees).toBe(true);
  const trace = lost.counterexample?.trace ?? [];
  // Both programs read the counter (on their own lanes, a/db0 and b/db0) before either wrote it.
  const reads = trace.filter((t) => t.kind === 'sql' && /SELECT n FROM counter/.test(t.detail));
  expect(new Set(reads.map((t) => t.actor)).size, JSON.stringify(trace.map((t) => [t.actor, t.label]))).toBe(2);
  expect(lost.counterexample?.actors.map((a) => a.outcome.status)).toEqual(['ok', 'ok']);

  const locked = await only(counterScenario(`${driver}-locked`, actors(true), 'holds'));
  expect(locked.verdict, locked.error ?? locked.verdictReason).toBe('proven');
  expect(locked.agrees).toBe(true);
}

describe('programs in other languages race through the wire gate', { timeout: 600_000 }, () => {
  it.skipIf(noJdbc)(named('Java JDBC (pgjdbc: extended protocol, BEGIN in the batch of the first statement)', noJdbc), async () => {
    await raceAndFix('jdbc', (lock) => ['java', '-cp', `${JDBC_JAR}:${buildDir}`, 'Increment', ...(lock ? ['lock'] : [])]);
  });

  it.skipIf(noPostgresJs)(named('JavaScript postgres.js (pipelined extended protocol)', noPostgresJs), async () => {
    await raceAndFix('postgresjs', (lock) => [process.execPath, 'increment-postgresjs.mjs', ...(lock ? ['lock'] : [])]);
  });

  it.skipIf(noPerl)(named('Perl DBI with DBD::Pg', noPerl), async () => {
    await raceAndFix('perl', (lock) => ['perl', 'increment.pl', ...(lock ? ['lock'] : [])]);
  });

  it.skipIf(noRuby)(named('Ruby pg', noRuby), async () => {
    await raceAndFix('ruby', (lock) => ['ruby', 'increment.rb', ...(lock ? ['lock'] : [])]);
  });

  it.skipIf(noLibpq)(named('C with libpq (PQexecParams)', noLibpq), async () => {
    await raceAndFix('libpq', (lock) => [C_PROGRAM, ...(lock ? ['lock'] : [])]);
  });
});
