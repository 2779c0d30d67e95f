"""The codes of emergency assistance and their labels in the user's language (the database checks them)."""

from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "transport": _l("Bus fare or transport"),
    "medicine": _l("Medicine"),
    "phone": _l("Phone"),
    "rent": _l("Rent"),
    "filing_fee": _l("Filing fee"),
    "translation": _l("Translation"),
    "food": _l("Food"),
    "other": _l("Other need"),
}

STATUSES = {
    "requested": _l("Waiting for a decision"),
    "approved": _l("Approved, not paid yet"),
    "declined": _l("Declined"),
    "paid": _l("Paid"),
}

METHODS = {
    "cash": _l("Cash"),
    "check": _l("Check"),
    "card": _l("Card"),
    "vendor": _l("Paid directly to a vendor"),
}

# Approved money that has not been paid yet is already promised: it counts against the balance.
COMMITTED = ("approved", "paid")
