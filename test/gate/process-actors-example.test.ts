// The process-actors guide's example as a new user would run it: two unchanged Ruby programs
// (examples/programs/ruby-wallet) race through their gates; the read-check-write is violated with
// a counterexample that replays, and SELECT ... FOR UPDATE is proven.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, runReplay, type CellResult } from '../../harness/run/index.ts';
import type { Scenario } from '../../harness/scenario/index.ts';
import { Schedule } from '../../harness/sched/index.ts';
import { named } from '../support/client-programs.ts';

/** Why Ruby with its pg gem cannot run here (null when it can). */
function rubyPgMissing(): string | null {
  try {
    execFileSync('ruby', ['-rpg', '-e', '1'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'ruby with the pg gem is not installed (apt-get install ruby-pg)';
  }
}

const noRuby = rubyPgMissing();
let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});

describe.skipIf(noRuby)(named('the guide example: Ruby payments from one wallet', noRuby), { timeout: 300_000 }, () => {
  it('read-check-write pays 130 from 100 (replayable); FOR UPDATE is proven', async () => {
    // Imported here: defining a program actor checks that `ruby` exists.
    const { rubyWalletBuggy, rubyWalletLocked } = (await import('../../examples/programs/ruby-wallet/wallet.race.ts')) as { rubyWalletBuggy: Scenario; rubyWalletLocked: Scenario };
    const result = await runMatrix({ scenarios: [rubyWalletBuggy, rubyWalletLocked], server, strategy: 'exhaustive', strategyOptions: { budget: 500, seed: 1, depth: 2, reduce: true }, workers: 1 });
    const [buggy, locked] = result.cells as [CellResult, CellResult];
    expect(buggy.verdict).toBe('violated');
    expect(buggy.agrees).toBe(true);
    const cx = buggy.counterexample;
    expect(cx?.violations.map((v) => v.message)).toContain('payments of 130 taken from 100, balance left 30');
    expect(cx?.lanes?.map((l) => l.name)).toEqual(['pay-60/db0', 'pay-60/http', 'pay-70/db0', 'pay-70/http']);
    const replay = await runReplay(server, rubyWalletBuggy, 'default', Schedule.parse(cx?.schedule ?? ''));
    expect(replay.violations.map((v) => v.invariant)).toEqual(['scenario:ruby-wallet-buggy']);
    expect(locked.verdict, locked.verdictReason).toBe('proven');
    expect(locked.agrees).toBe(true);
  });
});
