// PositionSynchronizer (core/position_manager.py:700-750): reconciles the database with the
// exchange. It imports exchange positions it cannot see in the database — Scenario B's duplicate.
import type { ExchangeClient } from './exchange-client.ts';
import type { PositionRepository } from './position-repository.ts';

export interface SyncReport {
  readonly imported: readonly number[];
  readonly closed: readonly number[];
}

export class PositionSynchronizer {
  constructor(private readonly repository: PositionRepository) {}

  /** One pass over `exchange`: import positions without an open row, close rows whose position is gone. */
  async sync(exchange: ExchangeClient): Promise<SyncReport> {
    const imported: number[] = [];
    const closed: number[] = [];
    const positions = await exchange.listPositions();
    for (const p of positions) {
      const known = await this.repository.getOpenPosition(p.symbol, exchange.exchange);
      if (known) continue;
      // "Position doesn't exist - create new one": false whenever the row sits in a status
      // getOpenPosition does not cover (Problem #6).
      imported.push(
        await this.repository.createPosition({
          symbol: p.symbol,
          exchange: exchange.exchange,
          side: p.side,
          quantity: p.quantity,
          entryPrice: p.entryPrice,
          status: 'active',
        }),
      );
    }
    const onExchange = new Set(positions.map((p) => p.symbol));
    for (const row of await this.repository.listOpenPositions(exchange.exchange)) {
      if (onExchange.has(row.symbol)) continue;
      await this.repository.closePosition(row.id, 'closed on exchange (sync)');
      closed.push(row.id);
    }
    return { imported, closed };
  }
}
