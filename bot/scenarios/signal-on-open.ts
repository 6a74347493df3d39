// A Signal for a symbol the bot already holds (no race at all): createPosition finds the active
// row and returns its id, and the Signal still places its own entry — exposure doubled.
import { signalActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';
import { holdPosition } from './held-position.ts';

export const signalOnOpen = defineBotScenario({
  name: 'signal-on-open',
  title: 'A Signal for a symbol that already has an open position',
  plan: 'Option 3 "return existing id" (the caller goes on with it)',
  setup: (ctx) => holdPosition(ctx, 'ETHUSDT', 'bybit'),
  actors: (env) => [signalActor('signal', { symbol: 'ETHUSDT', exchange: 'bybit' }, env)],
  invariants: ['exposure-matches', 'valid-transitions', 'no-unhandled-db-error', 'no-duplicate-open'],
  expect: { default: 'violates', proposed: 'holds', 'refuse-open-signal': 'holds', targeted: 'holds' },
});
