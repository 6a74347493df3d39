// The plan's Test 2 on the Python bot: open_position_atomic racing a bare create_position.
import { planTest2 as ts } from '../../scenarios/plan-test-2.ts';
import { create, signal } from './python-actor.ts';
import { pythonScenario } from './python-scenario.ts';

export const planTest2 = pythonScenario(ts, (env) => [
  signal('signal', 'RACEUSDT', 'binance', env),
  create('sync', ['--symbol', 'RACEUSDT', '--exchange', 'binance', '--side', 'long', '--quantity', '5', '--entry-price', '10', '--status', 'active'], env),
]);
