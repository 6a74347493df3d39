// Wires the bot's parts over its ports, as the Python bot's startup does.
import { BASELINE_POLICY, type BotPolicy } from './bot-policy.ts';
import type { Clock } from '../../harness/ports/index.ts';
import type { ExchangeClient } from './exchange-client.ts';
import { AtomicPositionManager } from './atomic-position-manager.ts';
import { withIsolation } from './isolated-sql-client.ts';
import { PositionManager } from './position-manager.ts';
import { PositionRepository } from './position-repository.ts';
import { PositionSynchronizer } from './position-synchronizer.ts';
import type { SqlClient } from '../../harness/ports/index.ts';

export interface BotPorts {
  readonly sql: SqlClient;
  readonly exchange: ExchangeClient;
  readonly clock: Clock;
  readonly policy?: BotPolicy;
}

export interface PositionBot {
  readonly repository: PositionRepository;
  readonly manager: AtomicPositionManager;
  readonly synchronizer: PositionSynchronizer;
  /** Manual close and adding to a position. */
  readonly positions: PositionManager;
}

/** Builds the repository, the Signal flow and the synchroniser of one bot process. */
export function createPositionBot(ports: BotPorts): PositionBot {
  const policy = ports.policy ?? BASELINE_POLICY;
  const sql = withIsolation(ports.sql, policy.isolation);
  const repository = new PositionRepository(sql, policy);
  return {
    repository,
    manager: new AtomicPositionManager(sql, repository, ports.exchange, ports.clock, policy),
    synchronizer: new PositionSynchronizer(repository, sql, policy),
    positions: new PositionManager(sql, repository, ports.exchange, policy),
  };
}
