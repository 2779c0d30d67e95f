"""Giving's calendar: dates as the organisation lives them (GIVING_TIME_ZONE, El Paso by default).

Gifts are stored in naive UTC. A gift made at 11 pm on 31 December in El Paso belongs to that year's
statement, and a campaign ending "on the 30th" is open until midnight there, not at 6 pm.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, literal

from ...timeutil import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["GIVING_TIME_ZONE"])


def local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time in local time."""
    return moment.replace(tzinfo=dt.UTC).astimezone(zone())


def local_date(moment: dt.datetime) -> dt.date:
    return local(moment).date()


def today() -> dt.date:
    return local_date(utcnow())


def utc_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day``, as a naive UTC time to compare stored times with."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone()).astimezone(dt.UTC).replace(tzinfo=None)


def utc_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone()).astimezone(dt.UTC).replace(tzinfo=None)


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
