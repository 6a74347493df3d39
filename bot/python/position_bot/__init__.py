"""The plan's Python trading bot, its position flow only: asyncpg pool, create_position / update_position,
open_position_atomic, the sync and a manual close, with the fix layers as configuration."""
import logging

from .actors import run_actor
from .layers import LAYERS, NAMED_SETS, LayerError, resolve_layer_set
from .policy import BASELINE_POLICY, OPEN_STATUSES, BotPolicy

# Quiet unless POSITION_BOT_LOG asks: stderr's last line is the actor's error, if any.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ['BASELINE_POLICY', 'LAYERS', 'NAMED_SETS', 'OPEN_STATUSES', 'BotPolicy', 'LayerError', 'resolve_layer_set', 'run_actor']
