import datetime as dt


def utcnow() -> dt.datetime:
    """Naive UTC, as stored in the database (SQLite keeps no time zone)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
