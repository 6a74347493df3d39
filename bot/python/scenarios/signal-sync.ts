// signal-sync on the Python bot: open_position_atomic and the sync as two processes through the gate.
import { signalSync as ts } from '../../scenarios/signal-sync.ts';
import { signal, sync } from './python-actor.ts';
import { pythonScenario } from './python-scenario.ts';

export const signalSync = pythonScenario(ts, (env) => [signal('signal', 'APTUSDT', 'binance', env), sync('sync', 'binance', env)]);
