// What the harness refuses to run, by construct and with the block named, before anything runs;
// and the expected-output comparison (the .out beside a spec, its variants, a diff otherwise).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseSpec, compareWithExpected, expectedFilesBeside, readSpec, runSpecFile, SpecRunner } from '../../harness/isolation/index.ts';
import { suiteServer } from './spec-server.ts';

const session = (sql: string) => `session s\nstep a { ${sql} }\n`;

describe('refusals', () => {
  it.each([
    [session("SELECT injection_points_attach('x', 'wait');"), /step a \(line 2\) uses injection points \(injection_points_attach\)/],
    [`setup { CREATE EXTENSION injection_points; }\n${session('SELECT 1;')}`, /setup block 1 uses CREATE EXTENSION injection_points/],
    [session('BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE;'), /uses a DEFERRABLE transaction.*pg_blocking_pids/],
    [`session s\nsetup { SET default_transaction_deferrable = on; }\nstep a { SELECT 1; }`, /setup of session s uses default_transaction_deferrable/],
    [session('SELECT injection_points_wakeup(('), /uses injection points/],
  ])('refuses %j', async (text, message) => {
    const p = analyseSpec(readSpec(text, 'r.spec'));
    await expect(p).rejects.toThrow(message);
    await expect(p).rejects.toMatchObject({ code: 'E_SPEC_UNSUPPORTED' });
  });

  it('lets through SQL that merely fails to parse (PostgreSQL reports it at run time) and NOT DEFERRABLE', async () => {
    await expect(analyseSpec(readSpec(session('SELEC 1;')))).resolves.toEqual({ extensions: [], preparedTransactions: null });
    await expect(analyseSpec(readSpec(session('BEGIN ISOLATION LEVEL SERIALIZABLE NOT DEFERRABLE;')))).resolves.toMatchObject({ extensions: [] });
  });

  it('refuses an extension this PostgreSQL does not have, and prepared transactions it does not allow', async () => {
    const server = await suiteServer();
    await expect(SpecRunner.open(readSpec(`setup { CREATE EXTENSION no_such_thing; }\n${session('SELECT 1;')}`, 'x.spec'), server)).rejects.toThrow(
      /setup block 1 needs the extension 'no_such_thing', which this PostgreSQL does not have \(available: .*plpgsql/,
    );
    await expect(SpecRunner.open(readSpec(session("PREPARE TRANSACTION 'p';"), 'p.spec'), server)).rejects.toThrow(/uses PREPARE TRANSACTION, but this PostgreSQL has max_prepared_transactions = 0/);
    // An extension the server has is fine.
    const ok = await SpecRunner.open(readSpec(`setup { CREATE EXTENSION IF NOT EXISTS plpgsql; }\n${session('SELECT 1;')}`, 'ok.spec'), server);
    await ok.close();
  });

  it('refuses a setup block that fails, naming it (the tester stops there too)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prh-spec-'));
    try {
      await writeFile(join(dir, 'bad.spec'), `setup { SELECT 1; }\nsetup { SELECT no_such_column; }\n${session('SELECT 1;')}`);
      await expect(runSpecFile(join(dir, 'bad.spec'), await suiteServer())).rejects.toMatchObject({ code: 'E_SPEC_SETUP', message: expect.stringMatching(/setup block 2 failed: ERROR:  column "no_such_column" does not exist/) });
      await writeFile(join(dir, 'bad2.spec'), `session s\nsetup { SELECT 1/0; }\nstep a { SELECT 1; }`);
      await expect(runSpecFile(join(dir, 'bad2.spec'), await suiteServer())).rejects.toThrow(/setup of session s failed: ERROR:  division by zero/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('expected output', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prh-expected-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('matches any variant, and otherwise diffs against the closest one', async () => {
    await writeFile(join(dir, 'x.spec'), session('SELECT 1;'));
    await writeFile(join(dir, 'x.out'), 'one\ntwo\nthree\n');
    await writeFile(join(dir, 'x_1.out'), 'one\n2\nthree\n');
    await writeFile(join(dir, 'xy.out'), 'not a variant\n');
    const files = await expectedFilesBeside(join(dir, 'x.spec'));
    expect(files.map((f) => f.path)).toEqual([join(dir, 'x.out'), join(dir, 'x_1.out')]);
    expect(compareWithExpected('one\n2\nthree\n', files)).toEqual({ status: 'match', expected: join(dir, 'x_1.out') });
    const c = compareWithExpected('one\n2\nthree\nfour\n', files, 'actual');
    expect(c.status).toBe('differs');
    if (c.status !== 'differs') return;
    expect(c.expected).toBe(join(dir, 'x_1.out'));
    expect(c.diff).toContain('+four');
    expect(compareWithExpected('x', [])).toEqual({ status: 'no-expected' });
  });

  it('a spec whose output differs from its .out fails with the diff; --expected names another file', async () => {
    const server = await suiteServer();
    await writeFile(join(dir, 'one.spec'), session('SELECT 41 + 1 AS answer;'));
    await writeFile(join(dir, 'one.out'), 'Parsed test spec with 1 sessions\n\nstarting permutation: a\nstep a: SELECT 41 + 1 AS answer;\nanswer\n------\n    41\n(1 row)\n\n');
    const r = await runSpecFile(join(dir, 'one.spec'), server);
    expect(r.comparison.status).toBe('differs');
    if (r.comparison.status === 'differs') expect(r.comparison.diff).toMatch(/-    41\n\+    42/);
    await writeFile(join(dir, 'right.out'), r.output);
    const again = await runSpecFile(join(dir, 'one.spec'), server, { expected: join(dir, 'right.out') });
    expect(again.comparison).toEqual({ status: 'match', expected: join(dir, 'right.out') });
  });
});
