// A manual close racing a Signal on the Python bot.
import { closeWhileOpening as ts } from '../../scenarios/close-while-opening.ts';
import { close, signal } from './python-actor.ts';
import { pythonScenario } from './python-scenario.ts';

export const closeWhileOpening = pythonScenario(ts, (env) => [signal('signal', 'LINKUSDT', 'bybit', env), close('close', 'LINKUSDT', 'bybit', env)]);
