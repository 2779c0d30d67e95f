"""Emergency assistance's public API: the only names other domains use.

- requests: asking for assistance for a person, an admin's decision, the payment (each audited);
- balances: what each fund holds, raised minus spent, to the cent;
- figures: what each fund raised beside what it paid for, in full for staff, and for the public
  without any cell about fewer than five people (``public_impact``, for giving's pages).
"""

from . import balances, figures, requests
from .common import AssistanceRefused, may_ask_for, may_decide
from .figures import PUBLIC_MINIMUM, public_impact

__all__ = [
    "PUBLIC_MINIMUM",
    "AssistanceRefused",
    "balances",
    "figures",
    "may_ask_for",
    "may_decide",
    "public_impact",
    "requests",
]
