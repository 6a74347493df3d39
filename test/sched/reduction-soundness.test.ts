// Reduction loses no outcome: for classic races and for random SQL workloads, the set of distinct
// outcomes (what each statement returned or its SQLSTATE, plus the final tables) found by the
// reduced exhaustive search equals the set found by the unreduced one, on a real PostgreSQL.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExhaustiveStrategy, type ActorSpec, type Scheduler } from '../../harness/sched/index.ts';
import { useScheduler } from './sched-fixtures.ts';

const SCHEMA = [
  'CREATE TABLE doctors (id int PRIMARY KEY, on_call boolean NOT NULL)',
  'CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL)',
  'CREATE TABLE audit (id serial PRIMARY KEY, note text NOT NULL)',
  'CREATE TABLE parent (id int PRIMARY KEY)',
  'CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent(id))',
  'CREATE TABLE kv (k int PRIMARY KEY, v int NOT NULL)',
  'CREATE FUNCTION take_lock(k int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_lock(k); END $$',
  'CREATE TABLE other (k int PRIMARY KEY, v int NOT NULL)',
  `CREATE FUNCTION acct_audit() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO audit (note) VALUES ('acct ' || NEW.id || ' = ' || NEW.balance); RETURN NEW; END $$`,
  'CREATE TRIGGER acct_audit AFTER UPDATE ON acct FOR EACH ROW EXECUTE FUNCTION acct_audit()',
  // Like the bot's history trigger, plus a chain (the log's trigger counts) and a trigger that reads.
  'CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL)',
  'CREATE TABLE order_log (id serial PRIMARY KEY, order_id int NOT NULL, status text NOT NULL)',
  'CREATE TABLE order_stats (k int PRIMARY KEY, n int NOT NULL)',
  `CREATE FUNCTION orders_log() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
         INSERT INTO order_log (order_id, status) VALUES (NEW.id, NEW.status);
       END IF;
       RETURN NEW;
     END $$`,
  'CREATE TRIGGER orders_log AFTER INSERT OR UPDATE OF status ON orders FOR EACH ROW EXECUTE FUNCTION orders_log()',
  `CREATE FUNCTION order_log_count() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN UPDATE order_stats SET n = n + 1 WHERE k = 1; RETURN NEW; END $$`,
  'CREATE TRIGGER order_log_count AFTER INSERT ON order_log FOR EACH ROW EXECUTE FUNCTION order_log_count()',
  `CREATE FUNCTION orders_flag() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF (SELECT n FROM order_stats WHERE k = 2) > 0 THEN NEW.status := NEW.status || '!'; END IF;
       RETURN NEW;
     END $$`,
  'CREATE TRIGGER orders_flag BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION orders_flag()',
  // What the catalog attaches: a DEFAULT calling a function that writes, CHECKs and a nested DOMAIN
  // calling a function that reads, a generated column and an expression index (functions that lie
  // about being IMMUTABLE, as users' do).
  'CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)',
  'CREATE TABLE caps (id int PRIMARY KEY, max int NOT NULL)',
  `CREATE FUNCTION next_ticket() RETURNS int LANGUAGE plpgsql AS $$
     DECLARE v int; BEGIN UPDATE public.counters SET n = n + 1 WHERE id = 1 RETURNING n INTO v; RETURN v; END $$`,
  "CREATE FUNCTION cap_max() RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT max FROM public.caps WHERE id = 1'",
  'CREATE TABLE tickets (id serial PRIMARY KEY, no int NOT NULL DEFAULT next_ticket())',
  'CREATE TABLE capped (id serial PRIMARY KEY, qty int NOT NULL CHECK (qty <= cap_max()))',
  'CREATE DOMAIN qty_inner AS int CHECK (VALUE <= cap_max())',
  'CREATE DOMAIN qty_outer AS qty_inner',
  'CREATE TABLE dom_capped (id serial PRIMARY KEY, qty qty_outer)',
  'CREATE TABLE gen (id serial PRIMARY KEY, v int NOT NULL, g int GENERATED ALWAYS AS (v * cap_max()) STORED)',
  'CREATE TABLE idxd (id serial PRIMARY KEY, v int NOT NULL)',
  'CREATE UNIQUE INDEX idxd_capped ON idxd ((v + cap_max()))',
];

const RESET = `
  DELETE FROM child; DELETE FROM parent; DELETE FROM audit; DELETE FROM kv; DELETE FROM other;
  ALTER SEQUENCE audit_id_seq RESTART;
  DELETE FROM doctors; INSERT INTO doctors VALUES (3, true), (4, true);
  DELETE FROM acct; INSERT INTO acct VALUES (1, 100), (2, 100);
  INSERT INTO parent VALUES (1);
  INSERT INTO kv VALUES (1, 0), (2, 0), (3, 0); INSERT INTO other VALUES (1, 0), (2, 0);
  DELETE FROM order_log; DELETE FROM orders; ALTER SEQUENCE order_log_id_seq RESTART;
  DELETE FROM order_stats; INSERT INTO order_stats VALUES (1, 0), (2, 0); INSERT INTO orders VALUES (1, 'pending');
  DELETE FROM tickets; DELETE FROM capped; DELETE FROM dom_capped; DELETE FROM gen; DELETE FROM idxd;
  ALTER SEQUENCE tickets_id_seq RESTART; ALTER SEQUENCE capped_id_seq RESTART; ALTER SEQUENCE dom_capped_id_seq RESTART;
  ALTER SEQUENCE gen_id_seq RESTART; ALTER SEQUENCE idxd_id_seq RESTART;
  DELETE FROM counters; INSERT INTO counters VALUES (1, 0); DELETE FROM caps; INSERT INTO caps VALUES (1, 3);`;

const FINAL_STATE = `SELECT json_build_object(
  'doctors', (SELECT json_agg(d ORDER BY id) FROM doctors d), 'acct', (SELECT json_agg(a ORDER BY id) FROM acct a),
  'audit', (SELECT json_agg(x ORDER BY id) FROM audit x), 'parent', (SELECT json_agg(p ORDER BY id) FROM parent p),
  'child', (SELECT json_agg(c ORDER BY id) FROM child c), 'kv', (SELECT json_agg(k ORDER BY k) FROM kv k),
  'other', (SELECT json_agg(o ORDER BY k) FROM other o), 'orders', (SELECT json_agg(o ORDER BY id) FROM orders o),
  'order_log', (SELECT json_agg(l ORDER BY id) FROM order_log l), 'order_stats', (SELECT json_agg(s ORDER BY k) FROM order_stats s),
  'counters', (SELECT json_agg(c ORDER BY id) FROM counters c), 'caps', (SELECT json_agg(c ORDER BY id) FROM caps c),
  'tickets', (SELECT json_agg(t ORDER BY id) FROM tickets t), 'capped', (SELECT json_agg(c ORDER BY id) FROM capped c),
  'dom_capped', (SELECT json_agg(d ORDER BY id) FROM dom_capped d), 'gen', (SELECT json_agg(g ORDER BY id) FROM gen g),
  'idxd', (SELECT json_agg(i ORDER BY id) FROM idxd i))::text AS state`;

/**
 * Runs its statements in order, recording each one's rows or SQLSTATE; errors do not stop it.
 * `SLEEP <ms>` sleeps on the virtual clock instead.
 */
function recorder(name: string, statements: readonly string[]): ActorSpec {
  return {
    name,
    run: async ({ sql, clock }) => {
      const seen: string[] = [];
      for (const text of statements) {
        const sleep = /^SLEEP (\d+)$/.exec(text);
        if (sleep) {
          await clock.sleep(Number(sleep[1]), 'sleep');
          continue;
        }
        try {
          seen.push(JSON.stringify((await sql.query(text)).rows));
        } catch (e) {
          seen.push(`ERR ${String((e as { code?: unknown }).code)}`);
        }
      }
      return seen;
    },
  };
}

interface Exploration {
  readonly outcomes: Set<string>;
  readonly completed: number;
  readonly abandoned: number;
}

async function explore(scheduler: Scheduler, actors: readonly ActorSpec[], options: { reduce: boolean; preemptionBound?: number }): Promise<Exploration> {
  const strategy = new ExhaustiveStrategy({ ...options, budget: 5000 });
  const outcomes = new Set<string>();
  let completed = 0;
  while (strategy.beginRun()) {
    await scheduler.observer.query(RESET);
    const run = await scheduler.run(actors, strategy);
    strategy.endRun(run.schedule.choices.length);
    if (run.outcome === 'abandoned') continue;
    completed++;
    const state = await scheduler.observer.query<{ state: string }>(FINAL_STATE);
    outcomes.add(JSON.stringify({ outcome: run.outcome, actors: run.actors, state: state.rows[0]?.state }));
  }
  expect(strategy.stats().complete).toBe(true);
  return { outcomes, completed, abandoned: strategy.stats().abandoned ?? 0 };
}

async function expectSameOutcomes(scheduler: Scheduler, actors: readonly ActorSpec[]): Promise<{ reduced: Exploration; full: Exploration }> {
  const reduced = await explore(scheduler, actors, { reduce: true });
  const full = await explore(scheduler, actors, { reduce: false });
  expect([...reduced.outcomes].sort()).toEqual([...full.outcomes].sort());
  expect(reduced.completed).toBeLessThanOrEqual(full.completed);
  return { reduced, full };
}

const CLASSIC: Record<string, readonly (readonly string[])[]> = {
  'write skew under repeatable read': [
    ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'SELECT count(*) FROM doctors WHERE on_call', 'UPDATE doctors SET on_call = false WHERE id = 3', 'COMMIT'],
    ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'SELECT count(*) FROM doctors WHERE on_call', 'UPDATE doctors SET on_call = false WHERE id = 4', 'COMMIT'],
  ],
  'write skew under serializable (one aborts with 40001)': [
    ['BEGIN', 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'SELECT count(*) FROM doctors WHERE on_call', 'UPDATE doctors SET on_call = false WHERE id = 3', 'COMMIT'],
    ['BEGIN ISOLATION LEVEL SERIALIZABLE', 'SELECT count(*) FROM doctors WHERE on_call', 'UPDATE doctors SET on_call = false WHERE id = 4', 'COMMIT'],
  ],
  'lost update (read, then write back)': [
    ['BEGIN', 'SELECT balance FROM acct WHERE id = 1', 'UPDATE acct SET balance = 150 WHERE id = 1', 'COMMIT'],
    ['BEGIN', 'SELECT balance FROM acct WHERE id = 1', 'UPDATE acct SET balance = 70 WHERE id = 1', 'COMMIT'],
  ],
  'lock-order deadlock': [
    ['BEGIN', 'UPDATE kv SET v = 1 WHERE k = 1', 'UPDATE kv SET v = 1 WHERE k = 2', 'COMMIT'],
    ['BEGIN', 'UPDATE kv SET v = 2 WHERE k = 2', 'UPDATE kv SET v = 2 WHERE k = 1', 'COMMIT'],
  ],
  'predicate read against an insert': [
    ['BEGIN', 'SELECT count(*) FROM kv WHERE v = 0', 'SELECT count(*) FROM kv WHERE v = 0', 'COMMIT'],
    ['INSERT INTO kv VALUES (9, 0)'],
  ],
  'advisory locks from bound parameters and constants': [
    ['BEGIN', 'SELECT pg_advisory_xact_lock(7)', 'SELECT v FROM other WHERE k = 1', 'UPDATE other SET v = v + 1 WHERE k = 1', 'COMMIT'],
    ['BEGIN', 'SELECT pg_advisory_xact_lock(7)', 'SELECT v FROM other WHERE k = 1', 'UPDATE other SET v = v + 10 WHERE k = 1', 'COMMIT'],
  ],
  // The try-lock sees the lock held only between the other session's lock and its unlock_all.
  "session-level advisory locks, released by pg_advisory_unlock_all (asyncpg's pool reset)": [
    ['SELECT pg_advisory_unlock_all()', 'SELECT pg_advisory_lock(3)', 'UPDATE kv SET v = 5 WHERE k = 1', 'SELECT pg_advisory_unlock_all()'],
    ['SELECT pg_advisory_unlock_all()', 'SELECT pg_try_advisory_lock(3)', 'SELECT pg_advisory_unlock_all()'],
  ],
  'a session-level advisory lock taken inside a function, released by pg_advisory_unlock_all': [
    ['SELECT take_lock(3)', 'UPDATE kv SET v = 5 WHERE k = 1', 'SELECT pg_advisory_unlock_all()'],
    ['SELECT pg_try_advisory_lock(3)', 'SELECT pg_advisory_unlock_all()'],
  ],
  'a trigger writes a table another session reads': [
    ['UPDATE acct SET balance = balance - 10 WHERE id = 1'],
    ['SELECT count(*) FROM audit'],
  ],
  'a trigger chain writes what another session reads; the advisory locks beside it commute': [
    ['BEGIN', 'SELECT pg_advisory_xact_lock(1)', "UPDATE orders SET status = 'active' WHERE id = 1", 'COMMIT'],
    ['SELECT n FROM order_stats WHERE k = 1', 'SELECT pg_advisory_xact_lock(2)', 'SELECT count(*) FROM order_log'],
  ],
  'a trigger reads what another session writes': [
    ["UPDATE orders SET status = 'closed' WHERE id = 1"],
    ['UPDATE order_stats SET n = n + 1 WHERE k = 2'],
  ],
  'a deferrable read-only transaction waits for its safe snapshot (not a hang)': [
    ['BEGIN ISOLATION LEVEL SERIALIZABLE', 'UPDATE kv SET v = 1 WHERE k = 1', 'COMMIT'],
    ['BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE', 'SELECT v FROM kv WHERE k = 1', 'COMMIT'],
  ],
  'a multi-statement step: each statement is footprinted': [
    ['UPDATE kv SET v = 5 WHERE k = 1; SELECT v FROM other WHERE k = 1'],
    ['UPDATE other SET v = 7 WHERE k = 1', 'SELECT v FROM kv WHERE k = 1'],
  ],
  'a foreign key: insert a child while the parent is deleted': [
    ['INSERT INTO child VALUES (1, 1)'],
    ['DELETE FROM parent WHERE id = 1'],
  ],
};

describe('reduction loses no outcome', () => {
  const scheduler = useScheduler(async (db) => {
    for (const s of SCHEMA) await db.query(s);
  });

  it.each(Object.entries(CLASSIC))('%s: reduced and unreduced searches reach the same outcomes', async (_name, scripts) => {
    const { full } = await expectSameOutcomes(scheduler, scripts.map((s, i) => recorder(`s${i}`, s)));
    // Each of these races has more than one outcome: a reduction that ran one order would fail.
    expect(full.outcomes.size).toBeGreaterThan(1);
  });

  it('a safe-snapshot wait is a wait on the serializable writer, never a hang; the reader sees 0 or 1 (after the commit)', async () => {
    const { full } = await expectSameOutcomes(scheduler, CLASSIC['a deferrable read-only transaction waits for its safe snapshot (not a hang)']?.map((s, i) => recorder(`s${i}`, s)) ?? []);
    const parsed = [...full.outcomes].map((o) => JSON.parse(o) as { outcome: string; actors: { value?: string[] }[] });
    expect(parsed.map((o) => o.outcome)).toEqual(parsed.map(() => 'completed'));
    expect(new Set(parsed.map((o) => o.actors[1]?.value?.[1]))).toEqual(new Set(['[{"v":0}]', '[{"v":1}]']));
  });

  it('the write skew is found with reduction (the false proof of declared keys is gone)', async () => {
    const { reduced } = await expectSameOutcomes(scheduler, CLASSIC['write skew under repeatable read']?.map((s, i) => recorder(`s${i}`, s)) ?? []);
    const onCall = (o: string) => (JSON.parse(JSON.parse(o).state).doctors as { on_call: boolean }[]).filter((d) => d.on_call).length;
    const skewed = [...reduced.outcomes].filter((o) => onCall(o) === 0);
    expect(skewed.length).toBeGreaterThan(0);
  });

  it('a sleeper that is not due first is a disabled step: its races are still reversed (virtual time)', async () => {
    // B's wake can come before A's first write only if A has not gone to sleep yet: the order in
    // which B reads 0 exists, and a search that only reverses each step's latest race misses it.
    const a: ActorSpec = {
      name: 'a',
      run: async ({ sql, clock }) => {
        await sql.query('UPDATE kv SET v = 1 WHERE k = 1');
        await clock.sleep(3000, 'settle');
        await sql.query('UPDATE kv SET v = 2 WHERE k = 1');
        return 'a';
      },
    };
    const b: ActorSpec = {
      name: 'b',
      run: async ({ sql, clock }) => {
        await clock.sleep(3001, 'timer');
        return (await sql.query('SELECT v FROM kv WHERE k = 1')).rows;
      },
    };
    const { reduced, full } = await expectSameOutcomes(scheduler, [a, b]);
    const seen = new Set([...reduced.outcomes].map((o) => JSON.stringify((JSON.parse(o) as { actors: { value?: unknown }[] }).actors[1]?.value)));
    expect(seen).toEqual(new Set(['[{"v":0}]', '[{"v":1}]', '[{"v":2}]']));
    expect(full.outcomes.size).toBe(3);
  });

  it('an actor that declares keys is refused: which steps commute is never taken from a declaration', async () => {
    const keyed = { ...recorder('a', ['SELECT 1']), keys: ['doctors:3'] } as ActorSpec;
    await expect(scheduler.run([keyed], new ExhaustiveStrategy())).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT', message: expect.stringMatching(/declares keys/) });
  });

  it('statements that touch disjoint tables commute: one run, none abandoned', async () => {
    const actors = [recorder('a', ['BEGIN', 'SET LOCAL lock_timeout = 1000', 'UPDATE kv SET v = 5 WHERE k = 1', 'COMMIT']), recorder('b', ['BEGIN', 'UPDATE other SET v = 6 WHERE k = 1', 'COMMIT'])];
    const { reduced, full } = await expectSameOutcomes(scheduler, actors);
    expect(reduced.completed).toBe(1);
    expect(reduced.abandoned).toBe(0);
    expect(full.completed).toBe(35);
  });

  it('a preemption bound turns reduction off, and the bounded search reaches what the unreduced bounded search reaches', async () => {
    const actors = [
      recorder('a', ['BEGIN', 'UPDATE kv SET v = v + 1 WHERE k = 1', 'COMMIT']),
      recorder('b', ['BEGIN', 'UPDATE kv SET v = v * 2 WHERE k = 1', 'COMMIT']),
      recorder('c', ['BEGIN', 'SELECT v FROM kv WHERE k = 1', 'COMMIT']),
    ];
    const bounded = await explore(scheduler, actors, { reduce: true, preemptionBound: 1 });
    const unreducedBounded = await explore(scheduler, actors, { reduce: false, preemptionBound: 1 });
    expect([...bounded.outcomes].sort()).toEqual([...unreducedBounded.outcomes].sort());
    expect(new ExhaustiveStrategy({ reduce: true, preemptionBound: 1 }).stats().reduction).toBe('none');
  });

  it('random workloads over what the catalog attaches, session settings, PREPARE, temporary tables and multi-statement steps: the same outcomes (property)', async () => {
    // The first actor writes tables whose attached expressions reach `counters` and `caps`; the
    // second reads or writes those, changes session settings, or both.
    const writes = fc.oneof(
      fc.constant('INSERT INTO tickets DEFAULT VALUES RETURNING no'),
      fc.integer({ min: 2, max: 3 }).map((q) => `INSERT INTO capped (qty) VALUES (${q})`),
      fc.integer({ min: 2, max: 3 }).map((q) => `INSERT INTO dom_capped (qty) VALUES (${q})`),
      fc.integer({ min: 1, max: 2 }).map((v) => `INSERT INTO gen (v) VALUES (${v}) RETURNING g`),
      fc.integer({ min: 1, max: 2 }).map((v) => `INSERT INTO idxd (v) VALUES (${v})`),
      fc.constant('PREPARE bump AS UPDATE counters SET n = n + 10 WHERE id = 1; EXECUTE bump'),
    );
    const others = fc.oneof(
      fc.constant('SELECT n FROM counters WHERE id = 1'),
      fc.integer({ min: 1, max: 2 }).map((n) => `UPDATE caps SET max = ${n} WHERE id = 1`),
      fc.constant('SELECT max FROM caps WHERE id = 1'),
      fc.constant("SET default_transaction_isolation = 'repeatable read'"),
      fc.constant("SELECT set_config('default_transaction_isolation', 'repeatable read', false)"),
      fc.constant('CREATE TEMP TABLE scratch AS SELECT n FROM counters'),
      fc.constant('UPDATE caps SET max = max - 2 WHERE id = 1; SELECT n FROM counters WHERE id = 1'),
    );
    // A plain BEGIN: its level is whatever the session's settings (set above, or by the server) make it.
    const script = (statement: fc.Arbitrary<string>) =>
      fc
        .tuple(fc.constantFrom('none', 'BEGIN', 'BEGIN ISOLATION LEVEL REPEATABLE READ'), statement, statement)
        .map(([tx, first, second]) => (tx === 'none' ? [first, second] : [tx, first, 'COMMIT', second]));
    await fc.assert(
      fc.asyncProperty(fc.tuple(script(writes), script(others)), async (scripts) => {
        await expectSameOutcomes(scheduler, scripts.map((s, i) => recorder(`s${i}`, s)));
      }),
      { numRuns: 8, seed: 18 },
    );
  }, 300_000);

  it('random small SQL workloads: reduced and unreduced searches reach the same outcomes (property)', async () => {
    const table = fc.constantFrom('kv', 'other');
    const key = fc.integer({ min: 1, max: 2 });
    const statement = fc.oneof(
      fc.tuple(table, key).map(([t, k]) => `SELECT v FROM ${t} WHERE k = ${k}`),
      table.map((t) => `SELECT sum(v) FROM ${t}`),
      fc.tuple(table, key, fc.integer({ min: 1, max: 3 })).map(([t, k, n]) => `UPDATE ${t} SET v = v * 2 + ${n} WHERE k = ${k}`),
      fc.tuple(table, key).map(([t, k]) => `SELECT v FROM ${t} WHERE k = ${k} FOR UPDATE`),
      key.map((k) => `SELECT pg_advisory_xact_lock(${k})`),
      fc.constant('INSERT INTO audit (note) VALUES (\'x\')'),
      fc.integer({ min: 1, max: 2 }).map((n) => `UPDATE orders SET status = 's${n}' WHERE id = 1`),
      fc.constantFrom('SELECT count(*) FROM order_log', 'SELECT n FROM order_stats WHERE k = 1', 'UPDATE order_stats SET n = 1 WHERE k = 2'),
      fc.constantFrom('SLEEP 1000', 'SLEEP 2000'),
    );
    const script = fc
      .tuple(fc.boolean(), fc.constantFrom('READ COMMITTED', 'REPEATABLE READ'), fc.array(statement, { minLength: 1, maxLength: 2 }))
      .map(([tx, level, body]) => (tx ? [`BEGIN ISOLATION LEVEL ${level}`, ...body, 'COMMIT'] : body));
    await fc.assert(
      fc.asyncProperty(fc.array(script, { minLength: 2, maxLength: 2 }), async (scripts) => {
        await expectSameOutcomes(scheduler, scripts.map((s, i) => recorder(`s${i}`, s)));
      }),
      { numRuns: 15, seed: 9 },
    );
  });
});
