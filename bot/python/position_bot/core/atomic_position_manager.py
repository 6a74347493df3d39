"""AtomicPositionManager.open_position_atomic (the plan's core/atomic_position_manager.py:390-420): the
Signal flow. Each step is its own transaction (Problem #4) unless the policy holds one (Option 5)."""
from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

import asyncpg

from ..database import SQL_NOW, PositionRepository
from ..exchange import HttpExchangeClient
from ..policy import BotPolicy
from ..race_clock import Clock

logger = logging.getLogger(__name__)


class PositionAlreadyOpen(Exception):
    """README change 3 (refuse-open-signal): (symbol, exchange) already has an open position; no order placed."""

    code = 'E_POSITION_ALREADY_OPEN'

    def __init__(self, symbol: str, exchange: str, existing_id: int) -> None:
        super().__init__(f'{symbol} on {exchange} already has open position #{existing_id}; the Signal was refused, no order placed')
        self.symbol = symbol
        self.exchange = exchange
        self.existing_id = existing_id


class AtomicPositionError(Exception):
    """The flow failed and was rolled back; __cause__ keeps the original error (and its SQLSTATE)."""

    code = 'E_ATOMIC_POSITION'

    def __init__(self, symbol: str, position_id: int | None, message: str) -> None:
        super().__init__(message)
        self.symbol = symbol
        self.position_id = position_id


@dataclass
class _Flow:
    """How far one open_position_atomic call got: what _rollback_position has to undo."""
    position_id: int | None = None
    entry_order: dict[str, Any] | None = None
    sl_order: dict[str, Any] | None = None
    reached: str = 'pending_entry'
    rolled_back: bool = False


def describe(error: BaseException) -> str:
    """`<code> <message>` as the TypeScript port words a failure (its exit_reason and error messages)."""
    if isinstance(error, asyncpg.PostgresError):
        return f'{error.sqlstate} {error.message}'
    code = getattr(error, 'code', None)
    return f'{code} {error}' if isinstance(code, str) else str(error)


def _entry_side(side: str) -> str:
    return 'buy' if side == 'long' else 'sell'


def _closing_side(side: str) -> str:
    return 'sell' if side == 'long' else 'buy'


def _stop_loss_price(side: str, stop_loss_percent: float, entry_order: Mapping[str, Any]) -> float:
    price = entry_order['avgPrice'] or 0
    factor = 1 - stop_loss_percent if side == 'long' else 1 + stop_loss_percent
    # JavaScript's Math.round (half up), so both ports compute the same stop price.
    return math.floor(price * factor * 1e8 + 0.5) / 1e8


class AtomicPositionManager:
    def __init__(self, repository: PositionRepository, exchanges: Mapping[str, HttpExchangeClient], clock: Clock,
                 policy: BotPolicy) -> None:
        self.repository = repository
        self.exchanges = exchanges
        self.clock = clock
        self.policy = policy

    async def open_position_atomic(self, position_data: Mapping[str, Any], exchange_name: str) -> dict[str, Any]:
        """Opens a position: create -> entry order -> settle -> stop-loss -> active; rollback on any failure.

        position_data: symbol, side ('long'/'short'), quantity, stop_loss_percent.
        """
        if self.policy.symbol_lock == 'session':
            # README change 2: the whole body, the _rollback_position call included, under the symbol lock.
            async with self.repository.symbol_lock(position_data['symbol'], exchange_name):
                return await self._open(position_data, exchange_name)
        return await self._open(position_data, exchange_name)

    async def _open(self, position_data: Mapping[str, Any], exchange_name: str) -> dict[str, Any]:
        flow = _Flow()
        symbol = position_data['symbol']
        try:
            if self.policy.flow_transaction == 'single':
                return await self.open_position_atomic_safe(position_data, exchange_name, flow)
            return await self._open_step_by_step(position_data, exchange_name, flow)
        except PositionAlreadyOpen:
            raise  # a refused Signal placed nothing and owns no row: nothing to roll back
        except Exception as e:
            if not flow.rolled_back:
                await self._rollback_position(flow.position_id, flow.entry_order, symbol, exchange_name, flow.reached,
                                              self._placed_quantity(flow, position_data), describe(e), sl_order=flow.sl_order)
            raise AtomicPositionError(
                symbol, flow.position_id,
                f'opening {symbol} on {exchange_name} failed at {flow.reached} and was rolled back: {describe(e)}') from e

    async def _open_step_by_step(self, position_data: Mapping[str, Any], exchange_name: str, flow: _Flow) -> dict[str, Any]:
        exchange = self.exchanges[exchange_name]
        symbol, side, quantity = position_data['symbol'], position_data['side'], position_data['quantity']
        new_position = {'symbol': symbol, 'exchange': exchange_name, 'side': side, 'quantity': quantity,
                        'entry_price': 0, 'status': 'pending_entry'}
        # Problem #4, TX1: CREATE (plan lines 98-110), under the advisory lock, released at its COMMIT.
        if self.policy.existing_position == 'refuse-signal':
            # README change 3, right after the create and before create_market_order.
            position_id, created = await self.repository.create_position(new_position)
            if not created:
                logger.warning('%s on %s already has open position #%s; signal refused', symbol, exchange_name, position_id)
                raise PositionAlreadyOpen(symbol, exchange_name, position_id)  # no order, no _rollback_position
        else:
            position_id = await self.repository.create_position(new_position)
        flow.position_id = position_id
        # The plan's flow uses the id create_position returns, whatever it is: with Option 3 that may be
        # another flow's row, and this flow still places its own entry order.
        entry_order = await exchange.create_market_order(symbol, _entry_side(side), quantity)
        flow.entry_order = entry_order
        # Problem #4, TX2: UPDATE (separate, no lock). The plan's sketch shows only status='entry_placed';
        # the entry order's id and fill price go with it as in the TypeScript port.
        await self.repository.update_position(position_id, status='entry_placed',
                                              exchange_order_id=entry_order['orderId'],
                                              entry_price=entry_order['avgPrice'] or 0)
        flow.reached = 'entry_placed'
        # Problem #5 (atomic_position_manager.py:412; plan lines 124-138): `await asyncio.sleep(3.0)`.
        await self._await_settlement(exchange, symbol, entry_order)
        sl_price = _stop_loss_price(side, position_data['stop_loss_percent'], entry_order)
        flow.sl_order = await exchange.create_stop_loss_order(symbol, _closing_side(side), quantity, sl_price)
        await self.repository.update_position(position_id, status='pending_sl')
        flow.reached = 'pending_sl'
        if self.policy.activation == 'safe':
            # Option 4 / Layer 3: Phase 4 "Modify open_position_atomic to use safe activation" (plan lines 730-764).
            activation_successful = await self._safe_activate_position(
                position_id=position_id, symbol=symbol, exchange=exchange_name,
                stop_loss_price=sl_price, has_stop_loss=True)
            if not activation_successful:
                logger.critical('Duplicate position detected during activation. Rolling back position #%s.', position_id)
                await self._rollback_position(position_id, entry_order, symbol, exchange_name, 'pending_sl', quantity,
                                              'duplicate active position detected', sl_order=flow.sl_order)
                flow.rolled_back = True
                raise RuntimeError(f'Duplicate position prevented: {symbol} on {exchange_name}')
        else:
            # Problem #4, TX3: UPDATE (separate, no lock) -- the production duplicate error (plan line 110).
            await self.repository.update_position(position_id, status='active', stop_loss_price=sl_price, has_stop_loss=True)
        flow.reached = 'active'
        return {'position_id': position_id, 'entry_order_id': entry_order['orderId'], 'stop_loss_order_id': flow.sl_order['orderId']}

    async def open_position_atomic_safe(self, position_data: Mapping[str, Any], exchange_name: str, flow: _Flow) -> dict[str, Any]:
        """Option 5 ("Atomic position opening with extended lock", plan lines 375-420), as the plan writes it."""
        exchange = self.exchanges[exchange_name]
        symbol, side, quantity = position_data['symbol'], position_data['side'], position_data['quantity']
        lock_id = self.repository._get_position_lock_id(symbol, exchange_name)
        async with self.repository.pool.acquire() as conn:
            async with conn.transaction():
                # Acquire lock for ENTIRE operation
                await conn.execute('SELECT pg_advisory_xact_lock($1)', lock_id)
                # 1. Check + CREATE
                position_id, created = await self.repository._create_in_transaction(
                    conn, {'symbol': symbol, 'exchange': exchange_name, 'side': side, 'quantity': quantity,
                           'entry_price': 0, 'status': 'pending_entry'})
                if not created and self.policy.existing_position == 'refuse-signal':
                    # README change 3 in Option 5's flow (the TypeScript port does the same).
                    raise PositionAlreadyOpen(symbol, exchange_name, position_id)
                flow.position_id = position_id
                # 2. Place entry order (outside DB)
                entry_order = await exchange.create_market_order(symbol, _entry_side(side), quantity)
                flow.entry_order = entry_order
                flow.reached = 'entry_placed'
                # 3. UPDATE with entry order info (same TX) -- the plan's SQL sets exchange_order_id only.
                await conn.execute("""
                    UPDATE monitoring.positions
                    SET exchange_order_id = $1, updated_at = NOW()
                    WHERE id = $2
                """, entry_order['orderId'], position_id)
                # The plan's code leaves the settlement out; its Cons ("long transaction (3+ seconds)") keep it.
                await self._await_settlement(exchange, symbol, entry_order)
                sl_price = _stop_loss_price(side, position_data['stop_loss_percent'], entry_order)
                # 4. Place SL order (outside DB)
                flow.sl_order = await exchange.create_stop_loss_order(symbol, _closing_side(side), quantity, sl_price)
                flow.reached = 'pending_sl'
                # 5. Final UPDATE to active (same TX)
                await conn.execute("""
                    UPDATE monitoring.positions
                    SET stop_loss_price = $1, has_stop_loss = true,
                        status = 'active', updated_at = NOW()
                    WHERE id = $2
                """, Decimal(repr(sl_price)), position_id)
                flow.reached = 'active'
            # Lock released ONLY here
        return {'position_id': position_id, 'entry_order_id': entry_order['orderId'], 'stop_loss_order_id': flow.sl_order['orderId']}

    async def _await_settlement(self, exchange: HttpExchangeClient, symbol: str, entry_order: Mapping[str, Any]) -> None:
        """Problem #5: a fixed sleep (baseline) or polling the entry order until it is filled (poll-settlement)."""
        wait = self.policy.settlement
        if wait['kind'] == 'sleep':
            await self.clock.sleep(wait['ms'], 'settlement sleep')
            return
        for _ in range(wait['maxAttempts']):
            order = await exchange.fetch_order(symbol, entry_order['orderId'])
            if order['status'] == 'filled':
                return
            if order['status'] in ('cancelled', 'rejected'):
                raise RuntimeError(f"entry order {entry_order['orderId']} ended {order['status']}")
            await self.clock.sleep(wait['intervalMs'], 'settlement poll')
        raise RuntimeError(f"entry order {entry_order['orderId']} not filled after {wait['maxAttempts']} polls")

    async def _safe_activate_position(self, position_id: int, symbol: str, exchange: str, **update_fields: Any) -> bool:
        """Option 4 / Layer 3 (Phase 4 "Add new method for safe activation", plan lines 684-728): True if
        activated, False if another 'active' row exists -- or on any error, which the plan's `except` swallows.
        The caller rolls back (Phase 4's version; the plan's lines 327-349 and 557-567 roll back inside)."""
        try:
            # Defensive check: is there already an active position?
            async with self.repository.pool.acquire() as conn:
                existing_active = await conn.fetchrow("""
                    SELECT id, created_at FROM monitoring.positions
                    WHERE symbol = $1 AND exchange = $2
                      AND status = 'active'
                      AND id != $3
                """, symbol, exchange, position_id)
                if existing_active:
                    logger.error('DUPLICATE ACTIVE POSITION DETECTED! Cannot activate position #%s (%s on %s); '
                                 'position #%s is already active.', position_id, symbol, exchange, existing_active['id'])
                    return False
            # Safe to activate
            update_fields['status'] = 'active'
            await self.repository.update_position(position_id, **update_fields)
            logger.info('Position #%s successfully activated', position_id)
            return True
        except Exception as e:
            logger.error('Failed to activate position #%s: %s', position_id, e)
            return False

    async def _rollback_position(self, position_id: int | None, entry_order: Mapping[str, Any] | None, symbol: str,
                                 exchange_name: str, state: str, quantity: float, error_message: str, *,
                                 sl_order: Mapping[str, Any] | None = None) -> None:
        """_rollback_position (the plan's signature, lines 756-760, plus the stop-loss order to cancel): cancel a placed
        stop-loss, close a filled entry with a reduce-only market order, mark the row rolled_back.
        Errors here are swallowed so the original failure is the one reported (as in the TypeScript port)."""
        exchange = self.exchanges[exchange_name]
        if sl_order is not None:
            with contextlib.suppress(Exception):
                await exchange.cancel_order(symbol, sl_order['orderId'])
        if entry_order is not None and entry_order['status'] == 'filled':
            side = 'sell' if entry_order['side'] == 'buy' else 'buy'
            with contextlib.suppress(Exception):
                await exchange.create_market_order(symbol, side, quantity, reduce_only=True)
        # Under Option 5 the transaction's ROLLBACK already removed the row.
        if position_id is not None and self.policy.flow_transaction == 'per-step':
            with contextlib.suppress(Exception):
                await self.repository.update_position(position_id, status='rolled_back',
                                                      exit_reason=f'rollback: {error_message}'[:500], closed_at=SQL_NOW)
        logger.warning('Position #%s of %s on %s rolled back at %s: %s', position_id, symbol, exchange_name, state, error_message)

    @staticmethod
    def _placed_quantity(flow: _Flow, position_data: Mapping[str, Any]) -> float:
        """What the rollback closes: the entry's filled quantity (the TypeScript port's), else the Signal's."""
        return flow.entry_order['filledQuantity'] if flow.entry_order is not None else position_data['quantity']
