"""The fix layers as configuration of the flow: the same ids, policy fields and migrations as
bot/layers/layers.ts, composed as its resolveLayerSet composes them (a conflict is an error)."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from .policy import BASELINE_POLICY, OPEN_STATUSES, BotPolicy


class LayerError(Exception):
    """A bad --layers value; `code` is the TypeScript HarnessError code for the same mistake."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FixLayer:
    id: str
    # Where the plan proposes it (bot/layers/layers.ts `seedOption`).
    seed_option: str
    policy: dict[str, Any]
    # What migration it needs (bot/layers/layers.ts `schema`); the harness applies it, not this code.
    schema: dict[str, Any]


def _layer(id: str, seed_option: str, policy: dict[str, Any] | None = None, schema: dict[str, Any] | None = None) -> FixLayer:
    return FixLayer(id, seed_option, policy or {}, schema or {})


LAYERS: dict[str, FixLayer] = {
    layer.id: layer
    for layer in (
        _layer('baseline', '—'),
        _layer('check-open-statuses', 'Option 3 / Layer 1',
               {'create_check_statuses': OPEN_STATUSES, 'open_lookup_statuses': OPEN_STATUSES}),
        # Option 2 is migration 008 only: no line of Python changes with it.
        _layer('open-status-index', 'Option 2 / Layer 2 (migration 008)', schema={'unique_index': 'open-statuses'}),
        _layer('safe-activation', 'Option 4 / Layer 3', {'activation': 'safe'}),
        _layer('full-unique-index', 'Option 1', schema={'unique_index': 'full'}),
        _layer('single-transaction', 'Option 5', {'flow_transaction': 'single'}),
        _layer('optimistic-locking', 'Option 6', {'update_mode': 'optimistic'}, {'version_column': True}),
        _layer('locked-update', 'Problem #3', {'update_mode': 'advisory-locked'}),
        _layer('poll-settlement', 'Problem #5', {'settlement': {'kind': 'poll', 'intervalMs': 250, 'maxAttempts': 20}}),
        _layer('refuse-open-signal', 'beyond the plan (README "What to ship", change 3)', {'existing_position': 'refuse-signal'}),
        _layer('symbol-flow-lock', 'beyond the plan (README "What to ship", change 2)',
               {'symbol_lock': 'session', 'sync_reconcile': 'per-symbol'}),
        _layer('sync-per-symbol', 'beyond the plan', {'sync_reconcile': 'per-symbol'}),
        _layer('close-settled-only', 'beyond the plan', {'act_on_statuses': 'active'}),
        _layer('quantity-delta', 'beyond the plan', {'quantity_write': 'delta'}),
        _layer('serializable', 'beyond the plan (isolation level)', {'isolation': {'level': 'serializable', 'attempts': 3}}),
        _layer('select-for-update', 'beyond the plan (row lock)', {'row_lock': 'for-update'}),
    )
}

NAMED_SETS: dict[str, tuple[str, ...]] = {
    # The plan's three-layer defence: Layers 1 + 2 + 3.
    'recommended': ('check-open-statuses', 'open-status-index', 'safe-activation'),
    # README "What to ship".
    'proposed': ('check-open-statuses', 'symbol-flow-lock', 'refuse-open-signal'),
    'targeted': ('check-open-statuses', 'refuse-open-signal', 'sync-per-symbol', 'close-settled-only', 'quantity-delta'),
}

# Layers whose code this bot does not have: the flows they configure (a quantity add, every
# transaction at SERIALIZABLE) belong to no actor of the scenarios it runs.
NOT_IMPLEMENTED: dict[str, str] = {
    'quantity-delta': 'it configures adding to a position, which the Python bot does not implement',
    'select-for-update': 'it configures adding to a position and the close under a row lock, which the Python bot does not implement',
    'serializable': 'the Python bot runs every transaction at READ COMMITTED',
}

_MIGRATIONS = {
    'unique_index': lambda v: '008_fix_unique_index.up.sql' if v == 'open-statuses' else 'option1_full_unique_index.up.sql',
    'version_column': lambda v: 'option6_version_column.up.sql',
}


@dataclass(frozen=True)
class LayerSet:
    # As written in --layers, members joined by '+'.
    id: str
    layers: tuple[str, ...]
    policy: BotPolicy
    schema: dict[str, Any]
    # The migration files of bot/layers/sql the database needs (the harness applies them).
    migrations: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {'id': self.id, 'layers': list(self.layers), 'policy': self.policy.to_json(),
                'schema': self.schema, 'migrations': list(self.migrations)}


def layer_names() -> list[str]:
    """Every valid name: single layers and named sets."""
    return [*LAYERS, *NAMED_SETS]


def resolve_layer_set(spec: str) -> LayerSet:
    """Parses `a+b+c` (also `a,b,c`) or a named set; LayerError on unknown, conflicting or unimplemented layers."""
    parts = [p.strip() for p in spec.replace(',', '+').split('+')]
    valid = ', '.join(layer_names())
    if all(p == '' for p in parts):
        raise LayerError('E_UNKNOWN_LAYER', f"empty layer set '{spec}'; valid layers: {valid}")
    if '' in parts:
        raise LayerError('E_UNKNOWN_LAYER', f"layer set '{spec}' has an empty member; join layers with single '+', "
                                            f"e.g. check-open-statuses+open-status-index; valid layers and sets: {valid}")
    ids: list[str] = []
    for p in parts:
        if p in NAMED_SETS:
            ids.extend(NAMED_SETS[p])
        elif p in LAYERS:
            ids.append(p)
        else:
            raise LayerError('E_UNKNOWN_LAYER', f"unknown layer '{p}' in '{spec}'; valid layers and sets: {valid}")
    unique = [i for i in dict.fromkeys(ids) if i != 'baseline' or len(ids) == 1]
    for i in unique:
        if i in NOT_IMPLEMENTED:
            implemented = ', '.join(n for n in LAYERS if n not in NOT_IMPLEMENTED)
            raise LayerError('E_LAYER_NOT_IMPLEMENTED', f"layer '{i}' is not implemented by the Python bot: {NOT_IMPLEMENTED[i]}; "
                                                        f"implemented layers: {implemented}")
    layers = [LAYERS[i] for i in unique]
    policy_fields = _merge(layers, lambda l: l.policy)
    schema = _merge(layers, lambda l: l.schema)
    migrations = tuple(_MIGRATIONS[k](schema[k]) for k in _MIGRATIONS if k in schema)
    return LayerSet('+'.join(parts), tuple(unique), replace(BASELINE_POLICY, **policy_fields), schema, migrations)


def _merge(layers: list[FixLayer], part) -> dict[str, Any]:
    out: dict[str, Any] = {}
    set_by: dict[str, FixLayer] = {}
    for layer in layers:
        for name, value in part(layer).items():
            earlier = set_by.get(name)
            if earlier is not None and _canonical(out[name]) != _canonical(value):
                raise LayerError('E_LAYER_CONFLICT', f"layers '{earlier.id}' and '{layer.id}' both set {name} differently; pick one of them")
            set_by[name] = layer
            out[name] = value
    return out


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=list)
