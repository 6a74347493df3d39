"""PositionRepository: the bot's data access (the plan's database/repository.py) on an asyncpg pool,
with the baseline's bugs kept and every fix read from the BotPolicy."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, AsyncIterator, Mapping

import asyncpg

from ..lock_id import position_lock_id
from ..policy import ACTIVE_ONLY, BotPolicy

logger = logging.getLogger(__name__)


class _SqlNow:
    """A value for update_position that writes NOW() (closed_at of a closed or rolled-back row)."""

    def __repr__(self) -> str:
        return 'NOW()'


SQL_NOW = _SqlNow()

# Columns update_position may set (the keyword arguments of the plan's update_position(**kwargs)).
_UPDATABLE = frozenset({'status', 'exchange_order_id', 'entry_price', 'quantity', 'stop_loss_price',
                        'has_stop_loss', 'exit_reason', 'closed_at'})

_ROW_COLUMNS = ('id, symbol, exchange, side, quantity, entry_price, status, exchange_order_id, '
                'stop_loss_price, has_stop_loss, exit_reason')


class ConcurrentModificationError(Exception):
    """Option 6: the row's version moved between read and write."""

    code = 'E_CONCURRENT_MODIFICATION'

    def __init__(self, position_id: int) -> None:
        super().__init__(f'position #{position_id} was modified concurrently (version mismatch); reload it and retry')
        self.position_id = position_id


def _numeric(value: Any) -> Any:
    """A float as its shortest decimal (9.8, not asyncpg's exact 9.8000000000000007105...), as node-postgres sends it."""
    return Decimal(repr(value)) if isinstance(value, float) else value


def _status_filter(statuses: tuple[str, ...]) -> str:
    """`status = 'active'` (the baseline's check) or the plan's `status IN (...)` (Option 3 / Layer 1)."""
    if statuses == ACTIVE_ONLY:
        return "status = 'active'"
    return 'status IN (' + ', '.join(f"'{s}'" for s in statuses) + ')'


class PositionRepository:
    def __init__(self, pool: asyncpg.Pool, policy: BotPolicy) -> None:
        self.pool = pool
        self.policy = policy

    def _get_position_lock_id(self, symbol: str, exchange: str) -> int:
        return position_lock_id(symbol, exchange)

    # README "What to ship", change 2 (symbol-flow-lock): a key of its own, not _get_position_lock_id's,
    # which create_position takes with pg_advisory_xact_lock on another pooled connection.
    def _get_flow_lock_id(self, symbol: str, exchange: str) -> int:
        return self._get_position_lock_id(f'flow:{symbol}', exchange)

    @asynccontextmanager
    async def symbol_lock(self, symbol: str, exchange: str, wait: bool = True) -> AsyncIterator[bool]:
        """README change 2, as written there: a session advisory lock on a connection held for the whole flow."""
        key = self._get_flow_lock_id(symbol, exchange)
        async with self.pool.acquire() as conn:        # a connection held for the whole flow
            if wait:
                await conn.execute('SELECT pg_advisory_lock($1)', key)
            elif not await conn.fetchval('SELECT pg_try_advisory_lock($1)', key):
                yield False                            # another flow holds the symbol
                return
            try:
                yield True
            finally:
                await conn.execute('SELECT pg_advisory_unlock($1)', key)

    async def create_position(self, position_data: Mapping[str, Any]) -> int | tuple[int, bool]:
        """create_position (repository.py:267-270; plan lines 58-75, 290-311, 586-615): one transaction
        under pg_advisory_xact_lock; the id of the open row its check finds, else of the row it inserts.

        With `refuse-open-signal` it returns (id, created), as README change 3 writes it
        (`return existing['id'], False` / `return new_id, True`); otherwise the plan's `-> int`.
        """
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                position_id, created = await self._create_in_transaction(conn, position_data)
        if self.policy.existing_position == 'refuse-signal':
            return position_id, created
        return position_id

    @staticmethod
    def position_id_of(created: int | tuple[int, bool]) -> int:
        """The id in create_position's result, whichever form the layer set gives it."""
        return created[0] if isinstance(created, tuple) else created

    async def _create_in_transaction(self, conn: asyncpg.Connection, position_data: Mapping[str, Any]) -> tuple[int, bool]:
        """The check and the insert on a connection inside a transaction (Option 5's `_create_in_transaction`)."""
        symbol, exchange = position_data['symbol'], position_data['exchange']
        # Problem #4: "Advisory lock here", released at this transaction's COMMIT.
        await conn.execute('SELECT pg_advisory_xact_lock($1)', self._get_position_lock_id(symbol, exchange))
        statuses = self.policy.create_check_statuses
        if statuses == ACTIVE_ONLY:
            # Problem #2 (repository.py:267-270): only 'active' rows are seen.
            existing = await conn.fetchrow("""
                SELECT id FROM monitoring.positions
                WHERE symbol = $1 AND exchange = $2 AND status = 'active'
            """, symbol, exchange)
        else:
            # Option 3 / Layer 1 "NEW" (and README change 1): every open status.
            existing = await conn.fetchrow(f"""
                SELECT id, status FROM monitoring.positions
                WHERE symbol = $1 AND exchange = $2
                  AND {_status_filter(statuses)}
                ORDER BY created_at DESC
                LIMIT 1
            """, symbol, exchange)
        if existing:
            logger.warning('Position exists: %s on %s, returning #%s', symbol, exchange, existing['id'])
            return existing['id'], False
        new_id = await conn.fetchval("""
            INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, exchange_order_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
        """, symbol, exchange, position_data['side'], _numeric(position_data['quantity']),
            _numeric(position_data.get('entry_price', 0)), position_data['status'], position_data.get('exchange_order_id'))
        return new_id, True

    async def update_position(self, position_id: int, **kwargs: Any) -> bool:
        """update_position (repository.py:545-589; plan lines 77-96); how it writes is the policy's update_mode.

        Baseline (Problem #3): "NO LOCK", "Autocommit (no explicit transaction)".
        """
        mode = self.policy.update_mode
        async with self.pool.acquire() as conn:
            if mode == 'autocommit':
                query, values = _update_query(position_id, kwargs)
                result = await conn.execute(query, *values)
                return result != 'UPDATE 0'
            if mode == 'advisory-locked':
                # Problem #3's fix: the UPDATE in a transaction under the position's advisory lock.
                async with conn.transaction():
                    key = await conn.fetchrow('SELECT symbol, exchange FROM monitoring.positions WHERE id = $1', position_id)
                    if key:
                        await conn.execute('SELECT pg_advisory_xact_lock($1)',
                                           self._get_position_lock_id(key['symbol'], key['exchange']))
                    query, values = _update_query(position_id, kwargs)
                    return await conn.execute(query, *values) != 'UPDATE 0'
            if mode == 'optimistic':
                # Option 6 as the plan writes it (lines 450-475): read the version, then UPDATE ... AND version = $n.
                current = await conn.fetchrow('SELECT version FROM monitoring.positions WHERE id = $1', position_id)
                if current is None:
                    return False  # like the autocommit UPDATE, an id that does not exist changes nothing
                query, values = _update_query(position_id, kwargs, versioned=True, expected_version=current['version'])
                if await conn.fetchrow(query, *values) is None:
                    raise ConcurrentModificationError(position_id)
                return True
            raise ValueError(f'update_mode {mode!r} is not implemented')

    async def get_open_position(self, symbol: str, exchange: str, statuses: tuple[str, ...] | None = None) -> asyncpg.Record | None:
        """get_open_position: the statuses it sees are the policy's (baseline: 'active' only, Problem #6,
        plan lines 141-163; check-open-statuses: README "What to ship" change 1)."""
        statuses = self.policy.open_lookup_statuses if statuses is None else statuses
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(f"""
                SELECT {_ROW_COLUMNS} FROM monitoring.positions
                WHERE symbol = $1 AND exchange = $2 AND {_status_filter(statuses)}
                ORDER BY created_at DESC LIMIT 1
            """, symbol, exchange)

    async def list_open_positions(self, exchange: str) -> list[asyncpg.Record]:
        """The rows the sync's close pass reconciles (the policy's reconcile_statuses)."""
        async with self.pool.acquire() as conn:
            return await conn.fetch(f"""
                SELECT {_ROW_COLUMNS} FROM monitoring.positions
                WHERE exchange = $1 AND {_status_filter(self.policy.reconcile_statuses)} ORDER BY id
            """, exchange)

    async def close_position(self, position_id: int, reason: str) -> bool:
        """Marks a position closed, keeping the row as history."""
        return await self.update_position(position_id, status='closed', exit_reason=reason, closed_at=SQL_NOW)


def _update_query(position_id: int, fields: Mapping[str, Any], versioned: bool = False,
                  expected_version: int | None = None) -> tuple[str, list[Any]]:
    """`UPDATE ... SET <kwargs>, updated_at = NOW() WHERE id = $n` (and Option 6's version check)."""
    sets: list[str] = []
    values: list[Any] = []
    for column, value in fields.items():
        if column not in _UPDATABLE:
            raise ValueError(f'update_position cannot set {column!r}')
        if value is SQL_NOW:
            sets.append(f'{column} = NOW()')
            continue
        values.append(_numeric(value))
        sets.append(f'{column} = ${len(values)}')
    sets.append('updated_at = NOW()')
    values.append(position_id)
    where = f'id = ${len(values)}'
    if versioned:
        sets.append('version = version + 1')
        values.append(expected_version)
        where += f' AND version = ${len(values)}'
        return f"UPDATE monitoring.positions SET {', '.join(sets)} WHERE {where} RETURNING id", values
    return f"UPDATE monitoring.positions SET {', '.join(sets)} WHERE {where}", values
