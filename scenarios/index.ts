// The plan's scenarios by name (one typed map, STYLE section 6), for tests and property runs, and
// the bot's scenario kit. The CLI finds the same files through race.config.ts.
import { activationRace } from './activation-race.ts';
import { closeReopen } from './close-reopen.ts';
import { closeWhileOpening } from './close-while-opening.ts';
import type { Scenario } from './define-scenario.ts';
import { lostUpdate } from './lost-update.ts';
import { planTest2 } from './plan-test-2.ts';
import { planTest3 } from './plan-test-3.ts';
import { signalSignal } from './signal-signal.ts';
import { signalSync } from './signal-sync.ts';
import { stopLossRollback } from './stop-loss-rollback.ts';
import { syncClosesInflight } from './sync-closes-inflight.ts';

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
};

export { defineBotScenario, defineScenario, expectationFor } from './define-scenario.ts';
export type { BotScenario, Expectation, Scenario, ScenarioEnv, SetupContext } from './define-scenario.ts';
export { closeActor, createActor, signalActor, syncActor } from './bot-actors.ts';
export type { SignalSpec } from './bot-actors.ts';
