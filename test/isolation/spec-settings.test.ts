// What a spec's sessions set for themselves wins, as with PostgreSQL's isolationtester: a
// session's own `SET deadlock_timeout` (the harness sets its own only where the session set
// nothing) and libpq's environment (PGDATESTYLE, PGTZ, PGOPTIONS). Each output is checked
// against the real tester's on the same spec.
import { describe, expect, it } from 'vitest';
import { libpqStartupOptions, runSpecText } from '../../harness/isolation/index.ts';
import { realTester, testerAvailable } from './real-tester.ts';
import { suiteServer } from './spec-server.ts';

const SHOW = `
session s1
setup { SET deadlock_timeout = '100s'; }
step show { SHOW deadlock_timeout; }
step lock { BEGIN; LOCK TABLE pg_class IN ACCESS SHARE MODE; }
step show2 { SHOW deadlock_timeout; COMMIT; }
`;

// t1 waits first with the shorter deadlock_timeout (3s: t2's step closes the cycle well before
// t1's check, even on a loaded machine) and t2 with 100s: t1 is the victim. The harness's own
// choice (a long check for the first waiter, a short one for the statement that closes a cycle)
// would make t2 the victim instead.
const VICTIM = `
setup { CREATE TABLE acct (id int PRIMARY KEY, n int NOT NULL); INSERT INTO acct VALUES (1, 0), (2, 0); }
teardown { DROP TABLE acct; }
session t1
setup { SET deadlock_timeout = '3s'; }
step t1_begin { BEGIN; }
step t1_a { UPDATE acct SET n = n + 1 WHERE id = 1; }
step t1_b { UPDATE acct SET n = n + 1 WHERE id = 2; }
step t1_commit { COMMIT; }
session t2
setup { SET deadlock_timeout = '100s'; }
step t2_begin { BEGIN; }
step t2_b { UPDATE acct SET n = n + 10 WHERE id = 2; }
step t2_a { UPDATE acct SET n = n + 10 WHERE id = 1; }
step t2_commit { COMMIT; }
step t2_show { SELECT id, n FROM acct ORDER BY id; }
permutation t1_begin t2_begin t1_a t2_b t1_b t2_a t1_commit t2_commit t2_show
`;

const DATES = `
session s
step d { SELECT '2024-03-05 13:14:15+00'::timestamptz AS ts, '2024-03-05'::date AS d, interval '1 day 2 hours' AS i, current_setting('geqo') AS geqo; }
`;

describe("a session's own deadlock_timeout", () => {
  it('is the one in force: SHOW prints what the session set, as the tester does', async () => {
    const { output } = await runSpecText(SHOW, await suiteServer(), 'show.spec');
    expect(output).toContain('deadlock_timeout\n----------------\n100s            \n(1 row)');
    expect(output).not.toMatch(/^2s/m);
    if (testerAvailable) expect(output).toBe((await realTester(SHOW)).stdout);
  });

  it('picks the victim the spec chose (the first waiter, whose timeout is shorter)', async () => {
    const { output } = await runSpecText(VICTIM, await suiteServer(), 'victim.spec');
    expect(output).toContain('step t1_b: <... completed>\nERROR:  deadlock detected');
    expect(output).toContain(' 1|10\n 2|10');
    if (testerAvailable) expect(output).toBe((await realTester(VICTIM)).stdout);
  });
});

describe("libpq's environment", () => {
  const env = { PGDATESTYLE: 'Postgres, MDY', PGTZ: 'America/New_York', PGGEQO: 'off', PGOPTIONS: '-c intervalstyle=postgres_verbose' };

  it('becomes the startup options libpq would send (blanks escaped)', () => {
    expect(libpqStartupOptions(env)).toBe('-c intervalstyle=postgres_verbose -c datestyle=Postgres,\\ MDY -c timezone=America/New_York -c geqo=off');
    expect(libpqStartupOptions({})).toBeNull();
  });

  it("sets the spec sessions' date style, time zone and options, as the tester's", async () => {
    const { output } = await runSpecText(DATES, await suiteServer(), 'dates.spec', { env });
    expect(output).toContain('Tue Mar 05 08:14:15 2024 EST|03-05-2024|@ 1 day 2 hours|off');
    if (testerAvailable) expect(output).toBe((await realTester(DATES, env)).stdout);
    // Without it, the server's defaults.
    const plain = await runSpecText(DATES, await suiteServer(), 'dates.spec', { env: {} });
    expect(plain.output).toContain('2024-03-05 13:14:15+00|2024-03-05|1 day 02:00:00|on');
  });
});
