// A client retries POST /charges (same Idempotency-Key) while the first request is still running:
// looking the key up first charges the customer twice; claiming the key first charges once, and
// both requests answer with the same charge.
import { defineScenario, type SqlSession } from 'position-race-harness';
import { chargeClaimKeyFirst, chargeLookupFirst } from './charge.ts';

type Charge = (db: SqlSession, key: string, orderId: number, amount: number) => Promise<number>;

function retriedCharge(name: string, charge: Charge, expect: 'holds' | 'violates') {
  return defineScenario({
    name,
    title: `A charge request and its retry (${charge.name})`,
    schema: new URL('./schema.sql', import.meta.url),
    actors: ['request', 'retry'].map((who) => ({ name: who, run: ({ sql }) => charge(sql, 'order-42-attempt', 42, 1999) })),
    check: async ({ sql, results }) => {
      const { rows } = await sql<{ n: number }>('SELECT count(*)::int AS n FROM charge WHERE order_id = 42');
      if (rows[0]?.n !== 1) return `order 42 charged ${rows[0]?.n} times`;
      if (results['request'] !== results['retry']) return `the request and its retry answered with charges ${String(results['request'])} and ${String(results['retry'])}`;
    },
    expect,
  });
}

export const idempotencyKeyBuggy = retriedCharge('idempotency-key-buggy', chargeLookupFirst, 'violates');
export const idempotencyKeyFixed = retriedCharge('idempotency-key-fixed', chargeClaimKeyFirst, 'holds');
