"""The decision points of the position flow as data (the TypeScript port's BotPolicy, bot/flow/bot-policy.ts).

The baseline policy is the code before any fix; each fix layer (layers.py) overrides some fields.
Field names are the TypeScript ones in snake_case, values are the same strings, so the two ports'
resolved policies compare field by field.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The plan's Option 2 / Option 3 list of open statuses, in the plan's order.
OPEN_STATUSES: tuple[str, ...] = ('active', 'entry_placed', 'pending_sl', 'pending_entry')
ACTIVE_ONLY: tuple[str, ...] = ('active',)


@dataclass(frozen=True)
class BotPolicy:
    # Statuses the existence check of create_position covers (Problem #2; Option 3 widens it).
    create_check_statuses: tuple[str, ...] = ACTIVE_ONLY
    # Statuses get_open_position and the sync see (Problem #6; Option 3 widens it).
    open_lookup_statuses: tuple[str, ...] = ACTIVE_ONLY
    # Statuses the sync's close pass reconciles; no option of the plan changes it.
    reconcile_statuses: tuple[str, ...] = ACTIVE_ONLY
    # Final step to 'active': 'plain' UPDATE or Option 4's _safe_activate_position ('safe').
    activation: str = 'plain'
    # Problem #4 / Option 5: 'per-step' transactions or one 'single' transaction from create to activation.
    flow_transaction: str = 'per-step'
    # How update_position writes: 'autocommit' (baseline), 'advisory-locked' (Problem #3), 'optimistic' (Option 6).
    update_mode: str = 'autocommit'
    # Problem #5: {'kind': 'sleep', 'ms': 3000} or {'kind': 'poll', 'intervalMs': .., 'maxAttempts': ..}.
    settlement: dict[str, Any] = field(default_factory=lambda: {'kind': 'sleep', 'ms': 3000})
    # What a Signal does when create_position found an open row: 'reuse-id' (the plan) or 'refuse-signal'.
    existing_position: str = 'reuse-id'
    # 'session': one flow per (symbol, exchange) under a session advisory lock (README change 2).
    symbol_lock: str = 'none'
    # The sync: 'snapshot' (one exchange listing for the whole pass) or 'per-symbol' (fresh reads per symbol).
    sync_reconcile: str = 'snapshot'
    # Statuses a manual close acts on: 'open-lookup' (whatever get_open_position sees) or 'active'.
    act_on_statuses: str = 'open-lookup'
    # A quantity add: 'absolute' or 'delta' (the Python bot has no quantity add; see layers.UNSUPPORTED).
    quantity_write: str = 'absolute'
    # Read-modify-write sites read the row FOR UPDATE ('for-update') or not ('none').
    row_lock: str = 'none'
    # {'level': 'read-committed'} or {'level': 'serializable', 'attempts': n}.
    isolation: dict[str, Any] = field(default_factory=lambda: {'level': 'read-committed'})
    # Option 6: where a read-modify-write gets the version it checks.
    version_read: str = 'before-update'

    def to_json(self) -> dict[str, Any]:
        """The policy as JSON-able data (tuples become lists), for `position_bot policy`."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


BASELINE_POLICY = BotPolicy()
