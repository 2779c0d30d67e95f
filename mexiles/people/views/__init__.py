"""People's pages: the records (list, search, edit), the case file (notes, immigration case,
deadlines) and the private deadline feed, all on one blueprint."""

from . import casefile, feed, records  # noqa: F401 (they add their routes to bp)
from .blueprint import bp

__all__ = ["bp"]
