// Sync arrives after the settlement sleep and races the Signal's last steps (pending_sl → active):
// the window Option 4's check-then-update is meant to cover.
import { signalActor, syncActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const activationRace = defineBotScenario({
  name: 'activation-race',
  title: "Sync racing the Signal's activation (after the settlement sleep)",
  plan: 'Option 4 / Layer 3 (_safe_activate_position)',
  actors: (env) => [
    signalActor('signal', { symbol: 'SOLUSDT', exchange: 'binance' }, env),
    // Its timer fires just after the Signal's 3 s settlement: only the activation window is left.
    syncActor('sync', 'binance', env, 3001),
  ],
  invariants: ['no-duplicate-open', 'no-unhandled-db-error', 'valid-transitions', 'no-stuck-intermediate'],
  expect: {
    default: 'violates',
    proposed: 'holds',
    'check-open-statuses': 'holds',
    'single-transaction': 'holds',
    'symbol-flow-lock': 'holds',
    recommended: 'holds',
    targeted: 'holds',
  },
});
