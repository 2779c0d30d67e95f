"""The giving pages: public (donate, pay, the webhook), the donor portal, the staff pages."""

from . import appeals, portal, public, staff, stewardship  # noqa: F401  (their routes register on bp)
from .blueprint import bp

__all__ = ["bp"]
