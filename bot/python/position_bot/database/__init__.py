"""database/ of the plan: the repository (database/repository.py)."""
from .repository import SQL_NOW, ConcurrentModificationError, PositionRepository

__all__ = ['SQL_NOW', 'ConcurrentModificationError', 'PositionRepository']
