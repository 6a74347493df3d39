// Two payments of 60 and 70 from a wallet holding 100, each a Ruby process: at most one can be
// paid. Read-check-write pays both (the second overwrites the first's balance); FOR UPDATE
// serialises them. The programs run unchanged; the harness races their statements.
import { defineScenario, programActor } from 'position-race-harness';

const here = new URL('.', import.meta.url);

function twoPayments(name: string, lock: boolean, expect: 'holds' | 'violates') {
  const pay = (amount: number) =>
    programActor({
      name: `pay-${amount}`,
      command: ['ruby', 'pay.rb', String(amount), ...(lock ? ['--lock'] : [])],
      cwd: here,
    });
  return defineScenario({
    name,
    title: `Two Ruby payments from one wallet (${lock ? 'SELECT ... FOR UPDATE' : 'read, check, write'})`,
    schema: new URL('./schema.sql', here),
    setup: ({ sql }) => sql('INSERT INTO wallet VALUES (1, 100)'),
    actors: [pay(60), pay(70)],
    check: async ({ sql }) => {
      const { rows } = await sql<{ balance: number; paid: number }>(
        'SELECT balance, (SELECT coalesce(sum(amount), 0)::int FROM payment) AS paid FROM wallet WHERE id = 1',
      );
      const w = rows[0];
      if (w && w.balance + w.paid !== 100) return `payments of ${w.paid} taken from 100, balance left ${w.balance}`;
    },
    expect,
  });
}

export const rubyWalletBuggy = twoPayments('ruby-wallet-buggy', false, 'violates');
export const rubyWalletLocked = twoPayments('ruby-wallet-locked', true, 'holds');
