// A run as text, from a real blocked schedule: each step's SQL, the rows it read, its error, whom
// it waited on, and the blocked statement's result printed where it completed (after the COMMIT
// that freed its lock), not where it was sent.
import { describe, expect, it } from 'vitest';
import { renderTraceText } from '../../harness/report/index.ts';
import { ReplayStrategy, Schedule, sqlActor } from '../../harness/sched/index.ts';
import { allRuns, useScheduler } from '../sched/sched-fixtures.ts';

describe('the text trace of a run', () => {
  const scheduler = useScheduler((c) => c.query('CREATE TABLE trace_t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO trace_t VALUES (1, 0)').then(() => undefined));

  it('shows a blocked UPDATE waiting at its step and completing after the COMMIT that freed it', async () => {
    const a = sqlActor('alice', ['BEGIN', 'UPDATE trace_t SET v = v + 1 WHERE id = 1', 'COMMIT']);
    const b = sqlActor('bob', ['BEGIN', 'UPDATE trace_t SET v = v + 10 WHERE id = 1 RETURNING v', 'SELECT 1 / 0 AS boom']);
    const [run] = await allRuns(scheduler, [a, b], new ReplayStrategy(Schedule.parse('0x2-1x2-0-1')));
    if (!run) throw new Error('no run');
    const blocked = run.trace[3];
    expect(blocked).toMatchObject({ actor: 1, waitedOn: [0], result: 'rows=1', rows: '[{"v":11}]', completedAfter: 4 });
    expect(run.trace[5]).toMatchObject({ result: 'ERR 22012', error: 'division by zero' });

    const text = renderTraceText({
      outcome: run.outcome,
      schedule: run.schedule.toString(),
      trace: run.trace,
      actors: run.actors.map((outcome, i) => ({ name: ['alice', 'bob'][i] ?? '', outcome })),
      violations: [],
      finalTables: [{ name: 'public.trace_t', rows: [{ id: 1, v: 11 }], truncated: false }],
    });
    const lines = text.split('\n');
    const sent = lines.findIndex((l) => l.includes('UPDATE trace_t SET v = v + 10') && !l.includes('↳'));
    const commit = lines.findIndex((l) => /^\s+4\s+0\s+alice\s+COMMIT\s+ok$/.test(l));
    const done = lines.findIndex((l) => l.includes('↳ UPDATE trace_t SET v = v + 10'));
    expect(lines[sent]).toMatch(/bob\s+UPDATE trace_t SET v = v \+ 10 WHERE id = 1 RETURNING v\s+waiting on alice …$/);
    expect(commit).toBeGreaterThan(sent);
    expect(done).toBe(commit + 1);
    expect(lines[done]).toMatch(/bob\s+↳ UPDATE .*rows=1 \[\{"v":11\}\] \(step 3, after its wait\)$/);
    expect(text).toMatch(/bob\s+SELECT 1 \/ 0 AS boom\s+ERR 22012 division by zero/);
    expect(text).toContain('public.trace_t after the run:\n  {"id":1,"v":11}');
  });

  it('shows a statement’s bound values: inlined where the step is named by its SQL, beside it otherwise', async () => {
    const a = sqlActor('carol', [
      { sql: 'UPDATE trace_t SET v = v + $1 WHERE id = $2 RETURNING v', params: [5, 1] },
      { sql: 'SELECT $1::text AS who, $2::int[] AS ids', params: ["o'neil", [1, 2]], name: 'who' },
    ]);
    const [run] = await allRuns(scheduler, [a], new ReplayStrategy(Schedule.parse('0x2')));
    if (!run) throw new Error('no run');
    expect(run.trace.map((s) => s.values)).toEqual([['5', '1'], ["'o''neil'", 'ARRAY[1, 2]']]);
    const text = renderTraceText({ outcome: run.outcome, schedule: run.schedule.toString(), trace: run.trace, actors: [{ name: 'carol', outcome: run.actors[0] ?? { status: 'ok', value: null } }], violations: [], finalTables: [] });
    expect(text).toMatch(/carol\s+UPDATE trace_t SET v = v \+ 5 WHERE id = 1 RETURNING v\s+rows=1 \[\{"v":\d+\}\]\n/);
    expect(text).toMatch(/carol\s+who\s+rows=1 .* {2}with \$1 = 'o''neil', \$2 = ARRAY\[1, 2\]\n/);
  });
});
