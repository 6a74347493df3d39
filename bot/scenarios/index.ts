// The scenario registry (one typed map, STYLE section 6) and the scenario API.
import { activationRace } from './activation-race.ts';
import { closeReopen } from './close-reopen.ts';
import { closeWhileAdding } from './close-while-adding.ts';
import { closeWhileOpening } from './close-while-opening.ts';
import type { Scenario } from './define-scenario.ts';
import { indexClaim } from './index-claim.ts';
import { loneRollback } from './lone-rollback.ts';
import { lostUpdate } from './lost-update.ts';
import { optimisticAdd } from './optimistic-add.ts';
import { planTest2 } from './plan-test-2.ts';
import { planTest3 } from './plan-test-3.ts';
import { signalOnOpen } from './signal-on-open.ts';
import { signalSignal } from './signal-signal.ts';
import { signalStorm } from './signal-storm.ts';
import { signalSync } from './signal-sync.ts';
import { stopLossRollback } from './stop-loss-rollback.ts';
import { syncClosesInflight } from './sync-closes-inflight.ts';
import { twoExchangesOneSymbol } from './two-exchanges-one-symbol.ts';

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  [signalSync.name]: signalSync,
  [signalSignal.name]: signalSignal,
  [planTest2.name]: planTest2,
  [planTest3.name]: planTest3,
  [activationRace.name]: activationRace,
  [closeReopen.name]: closeReopen,
  [stopLossRollback.name]: stopLossRollback,
  [syncClosesInflight.name]: syncClosesInflight,
  [closeWhileOpening.name]: closeWhileOpening,
  [lostUpdate.name]: lostUpdate,
  [closeWhileAdding.name]: closeWhileAdding,
  [signalOnOpen.name]: signalOnOpen,
  [signalStorm.name]: signalStorm,
  [loneRollback.name]: loneRollback,
  [indexClaim.name]: indexClaim,
  [optimisticAdd.name]: optimisticAdd,
  [twoExchangesOneSymbol.name]: twoExchangesOneSymbol,
};

export { defineBotScenario, defineScenario, expectationFor } from './define-scenario.ts';
export type { BotScenario, Expectation, Scenario, ScenarioEnv, SetupContext } from './define-scenario.ts';
export { addActor, closeActor, createActor, signalActor, syncActor } from './bot-actors.ts';
export type { SignalSpec } from './bot-actors.ts';
