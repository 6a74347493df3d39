"""PositionManager (the plan's core/position_manager.py): the manual close of a position the bot holds.
The plan does not show it; it is written the way the plan's other get_open_position callers read."""
from __future__ import annotations

import contextlib

from ..database import PositionRepository
from ..exchange import HttpExchangeClient
from ..policy import ACTIVE_ONLY, BotPolicy


class PositionManager:
    def __init__(self, repository: PositionRepository, exchange: HttpExchangeClient, policy: BotPolicy) -> None:
        self.repository = repository
        self.exchange = exchange
        self.policy = policy

    async def close_position(self, symbol: str, reason: str = 'manual close') -> int | None:
        """Market-closes the exchange position, then closes the open row; None when there is no open row."""
        exchange_name = self.exchange.exchange
        # README change 2: the read, the exchange order and the UPDATE under the symbol lock.
        lock = (self.repository.symbol_lock(symbol, exchange_name) if self.policy.symbol_lock == 'session'
                else contextlib.nullcontext())
        async with lock:
            # close-settled-only: 'active' rows only; else whatever get_open_position sees (Layer 1 widens it).
            statuses = ACTIVE_ONLY if self.policy.act_on_statuses == 'active' else None
            row = await self.repository.get_open_position(symbol, exchange_name, statuses)
            if row is None:
                return None
            await self.exchange.close_position(symbol)
            await self.repository.close_position(row['id'], reason)
            return row['id']
