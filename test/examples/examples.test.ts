// The worked examples, as a team's own test suite would assert them: every buggy version is
// violated with a counterexample naming the harm, every fixed version is proven over all its
// interleavings; and each run's distinct outcomes are those its expected-outcomes file records.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareExpected, type RunResult } from '../../harness/run/index.ts';
import type { ScenarioBase } from '../../harness/scenario/index.ts';
import { assertRace } from '../../harness/vitest/index.ts';
import { idempotencyKeyBuggy, idempotencyKeyFixed } from '../../examples/idempotency-key/idempotency-key.race.ts';
import { jobQueueBuggy, jobQueueFixed } from '../../examples/job-queue/job-queue.race.ts';
import { seatBookingBuggy, seatBookingFixed } from '../../examples/seat-booking/seat-booking.race.ts';
import { uniqueSignupBuggy, uniqueSignupFixed } from '../../examples/unique-signup/unique-signup.race.ts';
import { walletBuggy, walletLocked, walletSerializable } from '../../examples/wallet/wallet.race.ts';

const examples: readonly (readonly [string, string, ScenarioBase, readonly ScenarioBase[], RegExp])[] = [
  ['a job queue claimed without and with FOR UPDATE SKIP LOCKED', 'job-queue/job-queue.race.ts', jobQueueBuggy, [jobQueueFixed], /both workers claimed job 1/],
  ['check-then-insert uniqueness, and a unique index with ON CONFLICT', 'unique-signup/unique-signup.race.ts', uniqueSignupBuggy, [uniqueSignupFixed], /2 users for one address/],
  ['a read-modify-write balance, and a row lock or SERIALIZABLE', 'wallet/wallet.race.ts', walletBuggy, [walletLocked, walletSerializable], /payments of 130 taken from 100/],
  ['an idempotency key looked up first, and claimed first', 'idempotency-key/idempotency-key.race.ts', idempotencyKeyBuggy, [idempotencyKeyFixed], /order 42 charged 2 times/],
  ['seat booking in SQL only: insert unless booked, and the seat row locked first', 'seat-booking/seat-booking.race.ts', seatBookingBuggy, [seatBookingFixed], /seat 1 booked twice: ann, bob/],
];

/** The run's distinct outcomes against the scenario's expected/<name>.json (what `--ci` checks). */
async function expectRecordedOutcomes(result: RunResult | null, name: string, file: string): Promise<void> {
  if (!result) throw new Error('no run');
  const comparisons = await compareExpected(result, new Map([[name, resolve('examples', file)]]));
  expect(comparisons, JSON.stringify(comparisons)).toEqual([{ scenario: name, variant: 'default', status: 'same' }]);
}

describe.each(examples)('%s', (_what, file, buggy, fixed, harm) => {
  it(`${buggy.name} is violated`, async () => {
    // The buggy example declares `expect: 'violates'`: assertRace holds it to that.
    const report = await assertRace(buggy);
    const cx = report.cells[0]?.counterexample;
    expect(cx?.violations.map((v) => v.message).join('\n')).toMatch(harm);
    expect(cx?.finalTables?.length).toBeGreaterThan(0);
    await expectRecordedOutcomes(report.result, buggy.name, file);
  });

  it.each(fixed.map((s) => [s.name, s] as const))('%s is proven', async (name, scenario) => {
    const report = await assertRace(scenario);
    expect(report.verdict).toBe('proven');
    await expectRecordedOutcomes(report.result, name, file);
  });
});
