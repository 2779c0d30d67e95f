"""Labels, in the user's language, for the codes gifts and disputes carry."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

SOURCES = {"online": _l("Online"), "check": _l("Check"), "cash": _l("Cash"), "in_kind": _l("In kind")}
GIFT_STATUSES = {
    "pending": lazy_pgettext("gift", "Pending"),
    "succeeded": lazy_pgettext("gift", "Received"),
    "failed": lazy_pgettext("gift", "Not charged"),
    "refunded": lazy_pgettext("gift", "Refunded"),
}
# Whom a gift honors (giving_gifts.tribute_kind).
TRIBUTE_KINDS = {"honor": _l("In honor of"), "memory": _l("In memory of")}
# A monthly gift, as Stripe's subscription stands (giving_recurring_gifts.status).
RECURRING_STATUSES = {
    "incomplete": _l("Not started: the first payment did not go through"),
    "active": _l("Active"),
    "past_due": _l("Card needs updating"),
    "paused": _l("Paused"),
    "canceled": _l("Cancelled"),
}
# The language a donor is written to in (giving_donors.locale).
LOCALES = {"en": _l("English"), "es": _l("Spanish")}
# Stripe's dispute reasons and statuses.
DISPUTE_REASONS = {
    "fraudulent": _l("Card holder says it was fraud"),
    "duplicate": _l("Charged twice"),
    "subscription_canceled": _l("Monthly gift said to be cancelled"),
    "unrecognized": _l("Charge not recognised"),
    "credit_not_processed": _l("Refund said to be missing"),
    "general": _l("Other reason"),
}
DISPUTE_STATUSES = {
    "warning_needs_response": _l("Inquiry: needs a response"),
    "warning_under_review": _l("Inquiry under review"),
    "warning_closed": _l("Inquiry closed"),
    "needs_response": _l("Needs a response"),
    "under_review": _l("Under review"),
    "won": _l("Won"),
    "lost": _l("Lost"),
}
# What became of a Stripe event (giving_stripe_events.outcome).
EVENT_OUTCOMES = {
    "processed": _l("Recorded"),
    "ignored": _l("Not used"),
    "superseded": _l("Older than what we know"),
    "deferred": _l("Waiting for its payment"),
    "unplaced": _l("Could not be placed"),
}
# How staff thanked a donor (giving_thanks.method).
THANKS_METHODS = {
    "phone": _l("Phone call"),
    "letter": _l("Letter"),
    "email": _l("Email"),
    "in_person": _l("In person"),
}
# The stewardship lists.
STEWARDSHIP_LISTS = {
    "lybunt": _l("Gave last year, not this year (LYBUNT)"),
    "sybunt": _l("Gave some year before, not last year nor this year (SYBUNT)"),
    "first": _l("First-time donors not yet thanked"),
    "large": _l("Large gifts"),
}
# Who an appeal goes to (always only donors who opted in).
APPEAL_SEGMENTS = {
    "fund": _l("Donors to one fund"),
    "lybunt": _l("Donors who gave last year, not this year"),
    "monthly": _l("Monthly donors"),
    "opted_in": _l("Everyone who asked for news"),
}
# Why two donors are suggested as one.
DUPLICATE_REASONS = {
    "email": _l("Same mailbox (the addresses differ only by capitals, dots or a +tag)"),
    "name_postal": _l("Same name and postal code"),
}
