// The --spec, --expected and --export flags end to end through runCli on the suite's server.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../harness/cli/run-cli.ts';
import type { RunResult } from '../../harness/run/index.ts';
import { fakeStream } from '../support/fake-stream.ts';

async function cli(argv: readonly string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  const out = fakeStream();
  const err = fakeStream();
  const code = await runCli(argv, { DATABASE_URL: inject('pgAdminUrl') }, { out: out.stream, err: err.stream, ...(cwd ? { cwd } : {}) });
  return { code, out: out.text(), err: err.text() };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-spec-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--spec', () => {
  it('runs spec files (a glob too), diffs each with the .out beside it, and writes the output under --out', async () => {
    const r = await cli(['--spec', 'fixtures/specs/r*.spec', '--spec', 'fixtures/specs/grammar.spec', '--out', dir]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('spec fixtures/specs/results.spec: 1 permutation, ok (matches fixtures/specs/results.out)');
    expect(r.err).toContain('spec fixtures/specs/grammar.spec: 3 permutations, ok (matches fixtures/specs/grammar.out)');
    expect(await readFile(join(dir, 'spec', 'results.out'), 'utf8')).toBe(await readFile('fixtures/specs/results.out', 'utf8'));
  });

  it('loads no configuration and no scenario: a spec runs beside a configuration that cannot load', async () => {
    const project = join(dir, 'broken-config');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'race.config.mjs'), "throw new Error('this configuration must not be loaded');\n");
    const spec = join(process.cwd(), 'fixtures/specs/results.spec');
    const r = await cli(['--spec', spec, '--out', join(project, 'out')], project);
    expect(r.err).not.toContain('must not be loaded');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('1 permutation, ok');
    // The same directory without --spec does load it.
    const list = await cli(['--list'], project);
    expect(list.code).toBe(2);
    expect(list.err).toContain('this configuration must not be loaded');
    // What would choose among the configuration's scenarios is refused, not ignored.
    for (const flag of [['--scenario', 'signal-sync'], ['--config', 'race.config.mjs'], ['--list']]) {
      const r2 = await cli(['--spec', spec, ...flag], project);
      expect(r2.code).toBe(2);
      expect(r2.err).toContain(`${flag[0]} cannot be combined with --spec: a --spec run reads only its spec files, not the configuration or its scenarios`);
    }
  });

  it('exits 1 with the diff when the output differs from --expected', async () => {
    await writeFile(join(dir, 'wrong.out'), 'Parsed test spec with 2 sessions\n');
    const r = await cli(['--spec', 'fixtures/specs/results.spec', '--expected', join(dir, 'wrong.out'), '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`FAILED: differs from ${join(dir, 'wrong.out')}`);
    expect(r.out).toMatch(/^\+starting permutation: r_all/m);
  });

  it('explores with --strategy, lists each outcome with a permutation line, exports the new one; --ci fails on it', async () => {
    const out = join(dir, 'explore');
    const r = await cli(['--spec', 'fixtures/specs/write-skew.spec', '--strategy', 'exhaustive', '--no-reduce', '--export', 'spec', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('explored 20 interleavings of fixtures/specs/write-skew.spec (exhaustive, complete): 3 distinct outcomes, 1 not reached by a listed permutation');
    expect(r.out).toContain('outcome 2 (12 runs, NEW): permutation ann_begin ann_leave bob_begin bob_leave ann_commit bob_commit');
    expect(existsSync(join(out, 'write-skew-outcome-1.spec'))).toBe(true);
    // With partial-order reduction (the default): fewer runs, the same three outcomes.
    const reduced = await cli(['--spec', 'fixtures/specs/write-skew.spec', '--strategy', 'exhaustive', '--out', out]);
    expect(reduced.out).toMatch(/explored (\d+) interleavings .*\(exhaustive with partial-order reduction, complete: every interleaving up to reordering independent steps\): 3 distinct outcomes, 1 not reached/);
    expect(Number(/explored (\d+)/.exec(reduced.out)?.[1])).toBeLessThan(20);
    const ci = await cli(['--spec', 'fixtures/specs/write-skew.spec', '--strategy', 'random', '--budget', '30', '--seed', '3', '--ci', '--out', out]);
    expect(ci.out).toContain('explored 30 interleavings');
    expect(ci.code).toBe(1);
  });

  it.each([
    [['--spec', 'fixtures/specs/results.spec', '--export', 'pdf'], /unknown export format 'pdf'; valid export formats: spec, vitest/],
    [['--spec', 'fixtures/specs/results.spec', '--strategy', 'realtime'], /explores with --strategy exhaustive, pct or random/],
    [['--spec', 'fixtures/specs/results.spec', '--spec', 'fixtures/specs/grammar.spec', '--expected', 'x.out'], /give exactly one --spec/],
    [['--spec', 'fixtures/specs/nothing-*.spec'], /no such file, and the glob matches nothing/],
  ])('exits 2 on %j', async (argv, message) => {
    const r = await cli([...argv, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("prints on stdout exactly the .out (the status line goes to stderr), and an absolute glob's paths as given", async () => {
    const own = join(dir, 'own');
    await mkdir(own, { recursive: true });
    await writeFile(join(own, 'plain.spec'), 'session s\nstep one { SELECT 1 AS x; }\n');
    const r = await cli(['--spec', join(own, 'plain.spec'), '--out', join(dir, 'plain-out')]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(await readFile(join(dir, 'plain-out', 'spec', 'plain.out'), 'utf8'));
    expect(r.out).toBe('Parsed test spec with 1 sessions\n\nstarting permutation: one\nstep one: SELECT 1 AS x;\nx\n-\n1\n(1 row)\n\n');
    expect(r.err).toContain(`spec ${join(own, 'plain.spec')}: 1 permutation, no expected output to compare with`);
    const g = await cli(['--spec', join(own, '*.spec'), '--out', join(dir, 'plain-out')]);
    expect(g.code).toBe(0);
    expect(g.err).toContain(`spec ${join(own, 'plain.spec')}: 1 permutation`);
    expect(g.err).not.toContain('../');
  });

  it.each([
    ['missing', null],
    ['empty', ''],
    ['malformed', 'session s\nstep a { SELECT 1;\n'],
  ])('refuses the %s spec file before PostgreSQL starts (exit 2, the file named)', async (name, text) => {
    const file = join(dir, `${name}.spec`);
    if (text !== null) await writeFile(file, text);
    const out = fakeStream();
    const err = fakeStream();
    // No server answers there: only a refusal made before connecting exits 2 naming the file.
    const code = await runCli(['--spec', file, '--out', dir], { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' }, { out: out.stream, err: err.stream });
    expect(err.text()).toContain(`${name}.spec`);
    expect(err.text()).toMatch(/error E_(SPEC_PARSE|BAD_ARGUMENT): /);
    expect(code).toBe(2);
  });

  it('refuses an unreadable --expected file before PostgreSQL starts', async () => {
    const out = fakeStream();
    const err = fakeStream();
    const code = await runCli(['--spec', 'fixtures/specs/results.spec', '--expected', join(dir, 'no-such.out'), '--out', dir], { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' }, { out: out.stream, err: err.stream });
    expect(err.text()).toContain(`--expected ${join(dir, 'no-such.out')}`);
    expect(code).toBe(2);
  });

  it('exits 2 naming the construct it refuses', async () => {
    await writeFile(join(dir, 'inj.spec'), "session s\nstep a { SELECT injection_points_attach('p', 'wait'); }\n");
    const r = await cli(['--spec', join(dir, 'inj.spec'), '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error E_SPEC_UNSUPPORTED: .*step a \(line 2\) uses injection points/);
  });
});

describe('--export after a scenario run and a replay', () => {
  it('writes the SQL of the counterexample as a spec and a vitest test', async () => {
    const out = join(dir, 'scenario');
    const r = await cli(['--config', 'examples/race.config.ts', '--scenario', 'wallet-buggy', '--budget', '8', '--workers', '1', '--format', 'json', '--export', 'spec,vitest', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/exported wallet-buggy@default:\S+ \((\d+)\/\1 statements reproduced\)/);
    for (const ext of ['spec', 'out', 'test.ts']) expect(existsSync(join(out, `wallet-buggy-default.${ext}`))).toBe(true);
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    const replay = result.cells[0]?.counterexample?.replay;
    if (!replay) throw new Error('no counterexample');
    const again = await cli(['--config', 'examples/race.config.ts', '--replay', replay, '--export', 'spec', '--out', join(dir, 'replay')]);
    expect(again.code).toBe(0);
    expect(await readFile(join(dir, 'replay', 'wallet-buggy-default.out'), 'utf8')).toBe(await readFile(join(out, 'wallet-buggy-default.out'), 'utf8'));
  });
});
