// A manual close runs while a Signal is still opening the same symbol. Once getOpenPosition sees
// intermediate statuses (Layer 1), the close finds the half-open row and closes it under the Signal.
import { closeActor, signalActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const closeWhileOpening = defineBotScenario({
  name: 'close-while-opening',
  title: 'Manual close racing a Signal on the same symbol',
  plan: 'Option 3 / Layer 1 side effect on get_open_position callers',
  actors: (env) => [signalActor('signal', { symbol: 'LINKUSDT', exchange: 'bybit' }, env), closeActor('close', 'LINKUSDT', 'bybit', env)],
  invariants: ['valid-transitions', 'no-stuck-intermediate', 'exposure-matches', 'no-unhandled-db-error'],
  expect: { default: 'holds', proposed: 'holds', 'check-open-statuses': 'violates', recommended: 'violates' },
});
