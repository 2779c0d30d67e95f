"""Time as the database keeps it (naive UTC) and as the organisation lives it (ORG_TIME_ZONE).

The one place for the organisation's zone, its "today", and how a date or a time is written on a
page, in an email or in a PDF: the ``local_date``, ``local_datetime`` and ``local_time`` template
filters below (Babel, in the current language), which templates use instead of strftime; lengths of
time (``duration``) and time zones (``zone_name``) in words; and zones in a calendar file (``vtimezone``).
"""

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_interval, format_skeleton, get_timezone_location, get_timezone_name
from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_time, format_timedelta, get_locale
from ical.calendar import Calendar as ZoneCalendar
from ical.calendar_stream import IcsCalendarStream
from ical.timezone import Timezone as ZoneRules
from ical.tzif.timezoneinfo import TimezoneInfoError
from icalendar import Calendar, Component, Timezone
from sqlalchemy import case, literal


def utcnow() -> dt.datetime:
    """Naive UTC, as stored in the database (SQLite keeps no time zone)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def org_zone() -> ZoneInfo:
    """The organisation's zone: ORG_TIME_ZONE, which is also Babel's zone for every page."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) moment as an aware time in the organisation's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(org_zone())


def local_day(moment: dt.datetime) -> dt.date:
    """The organisation's calendar date of a stored moment (a gift at 8 pm on 31 December is that day's)."""
    return local(moment).date()


def today() -> dt.date:
    """The organisation's today: a deadline is due on its date where the staff work, not in UTC."""
    return dt.datetime.now(org_zone()).date()


def from_local(day: dt.date, time: dt.time) -> dt.datetime:
    """A wall-clock date and time in the organisation's zone, as the naive UTC the database keeps."""
    return dt.datetime.combine(day, time, tzinfo=org_zone()).astimezone(dt.UTC).replace(tzinfo=None)


def month_of(column, since: dt.date, until: dt.date):
    """The local month ('YYYY-MM') of a stored time between two dates, as SQL: one comparison per
    month boundary, the same on PostgreSQL and SQLite (no time zone database needed in SQL)."""
    month = dt.date(since.year, since.month, 1)
    whens = []
    while month <= until:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        whens.append((column < from_local(following, dt.time.min), literal(month.strftime("%Y-%m"))))
        month = following
    return case(*whens, else_=literal(until.strftime("%Y-%m")))


# --- Writing dates and times (pages, emails, PDFs) -------------------------------------------


def local_date(value: dt.date | dt.datetime | None, format: str = "medium") -> str:
    """A date, or the organisation's date of a stored moment, in the current language. ``format`` is a
    Babel width or pattern, or "weekday"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local_day(value)
    if format == "weekday":  # "Fri, Dec 4", "vie, 4 dic": the day of a week's calendar
        return format_skeleton("MMMEd", value, locale=get_locale())
    return format_date(value, format)


def local_date_range(first: dt.date, last: dt.date) -> str:
    """Two dates as one span, in the current language: "Nov 30 – Dec 6, 2026", "30 nov – 6 dic 2026"."""
    return format_interval(first, last, "yMMMd", locale=get_locale())


def local_datetime(value: dt.datetime | None, format: str = "short") -> str:
    """A stored moment in the organisation's zone. ``format`` is a Babel width, or "weekday"
    for "Wed, Dec 31, 2025, 8:00 PM MST" (appointments, where the day of the week and zone matter)."""
    if value is None:
        return ""
    if format == "weekday":
        moment, locale = local(value), get_locale()
        return f"{format_skeleton('yMMMEd', moment, locale=locale)}, {format_time(moment, 'short')} {moment.tzname()}"
    return format_datetime(value, format)


def local_time(value: dt.time | dt.datetime | None, format: str = "short") -> str:
    """A time of day (a wall-clock time as kept), or the organisation's time of a stored moment."""
    if value is None:
        return ""
    return format_time(value, format)


# --- Zones in calendar files (.ics) -------------------------------------------------------------


@cache
def _vtimezone_text(zone: str) -> str:
    try:
        rules = ZoneRules.from_tzif(zone)
    except (ValueError, TimezoneInfoError):
        # A zone the tzdata package lacks (e.g. "localtime"): icalendar's listed transitions, to 2038.
        return Timezone.from_tzid(zone).to_ical().decode()
    stream = IcsCalendarStream(vcalendar=[ZoneCalendar(vtimezone=[rules])])
    return Calendar.from_ical(stream.ics()).walk("VTIMEZONE")[0].to_ical().decode()


def vtimezone(zone: str) -> Component:
    """The VTIMEZONE of an IANA zone from the rule at the end of its TZif file ("MST7MDT,M3.2.0,M11.1.0"),
    as STANDARD and DAYLIGHT with yearly RRULEs, valid without an end year. icalendar's own
    (add_missing_timezones) lists dates up to 2038, and readers that build the zone from the file
    (vobject, Thunderbird) read daylight time an hour off from it; the `ical` library reads the rule."""
    return Timezone.from_ical(_vtimezone_text(zone))


def duration(length: dt.timedelta) -> str:
    """A length of time in words: "30 minutes", "2 hours", "2 hours 30 minutes" (never "0 hours")."""
    minutes = max(0, round(length.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = [format_timedelta(dt.timedelta(hours=hours), granularity="hour", threshold=2)] if hours else []
    if minutes or not hours:
        parts.append(format_timedelta(dt.timedelta(minutes=minutes), granularity="minute", threshold=2))
    return " ".join(parts)


# --- Time zones (the places of talks, the homes of speakers) ----------------------------------

# The zones offered first in a choice of zone: where talks and speakers mostly are.
COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Mexico_City",
    "America/Ciudad_Juarez",
    "America/Tijuana",
)


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_known(name: str | None) -> bool:
    """An IANA zone this machine's time zone database holds."""
    if not name or name not in _known_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_name(name: str | None) -> str:
    """An IANA zone in words, in the current language: "Mountain Time (Denver)", "hora de las
    Montañas Rocosas (Denver)"; Babel's names, so that any zone has them."""
    if name is None or not zone_known(name):
        return name or ""
    zone, locale = ZoneInfo(name), get_locale()
    words = get_timezone_name(zone, locale=locale)
    city = get_timezone_location(zone, locale=locale, return_city=True)
    return words if city in words else f"{words} ({city})"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        local_date=local_date,
        local_date_range=local_date_range,
        local_datetime=local_datetime,
        local_time=local_time,
        duration=duration,
        zone_name=zone_name,
    )
