"""Time as the database keeps it (naive UTC) and as the organisation lives it (ORG_TIME_ZONE)."""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> dt.datetime:
    """Naive UTC, as stored in the database (SQLite keeps no time zone)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def org_zone() -> ZoneInfo:
    """The organisation's zone: ORG_TIME_ZONE, which is also Babel's zone for every page."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def today() -> dt.date:
    """The organisation's today: a deadline is due on its date where the staff work, not in UTC."""
    return dt.datetime.now(org_zone()).date()

