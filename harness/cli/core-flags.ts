// The engine's flags, one table: the parser, `--help` and docs/reference/cli.md all come from it.
// Defaults are the engine's own constants; plugins add their flags from their own tables.
import { DEFAULT_RECONNECT_TIMEOUT_MS, PROVIDER_NAMES } from '../db/index.ts';
import type { ExportFormat } from '../isolation/index.ts';
import { REPORT_FORMAT_NAMES } from '../report/index.ts';
import { DEFAULT_BUDGET, STRATEGIES } from '../run/index.ts';
import type { FlagDef } from '../scenario/index.ts';
import { DEFAULT_HANG_TIMEOUT_MS } from '../sched/index.ts';

/**
 * The formats of `--export`: isolation's own (its EXPORT_FORMATS), listed here so that reading the
 * flags does not load the isolation code (and its diff library) into every command; a test checks
 * that the two lists are the same (test/cli/core-flags.test.ts).
 */
export const EXPORT_FORMATS = ['spec', 'vitest'] as const satisfies readonly ExportFormat[];

/** Most worker processes: each holds a PostgreSQL session per actor plus two. */
export const MAX_WORKERS = 64;
export const DEFAULT_WORKERS = 2;
export const DEFAULT_OUT = 'reports';
export const DEFAULT_SEED = 1;
export const DEFAULT_PCT_DEPTH = 2;
export const DEFAULT_ODDS_RUNS = 100;

const SELECT = 'What runs';
const SEARCH = 'How it searches';
const ODDS = 'Production odds';
const DATABASE = 'Database and workers';
const REPORTS = 'Reports and CI';
const SPECS = 'Isolation spec files';
const OTHER = 'Other';

export const CORE_FLAGS: readonly FlagDef[] = [
  { name: 'config', type: 'string', value: '<file>', group: SELECT, description: 'the configuration file', defaultText: 'race.config.ts, .mts, .js or .mjs in the working directory or the nearest directory above it' },
  { name: 'scenarios', type: 'string', multiple: true, value: '<glob>', group: SELECT, description: 'scenario files to load, relative to the working directory', defaultText: "the configuration's, else **/*.race.ts" },
  { name: 'scenario', type: 'string', multiple: true, value: '<name>', group: SELECT, description: 'a scenario to run', defaultText: "the configuration's default run, else all" },
  { name: 'variant', type: 'string', multiple: true, value: '<id>', group: SELECT, description: 'a variant to run every chosen scenario under', defaultText: "the configuration's default run, else each scenario's own" },
  { name: 'all', type: 'boolean', group: SELECT, description: "every scenario under every default variant of its plugin: the whole matrix, not the configuration's default run" },
  { name: 'list', type: 'boolean', group: SELECT, description: 'list the scenarios, strategies and what the plugins offer, then exit' },
  { name: 'expect', type: 'string', multiple: true, value: '<scenario@variant=holds|violates>', group: SELECT, description: 'override what a scenario declares it expects under a variant' },
  { name: 'ablation', type: 'string', value: '<set>', group: SELECT, needs: 'ablation', description: 'run a named set and the set without each of its parts, and a table of why each part is needed' },
  { name: 'replay', type: 'string', value: '<scenario@variant:schedule>', group: SEARCH, description: 'run exactly one schedule and print its trace' },
  { name: 'strategy', type: 'string', value: '<name>', group: SEARCH, choices: Object.keys(STRATEGIES), default: 'exhaustive', description: 'how interleavings are chosen' },
  { name: 'budget', type: 'integer', min: 1, value: '<n>', group: SEARCH, defaultText: `${DEFAULT_BUDGET.exhaustive} for exhaustive, ${DEFAULT_BUDGET.other} otherwise; on the configuration's default run its defaultRun.budget, if it gives one`, description: 'most runs per cell' },
  { name: 'seed', type: 'integer', min: 0, value: '<n>', group: SEARCH, default: DEFAULT_SEED, description: 'seed of pct, random and simulated runs' },
  { name: 'depth', type: 'integer', min: 1, value: '<d>', group: SEARCH, default: DEFAULT_PCT_DEPTH, description: 'PCT bug depth' },
  { name: 'preemption-bound', type: 'integer', min: 0, value: '<n>', group: SEARCH, description: 'exhaustive: at most n preemptions per run (the verdict is then bounded, never proven)' },
  { name: 'no-reduce', type: 'boolean', group: SEARCH, description: 'exhaustive: no partial-order reduction (every interleaving, one by one)' },
  { name: 'hang-timeout', type: 'integer', min: 100, value: '<ms>', group: SEARCH, default: DEFAULT_HANG_TIMEOUT_MS, description: 'wall-clock time without progress before a run is a hang; also bounds each setup and check' },
  { name: 'odds', type: 'boolean', group: ODDS, needs: 'simulation', description: 'run the odds pass also with --ci or a sampling strategy' },
  { name: 'no-odds', type: 'boolean', group: ODDS, needs: 'simulation', description: 'skip the odds pass (the default run has one; --ci skips it unless --odds)' },
  { name: 'odds-runs', type: 'integer', min: 1, value: '<n>', group: ODDS, needs: 'simulation', default: DEFAULT_ODDS_RUNS, description: 'simulated runs per cell for the odds of a violation in production' },
  { name: 'db', type: 'string', value: '<provider>', group: DATABASE, choices: PROVIDER_NAMES, defaultText: 'url with --database-url or DATABASE_URL, else embedded', description: 'where PostgreSQL comes from' },
  { name: 'database-url', type: 'string', value: '<url>', group: DATABASE, defaultText: 'DATABASE_URL', description: 'an existing server; the harness only writes to databases it creates' },
  { name: 'workers', type: 'integer', min: 1, max: MAX_WORKERS, value: '<n>', group: DATABASE, default: DEFAULT_WORKERS, description: 'worker processes taking cells from one queue, each cell on its own database' },
  { name: 'shard', type: 'string', value: '<k/n>', group: DATABASE, description: 'run the k-th of n slices of the matrix (one per CI machine; join them with --merge)' },
  { name: 'reconnect-timeout', type: 'integer', min: 0, value: '<ms>', group: DATABASE, default: DEFAULT_RECONNECT_TIMEOUT_MS, description: 'how long to wait for PostgreSQL to take connections again after one was lost' },
  { name: 'out', type: 'string', value: '<dir>', group: REPORTS, default: DEFAULT_OUT, description: 'where reports go' },
  { name: 'format', type: 'string', value: '<list>', group: REPORTS, default: REPORT_FORMAT_NAMES.join(','), description: `report formats, comma-separated (${REPORT_FORMAT_NAMES.join(', ')} or all)` },
  { name: 'ci', type: 'boolean', group: REPORTS, description: "also exit 1 when a cell's outcomes differ from its expected-outcomes file (expected/<scenario>.json)" },
  { name: 'update-expected', type: 'boolean', group: REPORTS, description: 'rewrite the expected-outcomes files with the measured outcomes' },
  { name: 'merge', type: 'string', multiple: true, value: '<a.json,b.json>', group: REPORTS, description: "join shards' results.json into one set of reports instead of running" },
  { name: 'spec', type: 'string', multiple: true, value: '<file|glob>', group: SPECS, description: 'run PostgreSQL isolation spec files; with --strategy exhaustive, pct or random, explore every interleaving' },
  { name: 'expected', type: 'string', value: '<file.out>', group: SPECS, defaultText: '<name>.out beside the spec', description: 'the expected output of the one --spec' },
  { name: 'export', type: 'string', multiple: true, value: '<format>', group: SPECS, choices: EXPORT_FORMATS, description: 'write counterexamples into --out as a .spec + .out and/or a vitest test (or spec,vitest)' },
  { name: 'debug', type: 'boolean', group: OTHER, description: 'print the stack trace of an internal error' },
  { name: 'version', type: 'boolean', group: OTHER, description: 'print the version and exit' },
  { name: 'help', short: 'h', type: 'boolean', group: OTHER, description: 'this text (with the flags of the plugins the configuration names)' },
  { name: 'stop-resident', type: 'boolean', group: OTHER, description: 'stop the resident process that serves spec runs against --database-url (it drops its database), then exit; RACE_RESIDENT=off starts none' },
  { name: 'queue-worker', type: 'boolean', group: OTHER, hidden: true, description: 'this process is a worker taking cells from its parent' },
];

export const EXIT_CODES: readonly (readonly [code: number, meaning: string])[] = [
  [0, 'every cell ran and agreed with its expectation'],
  [1, "a cell errored (its setup or check threw, or it could not run) or contradicted its expectation; with --ci also outcomes that differ from their expected-outcomes file"],
  [2, 'bad input (a flag, a name, a file), always said before the database starts'],
  [3, 'an internal error (a bug: its stack with --debug and in results.json)'],
  [4, 'an infrastructure fault: some cells did not finish (the reports mark them)'],
  [130, 'interrupted (Ctrl-C; 143 for SIGTERM): the reports hold the cells that finished'],
];
