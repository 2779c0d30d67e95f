"""The care pages: the directory, the case team's referral pages, and the counselor's pages."""

from . import counsel, directory, referrals  # noqa: F401  (routes register on bp)
from .blueprint import bp

__all__ = ["bp"]
