"""What speaks against a speaker giving a talk at a time: ONE rule set. The coordinators' conflict
check before a booking (``find_conflicts``) and the public availability of the speakers both ask
``conflicts_between``; they differ only in how they fetch the speaker's events and unavailable days
(one speaker and one time here, every speaker and eight weeks at once there)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...crypto import normalise
from ...extensions import db
from ...refusals import Refusal
from ...timeutil import duration, local_date, utcnow
from ..models import TourEvent, Unavailability
from . import timing
from .speakers import public_name

# Events that hold the speaker's time (and so can clash with another). The database refuses two of
# them for one speaker at once: ex_tour_events_speaker_busy (PostgreSQL) or triggers (SQLite).
HOLDING = ("requested", "offered", "accepted", "confirmed", "done")


@dataclass(frozen=True)
class Conflict:
    kind: str  # overlap | travel | notice | unavailable
    key: str  # identifies the conflict so that an override covers exactly it
    message: str

    @property
    def overridable(self) -> bool:
        # Being in two places at once cannot be waved through; the rest is a judgement call.
        return self.kind != "overlap"


class ConflictsFound(Refusal):
    def __init__(self, conflicts: list[Conflict]):
        super().__init__("conflicts")
        self.conflicts = conflicts
        self.overridable = all(c.overridable for c in conflicts)


def travel_buffer() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["TOURS_TRAVEL_BUFFER_HOURS"])


def conflicts_between(
    speaker,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    zone: str,
    city: str | None,
    holding: Iterable[TourEvent],
    unavailable: Iterable[Unavailability],
    now: dt.datetime,
    check_notice: bool = True,
) -> list[Conflict]:
    """Everything that speaks against ``speaker`` giving a talk from ``starts_at`` to ``ends_at``
    (naive UTC) in ``city``, given the speaker's events that hold their time and their unavailable
    days (any superset: those that do not bear on the time are passed over): another booking at the
    same time, too little time to travel from or to another city, too little notice at ``now``, or a
    day the speaker marked unavailable. An unknown ``city`` (None) is another city than every event's."""
    config = current_app.config
    buffer = travel_buffer()
    conflicts = []
    nearby = sorted(
        (e for e in holding if e.starts_at < ends_at + buffer and e.ends_at > starts_at - buffer),
        key=lambda e: (e.starts_at, e.id),
    )
    for other in nearby:
        when = timing.span(other.starts_at, other.ends_at, other.time_zone)
        if other.starts_at < ends_at and other.ends_at > starts_at:
            conflicts.append(
                Conflict(
                    "overlap",
                    f"overlap:{other.id}",
                    _l(
                        "%(speaker)s is already booked at that time: “%(title)s”, %(when)s.",
                        speaker=public_name(speaker),
                        title=other.title,
                        when=when,
                    ),
                )
            )
        elif city is None or normalise(other.city) != normalise(city):
            gap = max(other.starts_at - ends_at, starts_at - other.ends_at)
            conflicts.append(
                Conflict(
                    "travel",
                    f"travel:{other.id}",
                    _l(
                        "Only %(gap)s to travel between %(city)s and “%(title)s” in %(other_city)s (%(when)s); "
                        "at least %(buffer)s are needed between cities.",
                        gap=duration(gap),
                        city=city or "?",
                        title=other.title,
                        other_city=other.city,
                        when=when,
                        buffer=duration(dt.timedelta(hours=config["TOURS_TRAVEL_BUFFER_HOURS"])),
                    ),
                )
            )
    notice_days = config["TOURS_MIN_NOTICE_DAYS"]
    if check_notice and starts_at - now < dt.timedelta(days=notice_days):
        conflicts.append(
            Conflict(
                "notice",
                "notice",
                _l("This is less than %(days)s days away; speakers need at least that much notice.", days=notice_days),
            )
        )
    first_day, last_day = timing.local_days(starts_at, ends_at, zone)
    for row in sorted(unavailable, key=lambda r: (r.first_day, r.id)):
        if row.first_day <= last_day and row.last_day >= first_day:
            conflicts.append(
                Conflict(
                    "unavailable",
                    f"unavailable:{row.id}",
                    _l(
                        "%(speaker)s marked %(first)s to %(last)s as unavailable.",
                        speaker=public_name(speaker),
                        first=local_date(row.first_day, "long"),
                        last=local_date(row.last_day, "long"),
                    ),
                )
            )
    return conflicts


def find_conflicts(
    speaker,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    zone: str,
    city: str | None,
    event_id: int | None = None,
    check_notice: bool = True,
) -> list[Conflict]:
    """The coordinators' conflict check: ``conflicts_between`` for one speaker and one time, with
    what bears on it read from the database (``event_id``, the event being changed, left out)."""
    buffer = travel_buffer()
    holding = db.session.scalars(
        select(TourEvent).where(
            TourEvent.speaker_id == speaker.id,
            TourEvent.status.in_(HOLDING),
            TourEvent.id != (event_id or 0),
            TourEvent.starts_at < ends_at + buffer,
            TourEvent.ends_at > starts_at - buffer,
        )
    )
    first_day, last_day = timing.local_days(starts_at, ends_at, zone)
    unavailable = db.session.scalars(
        select(Unavailability).where(
            Unavailability.speaker_id == speaker.id,
            Unavailability.first_day <= last_day,
            Unavailability.last_day >= first_day,
        )
    )
    return conflicts_between(
        speaker, starts_at, ends_at, zone, city, list(holding), list(unavailable), utcnow(), check_notice
    )
