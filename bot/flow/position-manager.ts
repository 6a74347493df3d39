// PositionManager (core/position_manager.py): the flows that act on a position the bot already
// holds — a manual close and adding to a position. The plan shows neither; they are written the
// way its other callers of get_open_position / update_position read, and every fix is the policy's.
import type { BotPolicy } from './bot-policy.ts';
import type { ExchangeClient, OrderSide, PositionSide } from './exchange-client.ts';
import type { PositionRepository, PositionRow } from './position-repository.ts';
import type { PositionStatus } from './position-status.ts';
import type { SqlClient, SqlSession } from '../../harness/ports/index.ts';
import { withSymbolLock } from './symbol-lock.ts';

const entrySide = (side: PositionSide): OrderSide => (side === 'long' ? 'buy' : 'sell');

export class PositionManager {
  constructor(
    private readonly sql: SqlClient,
    private readonly repository: PositionRepository,
    private readonly exchange: ExchangeClient,
    private readonly policy: BotPolicy,
  ) {}

  /** A manual close: market-close the exchange position, then close the open row. Null when there is none. */
  closePosition(symbol: string, reason = 'manual close'): Promise<number | null> {
    return this.underLocks(symbol, 'closePosition', async (session, forUpdate) => {
      const row = await this.repository.findOpen(session, symbol, this.exchange.exchange, this.actOnStatuses(), forUpdate);
      if (!row) return null;
      await this.exchange.closePosition(symbol);
      await this.repository.closePosition(row.id, reason, forUpdate ? session : undefined);
      return row.id;
    });
  }

  /** Adds `quantity` to the open position: read it, trade on the exchange, write the new quantity. */
  addToPosition(symbol: string, quantity: number): Promise<number | null> {
    return this.underLocks(symbol, 'addToPosition', async (session, forUpdate) => {
      // Option 6 read right: the version comes with the quantity it guards.
      const withVersion = this.policy.updateMode === 'optimistic' && this.policy.versionRead === 'with-row';
      const row: PositionRow | null = await this.repository.findOpen(session, symbol, this.exchange.exchange, this.actOnStatuses(), forUpdate, withVersion);
      if (!row) return null;
      await this.exchange.placeMarketOrder({ symbol, side: entrySide(row.side), quantity });
      await this.repository.addQuantity(row, quantity, forUpdate ? session : undefined);
      return row.id;
    });
  }

  /** The statuses these flows act on: what get_open_position sees, or settled (`active`) rows only. */
  private actOnStatuses(): readonly PositionStatus[] {
    return this.policy.actOnStatuses === 'active' ? ['active'] : this.policy.openLookupStatuses;
  }

  /** The symbol lock around the flow, and with `rowLock: for-update` one transaction holding the row. */
  private underLocks<T>(symbol: string, label: string, fn: (session: SqlSession, forUpdate: boolean) => Promise<T>): Promise<T> {
    return withSymbolLock(this.sql, this.policy.symbolLock, symbol, this.exchange.exchange, () =>
      this.policy.rowLock === 'for-update' ? this.sql.transaction(label, (tx) => fn(tx, true)) : fn(this.sql, false),
    );
  }
}
