"""Giving's calendar in SQL: the organisation's local days and months (mexiles.timeutil) as
bounds on stored (naive UTC) times.

A gift made at 11 pm on 31 December in El Paso belongs to that year's statement, and a campaign
ending "on the 30th" is open until midnight there, not at 6 pm.
"""

from __future__ import annotations

import datetime as dt

from ...timeutil import from_local, month_of

__all__ = ["bounds", "month_of", "utc_noon", "utc_start"]


def utc_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, as a naive UTC time to compare stored times with."""
    return from_local(day, dt.time.min)


def utc_noon(day: dt.date) -> dt.datetime:
    return from_local(day, dt.time(12))


def bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the local days ``since`` to ``until`` inclusive."""
    return utc_start(since), utc_start(until + dt.timedelta(days=1))
