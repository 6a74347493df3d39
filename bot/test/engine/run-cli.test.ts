// runCli end to end on the suite's PostgreSQL: --list, exit code 2 with the valid choices on every
// bad input, a small --ci run writing all four reports, a flipped --expect failing the gate, --replay.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../../harness/cli/run-cli.ts';
import { LAYERS, NAMED_SETS } from '../../layers/index.ts';
import { REPORT_FORMAT_NAMES } from '../../../harness/report/index.ts';
import { STRATEGIES, type RunResult } from '../../../harness/run/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { fakeStream } from '../../../test/support/fake-stream.ts';

interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI against the suite's server (never an embedded one of its own). */
async function cli(argv: readonly string[], env: Record<string, string | undefined> = { DATABASE_URL: inject('pgAdminUrl') }): Promise<CliRun> {
  const out = fakeStream();
  const err = fakeStream();
  const code = await runCli(argv, env, { out: out.stream, err: err.stream });
  return { code, out: out.text(), err: err.text() };
}

const SCENARIO_NAMES = Object.keys(SCENARIOS);
const LAYER_IDS = Object.keys(LAYERS);
const STRATEGY_NAMES = Object.keys(STRATEGIES);

let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'prh-cli-test-'));
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('--list', () => {
  it('prints every scenario, layer, named set and strategy, and exits 0', async () => {
    const r = await cli(['--list']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    for (const name of [...SCENARIO_NAMES, ...LAYER_IDS, ...Object.keys(NAMED_SETS), ...STRATEGY_NAMES]) expect(r.out).toContain(name);
    for (const s of Object.values(SCENARIOS)) expect(r.out).toContain(s.title);
    for (const l of Object.values(LAYERS)) expect(r.out).toContain(l.seedOption);
  });
});

describe('bad input exits 2 and names the valid choices', () => {
  const cases: readonly (readonly [string, readonly string[], string, readonly string[]])[] = [
    ['an unknown scenario', ['--scenario', 'nope'], 'E_UNKNOWN_SCENARIO', SCENARIO_NAMES],
    ['an unknown layer', ['--layers', 'nope'], 'E_UNKNOWN_LAYER', [...LAYER_IDS, 'recommended']],
    ['an unknown layer inside a set', ['--layers', 'check-open-statuses+nope'], 'E_UNKNOWN_LAYER', [...LAYER_IDS, 'recommended']],
    ['an unknown strategy', ['--strategy', 'nope'], 'E_UNKNOWN_STRATEGY', STRATEGY_NAMES],
    ['an unknown report format', ['--format', 'pdf'], 'E_UNKNOWN_FORMAT', REPORT_FORMAT_NAMES],
    ['an unknown exchange transport', ['--exchange', 'grpc'], 'E_BAD_ARGUMENT', ['http', 'direct']],
    ['a malformed replay string', ['--replay', 'garbage'], 'E_SCHEDULE_PARSE', ['<scenario>@<layers>:<schedule>']],
    ['a malformed schedule in a replay', ['--replay', 'signal-sync@baseline:0x-1'], 'E_SCHEDULE_PARSE', ['0x3-1x2-0']],
    ['a replay of an unknown scenario', ['--replay', 'nope@baseline:0'], 'E_UNKNOWN_SCENARIO', SCENARIO_NAMES],
    ['a negative budget', ['--budget=-1'], 'E_BAD_ARGUMENT', ['--budget must be a whole number ≥ 1']],
    // A negative number is a value out of range, not Node's "argument is ambiguous".
    ['a negative budget as a separate value', ['--budget', '-5'], 'E_BAD_ARGUMENT', ["--budget must be a whole number ≥ 1, got '-5'"]],
    ['negative workers', ['--workers', '-1'], 'E_BAD_ARGUMENT', ["--workers must be a whole number ≥ 1 and ≤ 64, got '-1'"]],
    ['a negative hang timeout', ['--hang-timeout', '-1'], 'E_BAD_ARGUMENT', ["--hang-timeout must be a whole number ≥ 100, got '-1'"]],
    ['a negative timing value', ['--settlement', '-3'], 'E_BAD_ARGUMENT', ['--settlement', "from 0 to 60000 ms, got '-3'"]],
    ['a value that looks like a flag', ['--out', '-x'], 'E_BAD_ARGUMENT', ['--out', '--out=-XYZ']],
    ['an unknown flag', ['--frobnicate'], 'E_BAD_ARGUMENT', ["Unknown option '--frobnicate'", '--scenario', '--layers', '--strategy', '--replay']],
    ['a malformed --expect', ['--expect', 'signal-sync@baseline=maybe'], 'E_BAD_ARGUMENT', ['holds|violates']],
    ['conflicting layers', ['--layers', 'open-status-index+full-unique-index'], 'E_LAYER_CONFLICT', ['open-status-index', 'full-unique-index']],
    ['the other conflicting pair', ['--layers', 'optimistic-locking+locked-update'], 'E_LAYER_CONFLICT', ['optimistic-locking', 'locked-update']],
    ['an empty replay', ['--replay', ''], 'E_SCHEDULE_PARSE', ['<scenario>@<layers>:<schedule>']],
    ['a replay without a schedule', ['--replay', 'signal-sync@baseline:'], 'E_SCHEDULE_PARSE', ['<scenario>@<layers>:<schedule>']],
    ['a layer set ending in +', ['--layers', 'baseline+'], 'E_UNKNOWN_LAYER', ['empty member', ...LAYER_IDS, 'recommended']],
    ['a layer set with ++', ['--layers', 'check-open-statuses++open-status-index'], 'E_UNKNOWN_LAYER', ['empty member', ...LAYER_IDS]],
    ['an empty seed', ['--seed', ''], 'E_BAD_ARGUMENT', ['--seed must be a whole number ≥ 0']],
    ['a budget in exponent form', ['--budget', '1e3'], 'E_BAD_ARGUMENT', ['--budget must be a whole number ≥ 1']],
    ['no workers', ['--workers', '0'], 'E_BAD_ARGUMENT', ['--workers must be a whole number ≥ 1 and ≤ 64']],
    ['too many workers', ['--workers', '100000'], 'E_BAD_ARGUMENT', ['≤ 64']],
    ['a malformed shard', ['--shard', '3/2'], 'E_BAD_ARGUMENT', ['k/n', '1/4']],
    ['an unknown database provider', ['--db', 'oracle'], 'E_UNKNOWN_PROVIDER', ['embedded', 'url', 'testcontainers']],
    ['a replay with a scenario it ignores', ['--replay', 'signal-sync@baseline:0', '--scenario', 'close-reopen'], 'E_BAD_ARGUMENT', ['--scenario cannot be combined with --replay']],
    ['a replay with another strategy', ['--replay', 'signal-sync@baseline:0', '--strategy', 'pct'], 'E_BAD_ARGUMENT', ['--strategy must be replay']],
    ['a preemption bound for pct', ['--strategy', 'pct', '--preemption-bound', '2'], 'E_BAD_ARGUMENT', ['--preemption-bound only applies to --strategy exhaustive']],
    ['an --out under a regular file', ['--out', 'package.json/reports'], 'E_BAD_ARGUMENT', ["--out 'package.json/reports' cannot be written", 'ENOTDIR']],
    ['an --ablation of an unknown set', ['--ablation', 'nope'], 'E_BAD_ARGUMENT', ['--ablation takes a named set', ...Object.keys(NAMED_SETS)]],
    ['an --ablation of a layer that is not a named set', ['--ablation', 'check-open-statuses'], 'E_BAD_ARGUMENT', ["got 'check-open-statuses'", ...Object.keys(NAMED_SETS)]],
    ['--ablation with --layers', ['--ablation', 'proposed', '--layers', 'baseline'], 'E_BAD_ARGUMENT', ['--layers cannot be combined with --ablation', '--ablation chooses its own variants']],
    ['--ablation with --variant', ['--ablation', 'proposed', '--variant', 'baseline'], 'E_BAD_ARGUMENT', ['--variant cannot be combined with --ablation']],
    ['--all with --scenario', ['--all', '--scenario', 'signal-sync'], 'E_BAD_ARGUMENT', ['--scenario cannot be combined with --all']],
    ['an --expect of a variant the scenario does not have', ['--expect', 'signal-sync@nope=holds'], 'E_UNKNOWN_LAYER', ["unknown layer 'nope'"]],
    ['an --out the file system never lets be made', ['--out', '/proc/1/forbidden'], 'E_BAD_ARGUMENT', ["--out '/proc/1/forbidden' cannot be written"]],
    ['a timing flag below its range', ['--sync-interval', '10'], 'E_BAD_ARGUMENT', ['--sync-interval', 'from 1000 to 3600000 ms', "got '10'"]],
    ['a timing flag where nothing is simulated', ['--ci', '--sync-interval', '5000'], 'E_BAD_ARGUMENT', ['--sync-interval sets the timing model', 'add --odds']],
    ['--odds with --property', ['--property', '--odds'], 'E_BAD_ARGUMENT', ['--odds cannot be combined with --property']],
    ['--odds with --replay', ['--replay', 'signal-sync@baseline:0', '--odds-runs', '5'], 'E_BAD_ARGUMENT', ['--odds-runs cannot be combined with --replay']],
    ['--ablation with --shard', ['--ablation', 'proposed', '--shard', '1/2'], 'E_BAD_ARGUMENT', ['--shard cannot be combined with --ablation', 'all its cells in one run']],
    ['--ablation with --update-expected', ['--ablation', 'proposed', '--update-expected'], 'E_BAD_ARGUMENT', ['--update-expected cannot be combined with --ablation']],
    ['a timing flag above its range', ['--latency-spread', '3'], 'E_BAD_ARGUMENT', ['--latency-spread', 'from 0 to 2 σ']],
    ['a timing flag that is not a number', ['--exchange-latency', 'fast'], 'E_BAD_ARGUMENT', ['--exchange-latency', 'from 1 to 10000 ms']],
  ];

  // The server URL is unreachable: every case must be refused before the database is touched.
  it.each(cases)('%s: %j', async (_what, argv, code, named) => {
    const r = await cli(argv, { DATABASE_URL: 'postgresql://x@127.0.0.1:1/db' });
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`error ${code}:`);
    for (const name of named) expect(r.err).toContain(name);
    expect(r.out).toBe('');
  });

  it('an unreachable --database-url exits 2 with E_DB_UNREACHABLE', async () => {
    const r = await cli(['--scenario', 'signal-sync', '--layers', 'baseline', '--database-url', 'postgresql://x@127.0.0.1:1/db'], {});
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain('error E_DB_UNREACHABLE:');
    expect(r.err).toContain('127.0.0.1:1');
  });
});

describe('--ablation', () => {
  it('runs the named set and the set without each layer, prints the table, puts it in results.json, and --ci passes when every layer is needed', async () => {
    const dir = join(outDir, 'ablation');
    const r = await cli(['--ablation', 'proposed', '--scenario', 'plan-test-2', '--scenario', 'signal-on-open', '--scenario', 'lost-update', '--budget', '300', '--ci', '--format', 'json,md', '--out', dir]);
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.out).toContain('Ablation of proposed (check-open-statuses + symbol-flow-lock + refuse-open-signal): the full set holds on 3 of 3 scenarios.');
    const result = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(result.variants.map((v) => v.id)).toEqual(['proposed', 'symbol-flow-lock+refuse-open-signal', 'check-open-statuses+refuse-open-signal', 'check-open-statuses+symbol-flow-lock']);
    expect(result.ablation?.rows.map((row) => [row.removed, row.necessary, row.breaks.map((b) => b.scenario)])).toEqual([
      ['check-open-statuses', true, ['plan-test-2']],
      ['symbol-flow-lock', true, ['lost-update']],
      ['refuse-open-signal', true, ['signal-on-open']],
    ]);
    for (const row of result.ablation?.rows ?? []) expect(row.breaks[0]?.replay).toMatch(new RegExp(`^${row.breaks[0]?.scenario}@${row.variant.replace(/\+/g, '\\+')}:`));
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain('## Ablation of `proposed`');
    expect(result.cells.every((c) => c.odds === undefined)).toBe(true);
  });
});

describe('a small run', () => {
  const smallRun = ['--scenario', 'signal-sync', '--layers', 'baseline', '--layers', 'recommended', '--budget', '60', '--ci'];

  it('with --ci exits 0 when every outcome agrees, and writes results.json, summary.md, junit.xml and report.html', async () => {
    const r = await cli([...smallRun, '--out', outDir]);
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.out).toContain('0 contradicted expectations');
    expect(r.out).toContain("--replay 'signal-sync@baseline:");
    for (const file of ['results.json', 'summary.md', 'junit.xml', 'report.html']) {
      expect((await stat(join(outDir, file))).size, file).toBeGreaterThan(0);
    }
    const result = JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8')) as RunResult;
    expect(result.cells.map((c) => [c.variant, c.measured, c.agrees]).sort()).toEqual([
      ['baseline', 'violates', true],
      ['recommended', 'holds', true],
    ]);
    expect(await readFile(join(outDir, 'summary.md'), 'utf8')).toContain('signal-sync');
    expect(await readFile(join(outDir, 'junit.xml'), 'utf8')).toContain('<testsuite');
    expect(await readFile(join(outDir, 'report.html'), 'utf8')).toMatch(/<html/i);
  });

  it('with a flipped --expect exits 1: the CI gate fails on a contradicted expectation', async () => {
    const flippedDir = join(outDir, 'flipped');
    const r = await cli([...smallRun, '--expect', 'signal-sync@recommended=violates', '--out', flippedDir]);
    expect(r.code, `${r.out}\n${r.err}`).toBe(1);
    expect(r.out).toContain('1 contradicted expectations');
    const result = JSON.parse(await readFile(join(flippedDir, 'results.json'), 'utf8')) as RunResult;
    const recommended = result.cells.find((c) => c.variant === 'recommended');
    expect(recommended?.expectation).toBe('violates');
    expect(recommended?.measured).toBe('holds');
    expect(recommended?.agrees).toBe(false);
  });

  it('without --ci the same contradiction exits 1 too (as a test runner does); without --ci the cells also get production odds', async () => {
    const dir = join(outDir, 'no-ci');
    const r = await cli(['--scenario', 'signal-sync', '--layers', 'recommended', '--budget', '3', '--odds-runs', '4', '--expect', 'signal-sync@recommended=violates', '--format', 'json', '--out', dir]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toContain('1 contradicted expectations');
    const result = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(result.cells[0]?.odds).toMatchObject({ runs: 4, violating: 0, counted: 1, p: 0, low: 0 });
    expect(result.options.oddsRuns).toBe(4);
    expect(result.options.timing?.figures['periodicIntervalMs']).toBe(60_000);
    expect(result.options.timing?.text).toContain('Sync every 60 s');
  });

  // Reads the results.json the first run of this block wrote: the pasteable string as a user gets it.
  it('--replay of the counterexample in results.json exits 0 and prints its trace with the violation', async () => {
    const result = JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8')) as RunResult;
    const cx = result.cells.find((c) => c.variant === 'baseline')?.counterexample;
    expect(cx?.replay).toMatch(/^signal-sync@baseline:/);
    const r = await cli(['--replay', cx?.replay ?? '']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`schedule ${cx?.schedule}`);
    expect(r.out).toContain('createPosition:insert');
    expect(r.out).toContain('violations:');
    for (const v of cx?.violations ?? []) expect(r.out).toContain(`[${v.invariant}] ${v.message}`);
    expect(r.out).not.toContain('checks: all hold');
  });

  it('--exchange http replays the counterexample over msw to the same trace as the direct default', async () => {
    const result = JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8')) as RunResult;
    const replay = result.cells.find((c) => c.variant === 'baseline')?.counterexample?.replay ?? '';
    const direct = await cli(['--replay', replay]);
    const overHttp = await cli(['--replay', replay, '--exchange', 'http']);
    expect(overHttp.code, overHttp.err).toBe(0);
    expect(overHttp.out).toContain('placeMarketOrder');
    expect(overHttp.out).toBe(direct.out);
  });

  it('--replay of a schedule that does not fit the scenario fails with E_SCHEDULE_DIVERGED', async () => {
    const r = await cli(['--replay', 'signal-sync@baseline:5']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('E_SCHEDULE_DIVERGED');
  });
});
