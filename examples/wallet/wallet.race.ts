// Two payments of 60 and 70 from a wallet holding 100: at most one can be paid. Read-modify-write
// pays both (the second overwrites the first's balance); a row lock serialises them; SERIALIZABLE
// aborts one with 40001, which the payment declares allowed (the caller retries it).
import { defineScenario, type SqlSession } from 'position-race-harness';
import { payLocked, payReadModifyWrite, paySerializable, type PayResult } from './pay.ts';

type Pay = (db: SqlSession, walletId: number, amount: number) => Promise<PayResult>;

function twoPayments(name: string, pay: Pay, expect: 'holds' | 'violates', allowedErrors?: readonly string[]) {
  return defineScenario({
    name,
    title: `Two payments from one wallet (${pay.name})`,
    schema: new URL('./schema.sql', import.meta.url),
    setup: ({ sql }) => sql('INSERT INTO wallet VALUES (1, 100)'),
    actors: [
      { name: 'pay-60', run: ({ sql }) => pay(sql, 1, 60), ...(allowedErrors ? { allowedErrors } : {}) },
      { name: 'pay-70', run: ({ sql }) => pay(sql, 1, 70), ...(allowedErrors ? { allowedErrors } : {}) },
    ],
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

export const walletBuggy = twoPayments('wallet-buggy', payReadModifyWrite, 'violates');
export const walletLocked = twoPayments('wallet-locked', payLocked, 'holds');
export const walletSerializable = twoPayments('wallet-serializable', paySerializable, 'holds', ['40001']);
