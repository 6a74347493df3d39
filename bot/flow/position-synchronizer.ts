// PositionSynchronizer (core/position_manager.py:700-750): reconciles the database with the
// exchange. It imports exchange positions it cannot see in the database — Scenario B's duplicate.
import { BASELINE_POLICY, type BotPolicy } from './bot-policy.ts';
import type { ExchangeClient } from './exchange-client.ts';
import type { PositionRepository } from './position-repository.ts';
import type { SqlClient } from '../../harness/ports/index.ts';
import { trySymbolLock } from './symbol-lock.ts';

export interface SyncReport {
  readonly imported: readonly number[];
  readonly closed: readonly number[];
  /** Symbols left for a later pass because another flow held their lock. */
  readonly skipped: readonly string[];
}

export class PositionSynchronizer {
  constructor(
    private readonly repository: PositionRepository,
    /** The session the symbol lock is taken on; only needed when the policy has one. */
    private readonly sql: SqlClient | null = null,
    private readonly policy: BotPolicy = BASELINE_POLICY,
  ) {}

  /** One pass over `exchange`: import positions without an open row, close rows whose position is gone. */
  sync(exchange: ExchangeClient): Promise<SyncReport> {
    return this.policy.syncReconcile === 'per-symbol' ? this.syncPerSymbol(exchange) : this.syncSnapshot(exchange);
  }

  /** The plan's pass: one exchange listing, acted on for every symbol however long the pass takes. */
  private async syncSnapshot(exchange: ExchangeClient): Promise<SyncReport> {
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
    return { imported, closed, skipped: [] };
  }

  /**
   * The listing only says which symbols to look at; each is then reconciled on its own, from its
   * open row read first and the exchange read after it (a row the later listing lacks is really
   * gone), under the symbol lock when the policy has one.
   */
  private async syncPerSymbol(exchange: ExchangeClient): Promise<SyncReport> {
    const imported: number[] = [];
    const closed: number[] = [];
    const skipped: string[] = [];
    const listed = await exchange.listPositions();
    const rows = await this.repository.listOpenPositions(exchange.exchange);
    const symbols = [...new Set([...listed.map((p) => p.symbol), ...rows.map((r) => r.symbol)])];
    const session = this.sql;
    for (const symbol of symbols) {
      const done = session
        ? await trySymbolLock(session, this.policy.symbolLock, symbol, exchange.exchange, () => this.reconcileSymbol(exchange, symbol))
        : await this.reconcileSymbol(exchange, symbol);
      if (done === 'busy') skipped.push(symbol);
      else if (done?.kind === 'imported') imported.push(done.id);
      else if (done?.kind === 'closed') closed.push(done.id);
    }
    return { imported, closed, skipped };
  }

  private async reconcileSymbol(exchange: ExchangeClient, symbol: string): Promise<{ kind: 'imported' | 'closed'; id: number } | null> {
    const row = await this.repository.getOpenPosition(symbol, exchange.exchange);
    const position = (await exchange.listPositions()).find((p) => p.symbol === symbol);
    if (position && !row) {
      const id = await this.repository.createPosition({
        symbol,
        exchange: exchange.exchange,
        side: position.side,
        quantity: position.quantity,
        entryPrice: position.entryPrice,
        status: 'active',
      });
      return { kind: 'imported', id };
    }
    if (!position && row && this.policy.reconcileStatuses.includes(row.status)) {
      await this.repository.closePosition(row.id, 'closed on exchange (sync)');
      return { kind: 'closed', id: row.id };
    }
    return null;
  }
}
