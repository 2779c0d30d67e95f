from . import second_factor  # noqa: F401  (its routes join the blueprint)
from .account import bp

__all__ = ["bp"]
