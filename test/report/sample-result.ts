// A small but realistic RunResult for the renderer tests: the plan's Test 2 and close-then-reopen
// under baseline and Option 5, with the baseline counterexample of Test 2 (the production 23505),
// in words like the bot plugin's (the core's tests do not import the bot); and a user project's
// run of generic scenarios in the default words.
import { RESULT_SCHEMA_VERSION, type Ablation, type CellResult, type Counterexample, type RunResult } from '../../harness/run/index.ts';
import type { TraceStep } from '../../harness/sched/index.ts';
import { DEFAULT_REPORT_WORDS, reportWords } from '../../harness/scenario/index.ts';

const CHECK_SQL = `SELECT id, status FROM monitoring.positions
       WHERE symbol = $1 AND exchange = $2 AND status = ANY($3::text[])
       ORDER BY created_at DESC LIMIT 1`;
const INSERT_SQL = `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, exchange_order_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`;
const LOCK_SQL = 'SELECT pg_advisory_xact_lock($1)';
const UPDATE_SQL = (fields: string) => `UPDATE monitoring.positions SET ${fields}, updated_at = NOW() WHERE id = $1`;

function step(step: number, actor: number, kind: TraceStep['kind'], label: string, detail: string, result: string, at = 0, waitedOn: number[] = [], values?: readonly string[]): TraceStep {
  return { step, actor, kind, label, detail, ...(values ? { values } : {}), result, at, waitedOn };
}

/** Signal (0) and a direct createPosition (1): the second create waits on the first's advisory lock, checks 'active' only, inserts; the Signal's activation then fails with 23505. */
export const SAMPLE_TRACE: readonly TraceStep[] = [
  step(0, 0, 'sql', 'createPosition:BEGIN', 'BEGIN', 'ok'),
  step(1, 0, 'sql', 'createPosition:lock', LOCK_SQL, 'rows=1', 0, [], ['42']),
  step(2, 0, 'sql', 'createPosition:check', CHECK_SQL, 'rows=0'),
  step(3, 1, 'sql', 'createPosition:BEGIN', 'BEGIN', 'ok'),
  step(4, 1, 'sql', 'createPosition:lock', LOCK_SQL, 'rows=1', 0, [0]),
  step(5, 0, 'sql', 'createPosition:insert', INSERT_SQL, 'rows=1'),
  step(6, 0, 'sql', 'createPosition:COMMIT', 'COMMIT', 'ok'),
  step(7, 1, 'sql', 'createPosition:check', CHECK_SQL, 'rows=0'),
  step(8, 1, 'sql', 'createPosition:insert', INSERT_SQL, 'rows=1'),
  step(9, 1, 'sql', 'createPosition:COMMIT', 'COMMIT', 'ok'),
  step(10, 0, 'service', 'placeMarketOrder', 'binance buy 5 RACEUSDT', 'ord-1 filled'),
  step(11, 0, 'sql', 'updatePosition(entry_placed)', UPDATE_SQL('status = $2, exchange_order_id = $3, entry_price = $4'), 'rows=1'),
  step(12, 0, 'sleep', 'settlement sleep', '3000 ms', 'ok'),
  step(13, 0, 'wake', 'settlement sleep', 'woke at 3000 ms', 'ok', 3000),
  step(14, 0, 'service', 'placeStopLoss', 'binance sell 5 RACEUSDT stop 9.8', 'ord-2 new', 3000),
  step(15, 0, 'sql', 'updatePosition(pending_sl)', UPDATE_SQL('status = $2'), 'rows=1', 3000),
  step(16, 0, 'sql', 'updatePosition(active)', UPDATE_SQL('status = $2, stop_loss_price = $3, has_stop_loss = $4'), 'ERR 23505', 3000),
  step(17, 0, 'service', 'cancelOrder', 'binance RACEUSDT ord-2', 'ord-2 cancelled', 3000),
  step(18, 0, 'service', 'placeMarketOrder', 'binance sell 5 RACEUSDT reduce-only', 'ord-3 filled', 3000),
  step(19, 0, 'sql', 'rollbackPosition', UPDATE_SQL('status = $2, exit_reason = $3, closed_at = NOW()'), 'rows=1', 3000),
];

const DUPLICATE = 'duplicate key value violates unique constraint "idx_unique_active_position"';

export const SAMPLE_COUNTEREXAMPLE: Counterexample = {
  replay: 'plan-test-2@baseline:0x3-1x2-0x2-1x3-0x10',
  command: "npm run scenarios -- --replay 'plan-test-2@baseline:0x3-1x2-0x2-1x3-0x10'",
  schedule: '0x3-1x2-0x2-1x3-0x10',
  foundAtRun: 2,
  outcome: 'completed',
  violations: [
    { invariant: 'no-duplicate-open', message: '2 rows open at once for RACEUSDT@binance: #1, #2', rows: [1, 2] },
    { invariant: 'no-unhandled-db-error', message: `signal ended with SQLSTATE 23505: ${DUPLICATE}`, rows: [] },
    { invariant: 'scenario:plan-test-2', message: 'the plan asserts exactly ONE position row, found 2', rows: [1, 2] },
  ],
  actors: [
    { name: 'signal', outcome: { status: 'error', code: '23505', sqlState: '23505', message: DUPLICATE } },
    { name: 'sync', outcome: { status: 'ok', value: 2 } },
  ],
  trace: SAMPLE_TRACE,
  finalTables: [
    {
      name: 'monitoring.positions',
      rows: [
        { id: 1, symbol: 'RACEUSDT', exchange: 'binance', side: 'long', quantity: 5, status: 'rolled_back', has_stop_loss: false, exit_reason: `rollback: 23505 ${DUPLICATE}` },
        { id: 2, symbol: 'RACEUSDT', exchange: 'binance', side: 'long', quantity: 5, status: 'active', has_stop_loss: false, exit_reason: null },
      ],
      truncated: false,
      flagged: [0, 1],
    },
  ],
};

const planTest2Baseline: CellResult = {
  scenario: 'plan-test-2',
  variant: 'baseline',
  expectation: 'violates',
  measured: 'violates',
  verdict: 'violated',
  verdictReason: '3211 of 3876 schedules violate',
  agrees: true,
  schedules: 3876,
  violating: 3211,
  outcomes: { completed: 3876, abandoned: 212 },
  violationsByInvariant: { 'no-duplicate-open': 3211, 'no-unhandled-db-error': 2874, 'scenario:plan-test-2': 3211 },
  coverage: { kind: 'exhaustive', complete: true, stats: { strategy: 'exhaustive', runs: 4088, complete: true, pruned: 0, abandoned: 212, reduction: 'dpor' } },
  cleanShare: 17.2,
  counterexample: SAMPLE_COUNTEREXAMPLE,
  elapsedMs: 18_412,
  odds: { runs: 200, violating: 12, counted: 1, p: 0.06, low: 0.0347, high: 0.1018, seed: 42 },
};

/** Option 5 holds for Test 2 although the scenario expects a violation: the disagreeing cell. */
const planTest2SingleTx: CellResult = {
  scenario: 'plan-test-2',
  variant: 'single-transaction',
  expectation: 'violates',
  measured: 'holds',
  verdict: 'proven',
  verdictReason: 'exhaustive search finished: every interleaving is covered (1140 runs, with partial-order reduction)',
  agrees: false,
  schedules: 1140,
  violating: 0,
  outcomes: { completed: 1140, abandoned: 57 },
  violationsByInvariant: {},
  coverage: { kind: 'exhaustive', complete: true, stats: { strategy: 'exhaustive', runs: 1197, complete: true, pruned: 96, abandoned: 57, reduction: 'dpor' } },
  cleanShare: 100,
  counterexample: null,
  elapsedMs: 5_930,
};

const pctStats = (seed: number) => ({ strategy: 'pct', runs: 500, seed, pctBound: { n: 2, k: 24, d: 2, p: 1 / 48 } });

const closeReopenBaseline: CellResult = {
  scenario: 'close-reopen',
  variant: 'baseline',
  expectation: 'holds',
  measured: 'holds',
  verdict: 'inconclusive',
  verdictReason: 'sampled: 500 pct runs, each finding a depth-2 bug with p ≥ 0.021',
  agrees: true,
  schedules: 500,
  violating: 0,
  outcomes: { completed: 500 },
  violationsByInvariant: {},
  coverage: { kind: 'sampled', complete: false, stats: pctStats(42) },
  cleanShare: 100,
  counterexample: null,
  elapsedMs: 2_210,
};

const closeReopenSingleTx: CellResult = {
  ...closeReopenBaseline,
  variant: 'single-transaction',
  coverage: { kind: 'sampled', complete: false, stats: pctStats(43) },
  elapsedMs: 2_604,
};

/** Words like the bot plugin's (bot/plugin/bot-words.ts). */
export const BOT_LIKE_WORDS = reportWords({
  variant: 'layer set',
  variants: 'layer sets',
  part: 'layer',
  claim: { name: 'plan', description: 'the effectiveness the plan claims' },
  rows: 'layer sets, with the plan option they come from and the effectiveness the plan claims',
  question: 'Which fix layers stop the duplicate-position race?',
  lede: 'Measured, not guessed: every cell counts the schedules that broke an invariant among the interleavings explored against a real PostgreSQL, next to the effectiveness the fix plan claims. Every failure comes with a replayable counterexample.',
  matrix: 'Effectiveness matrix',
  counted: { one: 'Signal', many: 'Signals' },
  oddsComplement: 'effective',
  overviewFirst: ['proposed', 'recommended', 'baseline'],
});

export const sampleResult: RunResult = {
  schemaVersion: RESULT_SCHEMA_VERSION,
  title: 'position-race-harness',
  startedAt: '2025-06-02T09:14:05.120Z',
  finishedAt: '2025-06-02T09:14:21.884Z',
  options: {
    strategy: 'exhaustive',
    budget: 5000,
    seed: 42,
    workers: 2,
    database: 'embedded',
    timing: {
      figures: { periodicIntervalMs: 60_000, arrivalWindowMs: 10_000, serviceLatencyMs: 60, sqlLatencyMs: 1, latencySpread: 0.5, settlementMs: 3000 },
      text: 'Sync every 60 s, other flows within 10 s, exchange 60 ms and SQL 1 ms median (log-normal σ 0.5), settlement 3,000 ms',
    },
    oddsRuns: 200,
  },
  words: { bot: BOT_LIKE_WORDS },
  scenarios: [
    { name: 'plan-test-2', title: "The plan's Test 2: open_position_atomic racing create_position", description: 'Phase 5, Test 2 (test_race_condition_signal_sync)', plugin: 'bot' },
    { name: 'close-reopen', title: 'Close then re-open the same symbol', description: 'Option 1 cons: "will not allow closed positions for the same symbol"', plugin: 'bot' },
  ],
  variants: [
    { id: 'baseline', plugin: 'bot', origin: '', title: 'The code before any fix', claimed: null },
    { id: 'single-transaction', plugin: 'bot', origin: 'Option 5', title: 'Advisory xact lock held from create to activation', claimed: 100 },
  ],
  cells: [planTest2Baseline, planTest2SingleTx, closeReopenBaseline, closeReopenSingleTx],
  totals: { cells: 4, schedules: 3876 + 1140 + 500 + 500, disagreements: 1, elapsedMs: 16_764 },
};

/** The sample with one cell replaced (matched by scenario and variant); totals left as they are. */
export function withCell(result: RunResult, cell: CellResult): RunResult {
  return { ...result, cells: result.cells.map((c) => (c.scenario === cell.scenario && c.variant === cell.variant ? cell : c)) };
}

/** Test 2 @ baseline as if the scenario expected it to hold: a disagreement that carries a counterexample. */
export const violatingDisagreement: CellResult = { ...planTest2Baseline, expectation: 'holds', agrees: false };

/** close-reopen @ single-transaction as a cell whose migration failed. */
export const errorCell: CellResult = {
  ...closeReopenSingleTx,
  measured: 'violates',
  verdict: 'inconclusive',
  verdictReason: 'could not run: migration failed',
  agrees: false,
  schedules: 0,
  violating: 0,
  outcomes: {},
  coverage: { kind: 'sampled', complete: false, stats: { strategy: 'none', runs: 0 } },
  cleanShare: null,
  error: 'migration 008_fix_unique_index.up.sql failed: could not create unique index "idx_unique_open_position" <duplicate rows> & more',
  elapsedMs: 31,
};

/** The sample as an ablation of a two-layer set: one layer needed (with its counterexample), one not. */
export const sampleAblation: Ablation = {
  set: 'proposed',
  parts: ['check-open-statuses', 'single-transaction'],
  scenarios: 2,
  fullHolds: 2,
  rows: [
    {
      removed: 'check-open-statuses',
      variant: 'single-transaction',
      necessary: true,
      necessity: 'necessary',
      breaks: [{ scenario: 'plan-test-2', violating: 3211, schedules: 3876, replay: SAMPLE_COUNTEREXAMPLE.replay, command: SAMPLE_COUNTEREXAMPLE.command }],
    },
    { removed: 'single-transaction', variant: 'check-open-statuses', necessary: false, necessity: 'not-needed', breaks: [] },
  ],
};

/** A user project's run: two generic scenarios (one variant each), one counterexample, odds for one cell. */
export const userResult: RunResult = {
  schemaVersion: RESULT_SCHEMA_VERSION,
  title: 'shop',
  startedAt: '2025-06-02T10:00:00.000Z',
  finishedAt: '2025-06-02T10:00:03.000Z',
  options: {
    strategy: 'exhaustive',
    budget: 5000,
    seed: 1,
    workers: 1,
    database: 'embedded',
    timing: { figures: { periodicIntervalMs: 60_000 }, text: 'periodic actors every 60 s' },
    oddsRuns: 100,
  },
  words: { sql: DEFAULT_REPORT_WORDS },
  scenarios: [
    { name: 'wallet-buggy', title: 'Two payments from one wallet', description: 'read, then write the balance', plugin: 'sql' },
    { name: 'wallet-locked', title: 'Two payments, the row locked', description: '', plugin: 'sql' },
  ],
  variants: [{ id: 'default', plugin: 'sql', origin: '', title: 'the scenario as written', claimed: null }],
  cells: [
    {
      ...planTest2Baseline,
      scenario: 'wallet-buggy',
      variant: 'default',
      violationsByInvariant: { 'scenario:wallet-buggy': 2 },
      odds: { runs: 100, violating: 12, counted: 2, p: 0.12, low: 0.07, high: 0.2, seed: 1 },
      counterexample: {
        replay: 'wallet-buggy@default:0-1-0-1',
        command: "npm run scenarios -- --replay 'wallet-buggy@default:0-1-0-1'",
        schedule: '0-1-0-1',
        foundAtRun: 0,
        outcome: 'completed',
        violations: [{ invariant: 'scenario:wallet-buggy', message: 'payments of 130 taken from 100', rows: [] }],
        actors: [
          { name: 'alice', outcome: { status: 'ok', value: 1 } },
          { name: 'bob', outcome: { status: 'ok', value: 1 } },
        ],
        trace: [
          step(0, 0, 'sql', 'SELECT balance FROM account WHERE id = $1', 'SELECT balance FROM account WHERE id = $1', 'rows=1', 0, [], ['1']),
          step(1, 1, 'sql', 'SELECT balance FROM account WHERE id = $1', 'SELECT balance FROM account WHERE id = $1', 'rows=1', 0, [], ['1']),
          step(2, 0, 'sql', 'pay', 'UPDATE account SET balance = $2 WHERE id = $1', 'rows=1', 0, [], ['1', '30']),
          step(3, 1, 'sql', 'pay', 'UPDATE account SET balance = $2 WHERE id = $1', 'rows=1', 0, [], ['1', '0']),
        ],
        finalTables: [{ name: 'public.account', rows: [{ id: 1, balance: 0 }], truncated: false }],
      },
    },
    { ...planTest2SingleTx, scenario: 'wallet-locked', variant: 'default', expectation: 'holds', agrees: true },
  ],
  totals: { cells: 2, schedules: 3876 + 1140, disagreements: 0, elapsedMs: 3000 },
};
