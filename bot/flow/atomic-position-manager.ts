// AtomicPositionManager.open_position_atomic (core/atomic_position_manager.py:390-420): the Signal
// flow. Each step is its own transaction unless the policy holds one (Option 5).
import type { BotPolicy } from './bot-policy.ts';
import type { Clock } from '../../harness/ports/index.ts';
import type { ExchangeClient, Order, OrderSide, PositionSide } from './exchange-client.ts';
import { positionLockId } from './lock-id.ts';
import type { CreatedPosition, PositionRepository } from './position-repository.ts';
import type { PositionStatus } from './position-status.ts';
import type { SqlClient, SqlSession } from '../../harness/ports/index.ts';
import { withSymbolLock } from './symbol-lock.ts';

export interface Signal {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly quantity: number;
  /** Stop-loss distance from the entry price, e.g. 0.02 for 2 %. */
  readonly stopLossPercent: number;
}

export interface OpenedPosition {
  readonly positionId: number;
  readonly entryOrderId: string;
  readonly stopLossOrderId: string;
}

/** The flow failed and was rolled back; `cause` keeps the original error (and its SQLSTATE). */
export class AtomicPositionError extends Error {
  readonly code = 'E_ATOMIC_POSITION';
  constructor(
    readonly symbol: string,
    readonly positionId: number | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AtomicPositionError';
  }
}

/** The Signal was refused: (symbol, exchange) already has an open position, which it leaves alone. */
export class PositionAlreadyOpenError extends Error {
  readonly code = 'E_POSITION_ALREADY_OPEN';
  constructor(
    readonly symbol: string,
    readonly exchange: string,
    readonly existingId: number,
  ) {
    super(`${symbol} on ${exchange} already has open position #${existingId}; the Signal was refused, no order placed`);
    this.name = 'PositionAlreadyOpenError';
  }
}

interface FlowState {
  positionId: number | null;
  entry: Order | null;
  stopLoss: Order | null;
  reached: PositionStatus;
}

const closingSide = (side: PositionSide): OrderSide => (side === 'long' ? 'sell' : 'buy');
const entrySide = (side: PositionSide): OrderSide => (side === 'long' ? 'buy' : 'sell');

export class AtomicPositionManager {
  constructor(
    private readonly sql: SqlClient,
    private readonly repository: PositionRepository,
    private readonly exchange: ExchangeClient,
    private readonly clock: Clock,
    private readonly policy: BotPolicy,
  ) {}

  /**
   * Opens a position: create → entry order → settle → stop-loss → active; rollback on any failure.
   * Under a symbol lock the whole flow, rollback included, holds (symbol, exchange).
   */
  openPositionAtomic(signal: Signal): Promise<OpenedPosition> {
    return withSymbolLock(this.sql, this.policy.symbolLock, signal.symbol, this.exchange.exchange, () => this.open(signal));
  }

  private async open(signal: Signal): Promise<OpenedPosition> {
    const state: FlowState = { positionId: null, entry: null, stopLoss: null, reached: 'pending_entry' };
    try {
      if (this.policy.flowTransaction === 'single') {
        return await this.sql.transaction('openPositionAtomic', (tx) => this.openInOneTransaction(tx, signal, state));
      }
      return await this.openStepByStep(signal, state);
    } catch (error) {
      // A refused Signal placed nothing and owns no row: there is nothing to roll back.
      if (error instanceof PositionAlreadyOpenError) throw error;
      await this.rollbackPosition(signal, state, error);
      throw new AtomicPositionError(
        signal.symbol,
        state.positionId,
        `opening ${signal.symbol} on ${this.exchange.exchange} failed at ${state.reached} and was rolled back: ${describe(error)}`,
        { cause: error },
      );
    }
  }

  private async openStepByStep(signal: Signal, state: FlowState): Promise<OpenedPosition> {
    const exchange = this.exchange.exchange;
    // TX1: create, under the advisory lock, which is released at its COMMIT (Problem #4).
    const created = await this.repository.createOrFind({
      symbol: signal.symbol,
      exchange,
      side: signal.side,
      quantity: signal.quantity,
      entryPrice: 0,
      status: 'pending_entry',
    });
    state.positionId = this.ownRow(signal, created);
    // The plan: "It uses the id that createPosition returns, whatever it is" — with Option 3 that
    // may be another flow's row, and this flow still places its own entry order.
    const positionId = state.positionId;
    const entry = await this.exchange.placeMarketOrder({ symbol: signal.symbol, side: entrySide(signal.side), quantity: signal.quantity });
    state.entry = entry;
    await this.repository.updatePosition(
      positionId,
      { status: 'entry_placed', exchange_order_id: entry.orderId, entry_price: entry.avgPrice ?? 0 },
      'updatePosition(entry_placed)',
    );
    state.reached = 'entry_placed';
    await this.awaitSettlement(signal.symbol, entry);
    const stopPrice = stopLossPrice(signal, entry);
    state.stopLoss = await this.exchange.placeStopLoss({
      symbol: signal.symbol,
      side: closingSide(signal.side),
      quantity: signal.quantity,
      stopPrice,
    });
    await this.repository.updatePosition(positionId, { status: 'pending_sl' }, 'updatePosition(pending_sl)');
    state.reached = 'pending_sl';
    await this.activate(positionId, signal.symbol, stopPrice);
    state.reached = 'active';
    return { positionId, entryOrderId: entry.orderId, stopLossOrderId: state.stopLoss.orderId };
  }

  /** Option 5 as the plan writes it: the advisory lock is held from the create to the final UPDATE. */
  private async openInOneTransaction(tx: SqlSession, signal: Signal, state: FlowState): Promise<OpenedPosition> {
    const exchange = this.exchange.exchange;
    await tx.query('SELECT pg_advisory_xact_lock($1)', [positionLockId(signal.symbol, exchange)], 'openPositionAtomic:lock');
    const created = await this.repository.createInTransaction(tx, {
      symbol: signal.symbol,
      exchange,
      side: signal.side,
      quantity: signal.quantity,
      entryPrice: 0,
      status: 'pending_entry',
    });
    state.positionId = this.ownRow(signal, created);
    const positionId = state.positionId;
    const entry = await this.exchange.placeMarketOrder({ symbol: signal.symbol, side: entrySide(signal.side), quantity: signal.quantity });
    state.entry = entry;
    state.reached = 'entry_placed';
    // Option 5's UPDATE (plan lines 400-404) records the order id only.
    await tx.query('UPDATE monitoring.positions SET exchange_order_id = $1, updated_at = NOW() WHERE id = $2', [entry.orderId, positionId], 'updatePosition(entry order)');
    await this.awaitSettlement(signal.symbol, entry);
    const stopPrice = stopLossPrice(signal, entry);
    state.stopLoss = await this.exchange.placeStopLoss({ symbol: signal.symbol, side: closingSide(signal.side), quantity: signal.quantity, stopPrice });
    state.reached = 'pending_sl';
    await tx.query(
      `UPDATE monitoring.positions SET stop_loss_price = $1, has_stop_loss = true, status = 'active', updated_at = NOW() WHERE id = $2`,
      [stopPrice, positionId],
      'updatePosition(active)',
    );
    state.reached = 'active';
    return { positionId, entryOrderId: entry.orderId, stopLossOrderId: state.stopLoss.orderId };
  }

  /**
   * The id this flow goes on with. The plan's flow takes whatever createPosition returned; under
   * `refuse-signal` a row that was already open means another flow owns the position: no order.
   */
  private ownRow(signal: Signal, created: CreatedPosition): number {
    if (!created.created && this.policy.existingPosition === 'refuse-signal') {
      throw new PositionAlreadyOpenError(signal.symbol, this.exchange.exchange, created.id);
    }
    return created.id;
  }

  /** Problem #5: a fixed sleep (baseline) or polling the entry order until it is filled. */
  private async awaitSettlement(symbol: string, entry: Order): Promise<void> {
    const wait = this.policy.settlement;
    if (wait.kind === 'sleep') {
      await this.clock.sleep(wait.ms, 'settlement sleep');
      return;
    }
    for (let attempt = 1; attempt <= wait.maxAttempts; attempt++) {
      const order = await this.exchange.getOrder(symbol, entry.orderId);
      if (order.status === 'filled') return;
      if (order.status === 'cancelled' || order.status === 'rejected') throw new Error(`entry order ${entry.orderId} ended ${order.status}`);
      await this.clock.sleep(wait.intervalMs, 'settlement poll');
    }
    throw new Error(`entry order ${entry.orderId} not filled after ${wait.maxAttempts} polls`);
  }

  /** The final UPDATE to active: plain (baseline) or Option 4's `_safe_activate_position`. */
  private async activate(positionId: number, symbol: string, stopPrice: number): Promise<void> {
    const fields = { status: 'active', stop_loss_price: stopPrice, has_stop_loss: true } as const;
    if (this.policy.activation === 'plain') {
      await this.repository.updatePosition(positionId, fields, 'updatePosition(active)');
      return;
    }
    if (!(await this.safeActivatePosition(positionId, symbol, fields))) {
      // The plan's open_position_atomic (lines 750-761): rollback with "duplicate active position
      // detected", then RuntimeError("Duplicate position prevented").
      throw new DuplicateActivationError(symbol, this.exchange.exchange);
    }
  }

  /** Option 4 / Layer 3 as the plan writes it: check for another 'active' row, else update; false on any error. */
  private async safeActivatePosition(
    positionId: number,
    symbol: string,
    fields: { readonly status: 'active'; readonly stop_loss_price: number; readonly has_stop_loss: true },
  ): Promise<boolean> {
    try {
      const existing = await this.sql.query(
        `SELECT id, created_at FROM monitoring.positions
         WHERE symbol = $1 AND exchange = $2 AND status = 'active' AND id != $3`,
        [symbol, this.exchange.exchange, positionId],
        'safeActivate:check',
      );
      if (existing.rows.length > 0) return false;
      await this.repository.updatePosition(positionId, fields, 'updatePosition(active)');
      return true;
    } catch {
      // `except Exception as e: logger.error(...); return False` — the plan swallows the error here.
      return false;
    }
  }

  /**
   * _rollback_position: close a filled entry on the exchange (a reduce-only market order of the
   * entry quantity), cancel a placed stop-loss, mark the row rolled_back with the reason.
   * Rollback errors are swallowed so the original failure is the one reported.
   */
  private async rollbackPosition(signal: Signal, state: FlowState, error: unknown): Promise<void> {
    if (state.stopLoss) {
      await this.exchange.cancelOrder(signal.symbol, state.stopLoss.orderId).catch(() => undefined);
    }
    if (state.entry && state.entry.status === 'filled') {
      await this.exchange
        .placeMarketOrder({ symbol: signal.symbol, side: closingSide(signal.side), quantity: state.entry.filledQuantity, reduceOnly: true })
        .catch(() => undefined);
    }
    if (state.positionId !== null && this.policy.flowTransaction === 'per-step') {
      await this.repository
        .updatePosition(state.positionId, { status: 'rolled_back', exit_reason: `rollback: ${rollbackReason(error)}`.slice(0, 500), closed_at: 'now' }, 'rollbackPosition')
        .catch(() => undefined);
    }
  }
}

function stopLossPrice(signal: Signal, entry: Order): number {
  const price = entry.avgPrice ?? 0;
  const factor = signal.side === 'long' ? 1 - signal.stopLossPercent : 1 + signal.stopLossPercent;
  return Math.round(price * factor * 1e8) / 1e8;
}

/** Option 4's refusal to activate a second 'active' row; the plan rolls back with a reason of its own. */
class DuplicateActivationError extends Error {
  readonly rollbackReason = 'duplicate active position detected';
  constructor(symbol: string, exchange: string) {
    super(`Duplicate position prevented: ${symbol} on ${exchange}`);
  }
}

/** The reason `_rollback_position` records: the plan's own words where it gives them, else the error. */
function rollbackReason(error: unknown): string {
  return error instanceof DuplicateActivationError ? error.rollbackReason : describe(error);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
