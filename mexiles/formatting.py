"""Formatting shared by every domain's pages, emails and documents, in the current language."""
from flask_babel import format_currency


def money(cents: int | None, currency: str = "usd") -> str:
    """Cents as money in the current locale ("$1,234.50", "1234,50 US$"); "—" for no amount."""
    return "—" if cents is None else format_currency(cents / 100, currency.upper())
