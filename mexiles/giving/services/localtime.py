"""Giving's calendar in SQL: the organisation's local days and months (mexiles.timeutil) as
bounds on stored (naive UTC) times.

A gift made at 11 pm on 31 December in El Paso belongs to that year's statement, and a campaign
ending "on the 30th" is open until midnight there, not at 6 pm.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, literal

from ...timeutil import from_local


def utc_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, as a naive UTC time to compare stored times with."""
    return from_local(day, dt.time.min)


def utc_noon(day: dt.date) -> dt.datetime:
    return from_local(day, dt.time(12))


def bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the local days ``since`` to ``until`` inclusive."""
    return utc_start(since), utc_start(until + dt.timedelta(days=1))


def _month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_of(column, since: dt.date, until: dt.date):
    """The local month ('YYYY-MM') of a stored time between two dates, as SQL: one comparison per
    month boundary, the same on PostgreSQL and SQLite (no time zone database needed in SQL)."""
    month = dt.date(since.year, since.month, 1)
    whens = []
    while month <= until:
        following = _month_after(month)
        whens.append((column < utc_start(following), literal(month.strftime("%Y-%m"))))
        month = following
    return case(*whens, else_=literal(until.strftime("%Y-%m")))
