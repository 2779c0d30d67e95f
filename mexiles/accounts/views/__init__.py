"""The accounts pages: signing in, one's own settings, the second factor, staff accounts."""

from . import account, second_factor  # noqa: F401  (their routes register on bp)
from .blueprint import bp

__all__ = ["bp"]
