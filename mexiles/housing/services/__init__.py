"""Housing's rules, in one place: sites, the waitlist, placements, occupancy and figures.

Other domains use this package only through the names below, e.g. ``housing_nights_by_month``.
"""

from ...timeutil import local_day as local_date
from ...timeutil import today
from . import figures, occupancy, placements, sites, waitlist
from .common import HousingRefused, may_act_for, may_use_housing
from .figures import housing_nights_by_month, shelter_by_month
from .timeline import timeline_for_person

__all__ = [
    "HousingRefused",
    "figures",
    "housing_nights_by_month",
    "local_date",
    "may_act_for",
    "may_use_housing",
    "occupancy",
    "placements",
    "shelter_by_month",
    "sites",
    "timeline_for_person",
    "today",
    "waitlist",
]
