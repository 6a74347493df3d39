// The stress test that matters: 10 Signals for one symbol at once plus a Sync, each a full
// openPositionAtomic flow (the plan's Test 3 only races createPosition, which its advisory lock
// serialises). Far too many interleavings to enumerate: sampled by PCT, its bound reported.
import { signalActor, syncActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const signalStorm = defineBotScenario({
  name: 'signal-storm',
  title: '10 concurrent Signals plus a Sync on one symbol',
  plan: 'Phase 5, Test 3, with the whole Signal flow',
  actors: (env) => [
    ...Array.from({ length: 10 }, (_, i) => signalActor(`signal-${i}`, { symbol: 'LINKUSDT', exchange: 'binance' }, env)),
    syncActor('sync', 'binance', env),
  ],
  sample: { strategy: 'pct', runs: 50 },
  expect: { default: 'violates', proposed: 'holds', targeted: 'holds' },
});
