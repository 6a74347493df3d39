// Two Signals for one symbol on the Python bot.
import { signalSignal as ts } from '../../scenarios/signal-signal.ts';
import { signal } from './python-actor.ts';
import { pythonScenario } from './python-scenario.ts';

export const signalSignal = pythonScenario(ts, (env) => [signal('signal-a', 'ETHUSDT', 'binance', env), signal('signal-b', 'ETHUSDT', 'binance', env)]);
