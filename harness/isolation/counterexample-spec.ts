// A scenario's counterexample as an isolation spec: one session per actor, one step per SQL
// statement it sent (parameters inlined), the permutation the trace's order; the schema files
// and the scenario's setup as setup blocks. What is not SQL is named in the header comment.
import type { IsolationSpec, SpecSession } from './spec-model.ts';
import type { ScenarioSqlCapture } from './scenario-sql-capture.ts';

export function captureToSpec(c: ScenarioSqlCapture): IsolationSpec {
  const schemas = [...new Set(c.schema.flatMap((f) => [...f.sql.matchAll(/CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)/gi)].map((m) => m[1] as string)))];
  const counts = c.actorNames.map(() => 0);
  const stepNames = c.statements.map((st) => {
    const k = (counts[st.actor] ?? 0) + 1;
    counts[st.actor] = k;
    return `${plainName(c.actorNames[st.actor] ?? `actor${st.actor}`)}_${k}_${plainName(st.label)}`;
  });
  const sessions: SpecSession[] = c.actorNames.map((name, actor) => ({
    name,
    setup: null,
    teardown: null,
    line: 0,
    steps: c.statements.flatMap((st, i) => (st.actor === actor ? [{ name: stepNames[i] as string, sql: withSemicolon(st.sql), session: actor, line: 0 }] : [])),
  }));
  const header = [
    `Exported by the position race harness from ${c.replay}`,
    `(reproduce the original: ${c.command}).`,
    '',
    "The SQL each actor sent, one step per statement with its parameters inlined, in the order the",
    "counterexample's schedule released them. Service calls and sleeps are not SQL and are left out:",
    ...(c.leftOut.length === 0 ? ['  (none)'] : c.actorNames.map((n, a) => `  ${n}: ${c.leftOut.filter((l) => l.actor === a).map((l) => l.what).join(', ') || '(none)'}`)),
    '',
    'Violations of the original run:',
    ...c.violations.map((v) => `  [${v.invariant}] ${v.message}`),
    '',
    'Setup drops and re-creates the schema; teardown prints the final rows instead of dropping them.',
  ];
  // The tables the plugin shows after a run (those the scenario touched) are what the teardown prints.
  // The columns are those a report shows (clock columns left out, so the output is stable).
  const teardown = c.tables.map((t) => `SELECT ${t.rows[0] ? Object.keys(t.rows[0]).join(', ') : '*'} FROM ${t.name} ORDER BY 1;`).join('\n');
  return {
    source: `${c.replay}.spec`,
    headerComment: header,
    setup: [...schemas.map((s) => `DROP SCHEMA IF EXISTS ${s} CASCADE;`), ...c.schema.map((f) => f.sql.trim()), ...c.setup.map(withSemicolon)],
    teardown: teardown === '' ? null : teardown,
    sessions: sessions.filter((s) => s.steps.length > 0).map((s, i) => ({ ...s, steps: s.steps.map((st) => ({ ...st, session: i })) })),
    permutations: [{ line: 0, steps: stepNames.map((step) => ({ step, blockers: [] })) }],
    warnings: [],
  };
}

function plainName(s: string): string {
  return s.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'x';
}

function withSemicolon(sql: string): string {
  const t = sql.trim();
  return t.endsWith(';') ? t : `${t};`;
}
