"""Money as the database keeps it (whole cents, in INTEGER columns) and as people type and read it
(dollars, written in the current language): the one place for the conversion, the bounds, and
the ``money`` template filter."""

from decimal import Decimal
from typing import overload

from flask_babel import format_currency

# No amount of money here is larger, whatever the domain: its cents fit an INTEGER with room.
MAX_AMOUNT = Decimal("10000000")


@overload
def to_cents(dollars: Decimal | int | str) -> int: ...
@overload
def to_cents(dollars: None) -> None: ...
def to_cents(dollars: Decimal | int | str | None) -> int | None:
    """Dollars (as typed, or a whole number) in cents, rounded to the cent; None stays None."""
    return None if dollars is None else int((Decimal(dollars) * 100).quantize(Decimal(1)))


def to_dollars(cents: int | None) -> Decimal | None:
    """Cents as dollars, for a form field to show; None stays None."""
    return None if cents is None else Decimal(cents) / 100


def money(cents: int | None, currency: str = "usd") -> str:
    """Cents as money in the current locale ("$1,234.50", "1234,50 US$"); "—" for no amount."""
    return "—" if cents is None else format_currency(cents / 100, currency.upper())
