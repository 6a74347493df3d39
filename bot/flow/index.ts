// Public face of the reference bot: its ports, its flows and its production adapters.
export { AtomicPositionManager, AtomicPositionError, PositionAlreadyOpenError } from './atomic-position-manager.ts';
export type { OpenedPosition, Signal } from './atomic-position-manager.ts';
export { BASELINE_POLICY } from './bot-policy.ts';
export type { BotPolicy, ExistingPosition, Isolation, QuantityWrite, SettlementWait, SymbolLock, SyncReconcile, UpdateMode } from './bot-policy.ts';
export { withIsolation } from './isolated-sql-client.ts';
export { PositionManager } from './position-manager.ts';
export { trySymbolLock, withSymbolLock } from './symbol-lock.ts';
export { ExchangeRequestError } from './exchange-client.ts';
export type {
  ExchangeClient,
  ExchangePosition,
  MarketOrderRequest,
  Order,
  OrderSide,
  OrderStatus,
  OrderType,
  PositionSide,
  StopLossRequest,
} from './exchange-client.ts';
export { flowLockId, positionLockId } from './lock-id.ts';
export { createPositionBot } from './position-bot.ts';
export type { BotPorts, PositionBot } from './position-bot.ts';
export { ConcurrentModificationError, PositionRepository, toPositionRow } from './position-repository.ts';
export type { CreatedPosition, NewPosition, PositionRow, PositionUpdate } from './position-repository.ts';
export { ALLOWED_TRANSITIONS, OPEN_STATUSES, POSITION_STATUSES, isOpenStatus } from './position-status.ts';
export type { PositionStatus } from './position-status.ts';
export { PositionSynchronizer } from './position-synchronizer.ts';
export type { SyncReport } from './position-synchronizer.ts';
export { PgSqlClient } from './adapters/pg-sql-client.ts';
export type { PgPoolLike } from './adapters/pg-sql-client.ts';
export { FetchExchangeClient } from './adapters/fetch-exchange-client.ts';
export { systemClock } from './adapters/system-clock.ts';
export { RESET_SQL, schemaFiles } from './schema-files.ts';
