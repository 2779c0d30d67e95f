"""What every housing service shares: the refusal, the local date, who may act for a person."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date

from ...access import Role
from ...people import services as people
from ...timeutil import utcnow


class HousingRefused(Exception):
    """A rule said no. ``messages`` tell the coordinator why, in their language; ``field`` names the
    form field at fault, when there is one."""

    def __init__(self, *messages: str, field: str | None = None):
        super().__init__(*messages)
        self.messages = list(messages)
        self.field = field


def today() -> dt.date:
    """Nights are counted in the organisation's own time zone, not in UTC."""
    return local_date(utcnow())


def local_date(moment: dt.datetime) -> dt.date:
    """The local date of a stored (naive UTC) moment."""
    zone = ZoneInfo(current_app.config["HOUSING_TIME_ZONE"])
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).date()


def median(values: list) -> float | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def day(value: dt.date | None) -> str:
    return format_date(value, "medium") if value else "—"


def may_use_housing(user) -> bool:
    return user.has_any_role([Role.COORDINATOR, Role.ADMIN])


def may_act_for(user, person) -> bool:
    """Requests and placements belong to the person's case: their case team and admins act on them."""
    return person is not None and may_use_housing(user) and people.may_see_full(user, person)
