"""The fixed lists housing uses, with their labels in the user's language."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

SITE_KINDS = {
    "host_home": _l("Host home"),
    "shelter": _l("Shelter"),
    "apartment": _l("Apartment"),
    "other": _l("Other"),
}

# What a site accepts and what a household needs share one vocabulary, so that they can be matched.
ACCEPTS = {
    "families": _l("Families"),
    "children": _l("Children"),
    "single_women_only": _l("Single women only"),
    "wheelchair": _l("Wheelchair access"),
    "pets": _l("Pets"),
    "smoking": _l("Smoking"),
    "lgbtq_friendly": _l("LGBTQ-friendly"),
}
NEEDS = {
    "families": _l("A family"),
    "children": _l("With children"),
    "single_women_only": _l("A single woman"),
    "wheelchair": _l("Wheelchair access"),
    "pets": _l("Has a pet"),
    "smoking": _l("Smokes"),
    "lgbtq_friendly": _l("LGBTQ-friendly place"),
}
# A women-only site turns away everyone else; the other codes are things a site must offer.
WOMEN_ONLY = "single_women_only"

VETTING = {
    "new": _l("New, not vetted yet"),
    "verified": _l("Verified"),
    "rejected": _l("Rejected"),
}

# Most urgent first; the waitlist sorts by this order.
URGENCIES = {
    "emergency": _l("Emergency: no safe place tonight"),
    "high": _l("High: within a few days"),
    "normal": _l("Normal: within weeks"),
}
URGENCY_SHORT = {
    "emergency": _l("Emergency"),
    "high": _l("High"),
    "normal": _l("Normal"),
}

REQUEST_STATUSES = {
    "open": _l("On the waitlist"),
    "placed": _l("Placed"),
    "withdrawn": lazy_pgettext("housing request", "Withdrawn"),
}

PLACEMENT_STATUSES = {
    "planned": _l("Planned"),
    "moved_in": _l("Moved in"),
    "moved_out": _l("Moved out"),
    "cancelled": lazy_pgettext("placement", "Cancelled"),
}
# Placements that hold beds: a cancelled one never took a night.
HOLDING = ("planned", "moved_in", "moved_out")
# Placements not over yet: the guests a site has now or expects.
CURRENT = ("planned", "moved_in")
# Placements where someone actually slept: these count as nights of shelter given.
HOUSED = ("moved_in", "moved_out")

# Where people go when they leave, grouped in the manner of the HUD HMIS exit destinations.
EXIT_GROUPS = {
    "permanent": _l("Permanent"),
    "temporary": _l("Temporary"),
    "institutional": _l("Institutional"),
    "other": _l("Other"),
}
EXIT_DESTINATIONS = {
    "own_home": ("permanent", _l("Own home (rented or owned)")),
    "family_home": ("permanent", _l("With family, for good")),
    "another_site": ("temporary", _l("Another housing site")),
    "friends": ("temporary", _l("Staying with friends")),
    "detained": ("institutional", _l("Detained")),
    "hospital": ("institutional", _l("Hospital")),
    "returned_to_mexico": ("other", _l("Returned to Mexico")),
    "other_city": ("other", _l("Moved to another city")),
    "unknown": ("other", _l("Unknown")),
}


def destination_label(code: str | None) -> str:
    """Where someone went, in words; the kind of exit follows in brackets where it says something
    ("Detained (Institutional)"), never "Other: Moved to another city"."""
    if code not in EXIT_DESTINATIONS:
        return "—"
    group, label = EXIT_DESTINATIONS[code]
    return str(label) if group == "other" else f"{label} ({EXIT_GROUPS[group]})"
