"""Local times: events are stored in naive UTC with the IANA zone of the place they happen."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import get_locale


class NoSuchLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change."""


class OutOfRange(ValueError):
    """A date so far off that its UTC instant falls outside the calendar Python can hold."""


def to_utc(day: dt.date, time: dt.time, zone: str) -> dt.datetime:
    """The naive UTC instant of a wall-clock time in ``zone``; refuses times a clock change skips."""
    local = dt.datetime.combine(day, time, tzinfo=ZoneInfo(zone))
    try:
        utc = local.astimezone(dt.UTC)
    except OverflowError:  # e.g. 9999-12-31 in the evening west of Greenwich
        raise OutOfRange(zone) from None
    if utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NoSuchLocalTime(zone)
    return utc.replace(tzinfo=None)


def local(utc: dt.datetime, zone: str) -> dt.datetime:
    """An aware datetime in ``zone`` for a stored naive-UTC instant."""
    return utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))


def span(starts_at: dt.datetime, ends_at: dt.datetime, zone: str) -> str:
    """ "Saturday, November 1, 2025 · 7:00 PM – 8:30 PM MDT" in the page's language; a span across a
    clock change names both: "Sunday, March 9, 2031 · 1:00 AM MST – 4:00 AM MDT"."""
    start, end = local(starts_at, zone), local(ends_at, zone)
    locale = str(get_locale() or "en")
    text = f"{format_date(start.date(), 'full', locale=locale)} · {format_time(start, 'short', locale=locale)}"
    if start.utcoffset() != end.utcoffset():
        text += f" {start.tzname()}"
    if end.date() == start.date():
        text += f" – {format_time(end, 'short', locale=locale)}"
    else:
        text += f" – {format_date(end.date(), 'medium', locale=locale)} {format_time(end, 'short', locale=locale)}"
    return f"{text} {end.tzname()}"


def hours(starts_at: dt.datetime, ends_at: dt.datetime, zone: str) -> str:
    """ "7:00 PM – 8:30 PM", the zone named only when a clock change falls between ("1:00 AM MST – 4:00 AM
    MDT"): for a page that says once which zone its times are in."""
    start, end = local(starts_at, zone), local(ends_at, zone)
    locale = str(get_locale() or "en")
    first, last = format_time(start, "short", locale=locale), format_time(end, "short", locale=locale)
    if start.utcoffset() != end.utcoffset():
        return f"{first} {start.tzname()} – {last} {end.tzname()}"
    return f"{first} – {last}"


def local_days(starts_at: dt.datetime, ends_at: dt.datetime, zone: str) -> tuple[dt.date, dt.date]:
    return local(starts_at, zone).date(), local(ends_at, zone).date()
