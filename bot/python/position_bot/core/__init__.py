"""core/ of the plan: the Signal flow, the sync and the manual close."""
from .atomic_position_manager import AtomicPositionError, AtomicPositionManager, PositionAlreadyOpen
from .position_manager import PositionManager
from .position_synchronizer import PositionSynchronizer

__all__ = ['AtomicPositionError', 'AtomicPositionManager', 'PositionAlreadyOpen', 'PositionManager', 'PositionSynchronizer']
