// The SQL floor of the bench: the statements one schedule of a scenario sends, recorded, then sent
// back to back on one connection (no gates, no exchange, no polls), against the same schedule run
// under control (actor 0 to its end, then actor 1, ...): what the engine costs over PostgreSQL.
import pg from 'pg';
import { observeState } from '../../bot/invariants/index.ts';
import { RESET_SQL } from '../flow/index.ts';
import { connectMockExchange, exchangeOfService, MockExchange } from '../exchange/index.ts';
import { runInTransaction, type Clock, type SqlClient, type SqlResult, type SqlRow, type SqlSession } from '../../harness/ports/index.ts';
import { openBotCell, PRICES } from '../plugin/index.ts';
import { CellHarness } from '../../harness/run/index.ts';
import type { RawSqlClient, Strategy } from '../../harness/sched/index.ts';
import { round, type BenchCell } from './bench-throughput.ts';
import { cpuSince, sampleCpu, type CpuSample } from './process-cpu.ts';

export interface SqlFloor {
  /** Statements one schedule sends (BEGIN and COMMIT included). */
  readonly statements: number;
  /** Milliseconds per schedule, medians. */
  readonly floorStatementsMs: number;
  /** The statements, then reading the state and emptying the tables in one round trip. */
  readonly floorMs: number;
  /** One controlled schedule of the same order: prepare, run (gates, polls, exchange), check. */
  readonly controlledMs: number;
  /** The run alone. */
  readonly controlledRunMs: number;
  /** controlledMs / floorMs: the target is under 2. */
  readonly ratio: number;
  readonly ratioRunOnly: number;
  /** CPU per schedule of this process and of the PostgreSQL server, for each side. */
  readonly cpuMsPerSchedule: Readonly<Record<'floor' | 'controlled', { readonly node: number; readonly postgres: number | null }>>;
}

/** Schedules per batch: the floor and the controlled schedule alternate batch by batch. */
const BATCH = 25;

interface Statement {
  readonly text: string;
  readonly values: unknown[] | undefined;
}

/** A SqlClient on one connection that remembers every statement it sends. */
class RecordingSqlClient implements SqlClient {
  readonly statements: Statement[] = [];
  constructor(private readonly client: pg.Client) {}

  async query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[]): Promise<SqlResult<R>> {
    const statement = { text, values: values ? [...values] : undefined };
    this.statements.push(statement);
    const r = await this.client.query(statement.text, statement.values);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  }

  transaction<T>(label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return runInTransaction(this, label, fn);
  }
}

const noWait: Clock = { now: () => 0, sleep: async () => undefined };

/** Runs every actor of the cell's scenario to its end, in order, on one connection; their statements. */
/** The plan's actors speak through `sql` only; the floor records nothing else. */
const NO_RAW_SQL: RawSqlClient = {
  queryRaw: () => Promise.reject(new Error('the SQL floor records statements sent through sql, not raw queries')),
};

async function recordStatements(cell: BenchCell, client: pg.Client): Promise<Statement[]> {
  const env = { policy: cell.layerSet.policy, layerSet: cell.layerSet };
  const mock = new MockExchange({ prices: PRICES, clock: noWait });
  const exchange = connectMockExchange(mock, 'direct');
  await client.query(RESET_SQL);
  await cell.scenario.setup?.({ ...env, exchange: mock, sql: (text, values) => client.query(text, values ? [...values] : undefined) });
  const sql = new RecordingSqlClient(client);
  for (const [actor, spec] of cell.scenario.actors(env).entries()) {
    await spec.run({
      actor,
      databaseUrl: '',
      sql,
      rawSql: NO_RAW_SQL,
      clock: noWait,
      service: <T extends object>(name: string) => exchange.client(exchangeOfService(name) ?? name) as unknown as T,
      serviceDefinition: () => undefined,
      lane: () => {
        throw new Error('the SQL floor runs in-process actors only');
      },
      quiescence: () => undefined,
      ended: new AbortController().signal,
    });
  }
  return sql.statements;
}

/** Actor 0 until it is done, then actor 1, ...: the order the floor sends the statements in. */
function serialStrategy(): Strategy {
  return {
    name: 'serial',
    beginRun: () => true,
    next: (runnable) => {
      let pick = 0;
      for (const [i, view] of runnable.entries()) if (view.actor < (runnable[pick]?.actor ?? Infinity)) pick = i;
      return pick;
    },
    endRun: () => undefined,
    stats: () => ({ strategy: 'serial', runs: 0 }),
  };
}

/** `repetitions` (rounded up to a batch) of the floor and of the controlled schedule. */
export async function sqlFloor(cell: BenchCell, repetitions: number): Promise<SqlFloor> {
  const db = await cell.dbs.clone(cell.template);
  const client = new pg.Client({ connectionString: db.url });
  const h = await CellHarness.open(cell.dbs, cell.template, (clock) => openBotCell(cell.layerSet, clock));
  const env = { policy: cell.layerSet.policy, layerSet: cell.layerSet };
  const actors = cell.scenario.actors(env);
  const names = actors.map((a) => a.name);
  const mock = new MockExchange();
  const observeThenReset = { query: async <R,>(text: string) => ((await client.query(`${text};\n${RESET_SQL}`)) as unknown as { rows: R[] }[])[0] ?? { rows: [] } };
  const times = { floorStatements: [] as number[], floor: [] as number[], controlled: [] as number[], controlledRun: [] as number[] };
  const cpu = { floor: { node: 0, postgres: 0 }, controlled: { node: 0, postgres: 0 } };
  const addCpu = (to: { node: number; postgres: number }, since: CpuSample) => {
    const used = cpuSince(since);
    to.node += used.self;
    to.postgres += used.postgres ?? Number.NaN;
  };
  let statements: Statement[];
  try {
    await client.connect();
    statements = await recordStatements(cell, client);
    await client.query(RESET_SQL);
    // Alternating batches of each: a change of the machine's load weighs on both alike.
    for (let done = 0; done < repetitions; done += BATCH) {
      let since = sampleCpu();
      for (let i = 0; i < BATCH; i++) {
        const started = performance.now();
        for (const s of statements) await client.query(s.text, s.values);
        const sent = performance.now();
        await observeState(observeThenReset, mock, [], true);
        const ended = performance.now();
        times.floorStatements.push(sent - started);
        times.floor.push(ended - started);
      }
      addCpu(cpu.floor, since);
      since = sampleCpu();
      for (let i = 0; i < BATCH; i++) {
        const begun = performance.now();
        await h.prepare(cell.scenario);
        const ran = performance.now();
        const run = await h.scheduler.run(actors, serialStrategy());
        const checked = performance.now();
        await h.inspect(cell.scenario, run, actors, { reset: true });
        const ended = performance.now();
        if (run.outcome !== 'completed') throw new Error(`the serial schedule ended as ${run.outcome}`);
        times.controlled.push(ended - begun);
        times.controlledRun.push(checked - ran);
      }
      addCpu(cpu.controlled, since);
    }
  } finally {
    await client.end();
    await h.close();
    await cell.dbs.drop(db);
  }
  const perSchedule = (c: { node: number; postgres: number }) => ({
    node: round(c.node / times.floor.length, 3),
    postgres: Number.isNaN(c.postgres) ? null : round(c.postgres / times.floor.length, 3),
  });
  const floorMs = median(times.floor);
  const controlledMs = median(times.controlled);
  return {
    statements: statements.length,
    floorStatementsMs: round(median(times.floorStatements), 3),
    floorMs: round(floorMs, 3),
    controlledMs: round(controlledMs, 3),
    controlledRunMs: round(median(times.controlledRun), 3),
    ratio: round(controlledMs / floorMs, 2),
    ratioRunOnly: round(median(times.controlledRun) / median(times.floorStatements), 2),
    cpuMsPerSchedule: { floor: perSchedule(cpu.floor), controlled: perSchedule(cpu.controlled) },
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
