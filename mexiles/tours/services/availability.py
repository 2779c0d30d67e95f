"""The days a host may ask for a talk: the speakers' public profiles and, for one speaker or any who
fits, the next eight weeks. A day is free when a talk at any time of its talk hours, in any city,
meets the conflict rules (``conflicts.conflicts_between``, the coordinators' own): so a request for
a day shown free is accepted, unless the day was taken since, which ``check_request`` finds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...access import Role
from ...accounts import services as accounts
from ...extensions import db
from ...refusals import Refusal
from ...timeutil import utcnow
from ..models import Speaker, TourEvent, Unavailability
from ..vocabulary import LANGUAGES
from . import timing
from .conflicts import HOLDING, Conflict, conflicts_between, find_conflicts, travel_buffer
from .speakers import public_name

WEEKS = 8
# The hours a talk may fall in, in the host's zone: the day is free if all of them are.
TALK_HOURS = (dt.time(8), dt.time(22))
FREE, SOON, TAKEN = "free", "soon", "taken"


class NotFree(Refusal):
    """The time asked for is not one a talk can be asked for; the messages say why."""


# What the public is told of a conflict: never which event, where, or why a speaker is away.
PUBLIC_REASONS = {
    "overlap": _l("The speaker is already booked at that time."),
    "travel": _l("The speaker is travelling to or from another talk then."),
    "unavailable": _l("The speaker is not available that day."),
}


def public_reasons(conflicts: list[Conflict]) -> list[str]:
    reasons: list[str] = []
    for conflict in conflicts:
        reason = str(conflict.message if conflict.kind == "notice" else PUBLIC_REASONS[conflict.kind])
        if reason not in reasons:
            reasons.append(reason)
    return reasons


# --- The roster ----------------------------------------------------------------------------


def public_speakers() -> list[Speaker]:
    """The speakers the public page offers: those whose account is active and still a speaker's."""
    user_ids = [user.id for user in accounts.users_with_role(Role.SPEAKER)]
    if not user_ids:
        return []
    roster = db.session.scalars(select(Speaker).where(Speaker.user_id.in_(user_ids)))
    return sorted(roster, key=lambda s: public_name(s).casefold())


def topics_of(speaker: Speaker) -> list[str]:
    return [t.strip() for t in (speaker.topics or "").split(",") if t.strip()]


def all_topics(roster: list[Speaker]) -> list[str]:
    seen: dict[str, str] = {}
    for speaker in roster:
        for topic in topics_of(speaker):
            seen.setdefault(topic.casefold(), topic)
    return sorted(seen.values(), key=str.casefold)


def fitting(roster: list[Speaker], language: str, topic: str | None = None) -> list[Speaker]:
    """The speakers who give talks in ``language`` (and on ``topic``, if one is chosen)."""
    wanted = (topic or "").strip().casefold()
    return [
        s
        for s in roster
        if language in (s.languages or []) and (not wanted or wanted in {t.casefold() for t in topics_of(s)})
    ]


# --- Days ----------------------------------------------------------------------------------


def talk_hours(day: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The talk hours of ``day`` in ``zone``, as naive UTC (no clock change falls in them)."""
    return timing.to_utc(day, TALK_HOURS[0], zone), timing.to_utc(day, TALK_HOURS[1], zone)


def window(zone: str, now: dt.datetime) -> list[dt.date]:
    first = timing.local(now, zone).date()
    return [first + dt.timedelta(days=n) for n in range(WEEKS * 7)]


def day_states(candidates: list[Speaker], days: list[dt.date], zone: str) -> dict[dt.date, str]:
    """For each day: FREE if at least one candidate is, SOON if the notice alone stops it, else TAKEN.
    Every candidate's events and unavailable days are read at once: two queries, however many."""
    now = utcnow()
    if not candidates or not days:
        return {}
    ids = [s.id for s in candidates]
    start, end = talk_hours(days[0], zone)[0], talk_hours(days[-1], zone)[1]
    buffer = travel_buffer()
    holding: dict[int, list[TourEvent]] = {i: [] for i in ids}
    for event in db.session.scalars(
        select(TourEvent).where(
            TourEvent.speaker_id.in_(ids),
            TourEvent.status.in_(HOLDING),
            TourEvent.starts_at < end + buffer,
            TourEvent.ends_at > start - buffer,
        )
    ):
        holding[event.speaker_id].append(event)
    unavailable: dict[int, list[Unavailability]] = {i: [] for i in ids}
    for row in db.session.scalars(
        select(Unavailability).where(
            Unavailability.speaker_id.in_(ids),
            Unavailability.first_day <= days[-1] + dt.timedelta(days=1),
            Unavailability.last_day >= days[0] - dt.timedelta(days=1),
        )
    ):
        unavailable[row.speaker_id].append(row)
    states = {}
    for day in days:
        starts_at, ends_at = talk_hours(day, zone)
        kinds = [
            {
                c.kind
                for c in conflicts_between(s, starts_at, ends_at, zone, None, holding[s.id], unavailable[s.id], now)
            }
            for s in candidates
        ]
        states[day] = FREE if any(not k for k in kinds) else SOON if all("notice" in k for k in kinds) else TAKEN
    return states


def _kinds(speaker, starts_at, ends_at, zone, holding, unavailable, now) -> set[str]:
    """What speaks against the speaker on those talk hours, in a city not yet known."""
    return {c.kind for c in conflicts_between(speaker, starts_at, ends_at, zone, None, holding, unavailable, now)}


@dataclass(frozen=True)
class Availability:
    roster: list[Speaker]
    topics: list[str]
    chosen: Speaker | None  # None: any speaker who fits
    candidates: list[Speaker]
    zone: str
    weeks: list[list[tuple[dt.date, str] | None]]  # Monday to Sunday; None outside the window


def for_page(speaker_id: int | None, language: str, topic: str | None, zone: str) -> Availability:
    """The roster and the coming weeks' days for one speaker (an unknown id: any speaker), or for
    any speaker who gives talks in ``language`` on ``topic``."""
    roster = public_speakers()
    chosen = next((s for s in roster if s.id == speaker_id), None)
    candidates = [chosen] if chosen else fitting(roster, language, topic)
    days = window(zone, utcnow())
    states = day_states(candidates, days, zone)
    weeks: list[list[tuple[dt.date, str] | None]] = []
    monday = days[0] - dt.timedelta(days=days[0].weekday())
    while monday <= days[-1]:
        week = [monday + dt.timedelta(days=n) for n in range(7)]
        weeks.append([(d, states[d]) if d in states else None for d in week])
        monday += dt.timedelta(days=7)
    return Availability(roster, all_topics(roster), chosen, candidates, zone, weeks)


# --- Asking --------------------------------------------------------------------------------


def check_request(data: dict) -> None:
    """Refuse a host's request for a time no speaker it asks for can take (``speaker_id`` None: any
    who gives talks in the language), by the same rules as the coordinators' conflict check. When
    no speaker on the roster fits, only the notice is checked: the coordinators look further."""
    starts_at, ends_at, zone, city = data["starts_at"], data["ends_at"], data["time_zone"], data["city"]
    language = data["language"]
    roster = public_speakers()
    if data.get("speaker_id") is not None:
        speaker = next((s for s in roster if s.id == data["speaker_id"]), None)
        if speaker is None:
            raise NotFree(_l("Choose a speaker from the list."))
        if language not in (speaker.languages or []):
            raise NotFree(
                _l(
                    "%(speaker)s does not give talks in %(language)s: choose another language or another speaker.",
                    speaker=public_name(speaker),
                    language=LANGUAGES[language],
                )
            )
        conflicts = find_conflicts(speaker, starts_at, ends_at, zone, city)
        if conflicts:
            raise NotFree(*public_reasons(conflicts), _l("Choose a free day: the tour page shows them."))
        return
    candidates = fitting(roster, language)
    if not candidates:
        notice = conflicts_between(None, starts_at, ends_at, zone, city, [], [], utcnow())
        if notice:
            raise NotFree(*public_reasons(notice))
        return
    found = [find_conflicts(s, starts_at, ends_at, zone, city) for s in candidates]
    if any(not conflicts for conflicts in found):
        return
    notice = [c for c in found[0] if c.kind == "notice"]
    if notice and all(any(c.kind == "notice" for c in conflicts) for conflicts in found):
        raise NotFree(*public_reasons(notice))
    raise NotFree(
        _l("No speaker who gives talks in %(language)s is free at that time.", language=LANGUAGES[language]),
        _l("Choose a free day: the tour page shows them."),
    )
