// The sync racing the Signal's activation on the Python bot (its timer fires after the 3 s settlement).
import { activationRace as ts } from '../../scenarios/activation-race.ts';
import { signal, sync } from './python-actor.ts';
import { pythonScenario } from './python-scenario.ts';

export const activationRace = pythonScenario(ts, (env) => [signal('signal', 'SOLUSDT', 'binance', env), sync('sync', 'binance', env, 3001)]);
