// A user project's four reports, from a real run of the worked examples (loaded through their
// race.config.ts, as the CLI loads them, with the default run's odds pass asked for): titled after
// the project, and none of the bot's words in summary.md, report.html, junit.xml or results.json.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { REPORT_FORMAT_NAMES, writeReports } from '../../harness/report/index.ts';
import { loadScenarioCatalog } from '../../harness/scenario/index.ts';
import { runMatrix, type RunResult } from '../../harness/run/index.ts';
import { BOT_WORDS_PATTERN } from './bot-words.ts';

/** Two races of the examples, one violated (with a counterexample) and one proven. */
const CHOSEN = ['wallet-buggy', 'unique-signup-fixed'];

let server: StartedPostgres;
let out: string;
let result: RunResult;

beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
  out = await mkdtemp(join(tmpdir(), 'user-reports-'));
  const catalog = await loadScenarioCatalog({ cwd: resolve('.'), config: 'examples/race.config.ts' });
  const scenarios = catalog.scenarios.map((s) => s.scenario).filter((s) => CHOSEN.includes(s.name));
  expect(scenarios.map((s) => s.name).sort()).toEqual([...CHOSEN].sort());
  result = await runMatrix({
    title: 'shop',
    scenarios,
    baseSchema: catalog.baseSchema,
    strategy: 'exhaustive',
    strategyOptions: { budget: 2000, seed: 1, depth: 2, reduce: true },
    workers: 1,
    server,
    odds: { runs: 5, seed: 1 },
  });
  await writeReports(result, REPORT_FORMAT_NAMES, out);
}, 120_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
  await server.stop();
});

describe('a user project’s reports', () => {
  it('ran: one violated cell with a counterexample, one proven', () => {
    expect(result.cells.map((c) => [c.scenario, c.verdict]).sort()).toEqual([
      ['unique-signup-fixed', 'proven'],
      ['wallet-buggy', 'violated'],
    ]);
  });

  it.each(['summary.md', 'report.html', 'junit.xml', 'results.json'])('%s holds none of the bot’s words', async (file) => {
    const text = await readFile(join(out, file), 'utf8');
    expect(text.match(BOT_WORDS_PATTERN)?.[0], file).toBeUndefined();
    expect(text).toContain('shop');
  });

  it('has no timing model (no odds were computed for scenarios without a timing story)', () => {
    expect(result.options.timing).toBeUndefined();
    expect(result.cells.every((c) => c.odds === undefined)).toBe(true);
  });

  it('shows the counterexample’s SQL with its values and only the tables the race touched', () => {
    const cx = result.cells.find((c) => c.scenario === 'wallet-buggy')?.counterexample;
    expect(cx?.finalTables.map((t) => t.name)).toEqual(['public.payment', 'public.wallet']);
    expect(cx?.trace.some((s) => s.kind === 'sql' && s.values !== undefined)).toBe(true);
  });
});
