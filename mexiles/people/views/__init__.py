"""People's pages: the records (list, search, edit), the case file (notes, immigration case,
deadlines, documents) and the private deadline feed, all on one blueprint."""

from . import casefile, documents, feed, records  # noqa: F401 (they add their routes to bp)
from .blueprint import bp

__all__ = ["bp"]
