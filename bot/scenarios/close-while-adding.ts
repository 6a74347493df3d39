// A manual close races a quantity add on a held position: the add read the row before the close,
// buys after it, and the bought quantity is left on the exchange with no open row to track it.
import { addActor, closeActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';
import { holdPosition } from './held-position.ts';

export const closeWhileAdding = defineBotScenario({
  name: 'close-while-adding',
  title: 'Manual close racing a quantity add on a held position',
  plan: 'Problem #3 (no lock across read, trade and write); not covered by the plan',
  setup: (ctx) => holdPosition(ctx, 'ADAUSDT', 'bybit'),
  actors: (env) => [addActor('add', 'ADAUSDT', 'bybit', 1, env), closeActor('close', 'ADAUSDT', 'bybit', env)],
  invariants: ['exposure-matches', 'valid-transitions', 'no-unhandled-db-error'],
  expect: { default: 'violates', proposed: 'holds', 'symbol-flow-lock': 'holds', 'select-for-update': 'holds' },
});
