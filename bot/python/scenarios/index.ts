// The Python bot's scenarios by name (the same names as the TypeScript bot's, in bot/scenarios).
import type { BotScenario } from '../../plugin/index.ts';
import { activationRace } from './activation-race.ts';
import { closeWhileOpening } from './close-while-opening.ts';
import { planTest2 } from './plan-test-2.ts';
import { signalSignal } from './signal-signal.ts';
import { signalSync } from './signal-sync.ts';

export const PYTHON_SCENARIOS: Readonly<Record<string, BotScenario>> = {
  [signalSync.name]: signalSync,
  [planTest2.name]: planTest2,
  [signalSignal.name]: signalSignal,
  [activationRace.name]: activationRace,
  [closeWhileOpening.name]: closeWhileOpening,
};

/** Baseline, Options 2 (migration 008), 3 (open statuses), 4 (safe activation), 5 (one transaction), and the README's three changes. */
export const PYTHON_LAYER_SETS: readonly string[] = ['baseline', 'open-status-index', 'check-open-statuses', 'safe-activation', 'single-transaction', 'proposed'];

export { closePythonRunners } from '../../../harness/gate/index.ts';
export { launchMode, pythonActor, PYTHON, PACKAGE_DIR, type PythonLaunch } from './python-actor.ts';
