"""The staff's tour calendar: a month or a week of events laid out by day in the organisation's zone.

The events come from the same query as the staff's event list (events.between), in one query with
their speakers, however many there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from babel import Locale
from flask_babel import get_locale

from ...timeutil import from_local, local_day, today
from . import events

VIEWS = ("month", "week")
# The calendar pages through these years only: a date beyond them is a typo, and past 9999 there is none.
FIRST_DAY, LAST_DAY = dt.date(1970, 1, 1), dt.date(9998, 12, 31)


@dataclass
class Day:
    date: dt.date
    in_period: bool  # False for the days of the next or previous month that fill a month's weeks
    events: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.date.isoformat()


@dataclass(frozen=True)
class Period:
    view: str
    first: dt.date
    last: dt.date
    weeks: list[list[Day]]
    previous: dt.date
    following: dt.date

    @property
    def days(self) -> list[Day]:
        """The period's own days (a month's, not its neighbours'), in order."""
        return [day for week in self.weeks for day in week if day.in_period]

    @property
    def count(self) -> int:
        return sum(len(day.events) for day in self.days)


def _first_week_day() -> int:
    return Locale.parse(str(get_locale() or "en")).first_week_day


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - _first_week_day()) % 7)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period(view: str, anchor: dt.date | None = None, speaker_id: int | None = None) -> Period:
    """The month or week (``view``) that holds ``anchor`` (the organisation's today if None), with its
    events on the local day they start, of one speaker or all."""
    anchor = min(max(anchor or today(), FIRST_DAY), LAST_DAY)
    if view == "week":
        first = _week_start(anchor)
        last = first + dt.timedelta(days=6)
        grid_start, grid_end = first, last
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        first = anchor.replace(day=1)
        last = _add_months(first, 1) - dt.timedelta(days=1)
        grid_start = _week_start(first)
        grid_end = _week_start(last) + dt.timedelta(days=6)
        previous, following = _add_months(first, -1), _add_months(first, 1)
    days = {}
    day = grid_start
    while day <= grid_end:
        days[day] = Day(day, first <= day <= last)
        day += dt.timedelta(days=1)
    since = from_local(grid_start, dt.time.min)
    until = from_local(grid_end + dt.timedelta(days=1), dt.time.min)
    for event in events.between(since, until, speaker_id):
        days[local_day(event.starts_at)].events.append(event)
    ordered = list(days.values())
    weeks = [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
    return Period("week" if view == "week" else "month", first, last, weeks, previous, following)
