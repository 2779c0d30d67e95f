"""Processing fees: what to add so that the organisation nets the gift the donor intended."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app


def _terms(percent: str | Decimal | None = None, fixed_cents: int | None = None) -> tuple[Decimal, int]:
    config = current_app.config
    rate = Decimal(str(config["STRIPE_FEE_PERCENT"] if percent is None else percent)) / 100
    fixed = config["STRIPE_FEE_FIXED_CENTS"] if fixed_cents is None else fixed_cents
    return rate, fixed


def processing_fee(gross_cents: int, percent=None, fixed_cents=None) -> int:
    """Stripe's fee on a charge of ``gross_cents``: percent of the charge, rounded to the cent, plus fixed."""
    rate, fixed = _terms(percent, fixed_cents)
    return int((gross_cents * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + fixed


def gross_covering_fee(net_cents: int, percent=None, fixed_cents=None) -> int:
    """The charge whose net after the fee is at least ``net_cents``: ceil((net + fixed) / (1 - pct)).

    Stripe rounds its fee to the cent, so the formula can be a cent off either way; the loops
    settle on the least charge that still nets the intended amount.
    """
    rate, fixed = _terms(percent, fixed_cents)
    percent = rate * 100
    gross = math.ceil((Decimal(net_cents) + fixed) / (1 - rate))
    while gross - processing_fee(gross, percent, fixed) < net_cents:
        gross += 1
    while gross - 1 - processing_fee(gross - 1, percent, fixed) >= net_cents:
        gross -= 1
    return gross


def fee_added(net_cents: int, percent=None, fixed_cents=None) -> int:
    """What covering the fee adds to a gift of ``net_cents``."""
    return gross_covering_fee(net_cents, percent, fixed_cents) - net_cents
