"""PositionSynchronizer.sync (the plan's core/position_manager.py:700-750): reconciles the database with
the exchange. It imports exchange positions it cannot see in the database -- Scenario B's duplicate."""
from __future__ import annotations

from typing import Any

from ..database import PositionRepository
from ..exchange import HttpExchangeClient
from ..policy import BotPolicy


class PositionSynchronizer:
    def __init__(self, repository: PositionRepository, policy: BotPolicy) -> None:
        self.repository = repository
        self.policy = policy

    async def sync(self, exchange: HttpExchangeClient) -> dict[str, list[Any]]:
        """One pass over `exchange`: import positions without an open row, close rows whose position is gone.

        Returns {'imported': [ids], 'closed': [ids], 'skipped': [symbols]} (the TypeScript SyncReport)."""
        if self.policy.sync_reconcile == 'per-symbol':
            return await self._sync_per_symbol(exchange)
        return await self._sync_snapshot(exchange)

    async def _sync_snapshot(self, exchange: HttpExchangeClient) -> dict[str, list[Any]]:
        """The plan's pass: one exchange listing, acted on for every symbol however long the pass takes."""
        exchange_name = exchange.exchange
        imported: list[int] = []
        closed: list[int] = []
        positions = await exchange.fetch_positions()
        for p in positions:
            # Problem #6 (plan lines 141-163): get_open_position checks WHERE status = 'active' (baseline).
            db_position = await self.repository.get_open_position(p['symbol'], exchange_name)
            if db_position:
                continue  # Restore from DB
            # "Position doesn't exist - create new one": false whenever the row sits in a status
            # get_open_position does not cover.
            position_id = await self.repository.create_position(
                {'symbol': p['symbol'], 'exchange': exchange_name, 'side': p['side'], 'quantity': p['quantity'],
                 'entry_price': p['entryPrice'], 'status': 'active'})
            imported.append(self.repository.position_id_of(position_id))
        # The close pass (not shown by the plan; the TypeScript port's): rows whose position is gone.
        on_exchange = {p['symbol'] for p in positions}
        for row in await self.repository.list_open_positions(exchange_name):
            if row['symbol'] in on_exchange:
                continue
            await self.repository.close_position(row['id'], 'closed on exchange (sync)')
            closed.append(row['id'])
        return {'imported': imported, 'closed': closed, 'skipped': []}

    async def _sync_per_symbol(self, exchange: HttpExchangeClient) -> dict[str, list[Any]]:
        """README change 2 (symbol-flow-lock; sync-per-symbol without the lock): the listing and the open rows
        only say which symbols to look at; each is then reconciled from fresh reads, under the symbol lock."""
        exchange_name = exchange.exchange
        imported: list[int] = []
        closed: list[int] = []
        skipped: list[str] = []
        listed = await exchange.fetch_positions()
        rows = await self.repository.list_open_positions(exchange_name)
        symbols = list(dict.fromkeys([*(p['symbol'] for p in listed), *(r['symbol'] for r in rows)]))
        for symbol in symbols:
            if self.policy.symbol_lock == 'session':
                async with self.repository.symbol_lock(symbol, exchange_name, wait=False) as locked:
                    if not locked:
                        skipped.append(symbol)  # a flow is in progress; the next pass reconciles it
                        continue
                    done = await self._reconcile_symbol(exchange, symbol)
            else:
                done = await self._reconcile_symbol(exchange, symbol)
            if done is not None:
                (imported if done[0] == 'imported' else closed).append(done[1])
        return {'imported': imported, 'closed': closed, 'skipped': skipped}

    async def _reconcile_symbol(self, exchange: HttpExchangeClient, symbol: str) -> tuple[str, int] | None:
        """Reads the open row first, then the exchange position again, and imports or closes from those."""
        exchange_name = exchange.exchange
        row = await self.repository.get_open_position(symbol, exchange_name)
        position = next((p for p in await exchange.fetch_positions() if p['symbol'] == symbol), None)
        if position is not None and row is None:
            position_id = await self.repository.create_position(
                {'symbol': symbol, 'exchange': exchange_name, 'side': position['side'], 'quantity': position['quantity'],
                 'entry_price': position['entryPrice'], 'status': 'active'})
            return 'imported', self.repository.position_id_of(position_id)
        if position is None and row is not None and row['status'] in self.policy.reconcile_statuses:
            await self.repository.close_position(row['id'], 'closed on exchange (sync)')
            return 'closed', row['id']
        return None
