"""`_get_position_lock_id(symbol, exchange)`: the key of pg_advisory_xact_lock for one position.

The plan does not show the bot's hash; this is the TypeScript port's (bot/flow/lock-id.ts, FNV-1a 64
over "symbol:exchange", signed), so both ports take the same keys and traces compare.
"""
from __future__ import annotations

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK = 0xFFFFFFFFFFFFFFFF


def position_lock_id(symbol: str, exchange: str) -> int:
    h = _FNV_OFFSET
    for byte in f'{symbol}:{exchange}'.encode('utf-8'):
        h ^= byte
        h = (h * _FNV_PRIME) & _MASK
    return h - (1 << 64) if h >= (1 << 63) else h
