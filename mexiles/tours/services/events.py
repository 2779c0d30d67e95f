"""Tour events: the steps of their life, the conflicts that stop a booking, outcomes and reminders."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ... import mail
from ...access import Role, is_staff
from ...accounts import services as accounts
from ...audit import services as audit
from ...extensions import db
from ...giving import services as giving
from ...people.services import TimelineEntry
from ...refusals import Refusal
from ...timeutil import utcnow
from ..models import BookingRequest, ConflictOverride, EventStep, Speaker, SpeakerPerson, TourEvent
from ..vocabulary import STATUS_LABELS
from . import calendar, speakers, timing
from .conflicts import Conflict, ConflictsFound, find_conflicts
from .speakers import public_name

SUBJECT = "tour_event"
PAGE_SIZE = 50
COORDINATOR, SPEAKER = "coordinator", "speaker"

# Which step may follow which, and who takes it: the coordinators, or the event's own speaker.
TRANSITIONS = {
    ("requested", "offered"): COORDINATOR,
    ("requested", "cancelled"): COORDINATOR,
    ("offered", "accepted"): SPEAKER,
    ("offered", "declined"): SPEAKER,
    ("offered", "cancelled"): COORDINATOR,
    ("accepted", "confirmed"): COORDINATOR,
    ("accepted", "cancelled"): COORDINATOR,
    ("confirmed", "done"): COORDINATOR,
    ("confirmed", "cancelled"): COORDINATOR,
    ("declined", "requested"): COORDINATOR,  # start again, perhaps with another speaker
}
REASON_REQUIRED = {"declined", "cancelled"}
# Steps that commit the speaker's time: conflicts are looked for again before them.
CHECKED_STEPS = {"offered", "accepted", "confirmed"}
BUSY_CONSTRAINT = "ex_tour_events_speaker_busy"
EDITABLE = ("requested", "offered", "accepted", "confirmed", "declined")
SPEAKER_CHANGEABLE = ("requested", "declined")
PUBLIC_STATUSES = ("confirmed", "done")
PRINTABLE_FOR_SPEAKER = ("accepted", "confirmed", "done")
EVENT_FIELDS = (
    "speaker_id",
    "title",
    "starts_at",
    "ends_at",
    "time_zone",
    "city",
    "venue",
    "listed",
    "organisation",
    "host_name",
    "host_email",
    "host_locale",
    "language",
    "expected_audience",
    "honorarium_offered_cents",
)
TIMING_FIELDS = {"speaker_id", "starts_at", "ends_at", "time_zone", "city", "venue", "title"}
# A change of these is a new event for whoever already said yes: the speaker is asked again, the host
# of a confirmed event gets an updated invitation.
MOVING_FIELDS = {"starts_at", "ends_at", "time_zone", "city"}


class StepRefused(Refusal):
    """A step or change that is not allowed, with a message for the user."""


def _unresolved(event: TourEvent | None, conflicts: list[Conflict]) -> list[Conflict]:
    """The conflicts no earlier override of this event already covers."""
    covered = {key for o in (event.overrides if event is not None else []) for key in o.conflicts}
    return [c for c in conflicts if c.key not in covered]


def _refuse_unless_overridable(conflicts: list[Conflict], override_reason: str | None) -> None:
    """Conflicts stop the change, unless all may be overridden and a reason for doing so is given."""
    if conflicts and (not all(c.overridable for c in conflicts) or not (override_reason or "").strip()):
        raise ConflictsFound(conflicts)


def _record_override(event: TourEvent, conflicts: list[Conflict], reason: str | None, by) -> None:
    keys = [c.key for c in conflicts]  # reason is given: _refuse_unless_overridable saw to it
    event.overrides.append(
        ConflictOverride(conflicts=keys, reason=(reason or "").strip(), actor_id=getattr(by, "id", None))
    )
    audit.record("tour_event.override", SUBJECT, event.id, actor=by, conflicts=keys)


# --- Reading -------------------------------------------------------------------------------


def get(event_id: int) -> TourEvent | None:
    return db.session.get(
        TourEvent,
        event_id,
        options=[selectinload(TourEvent.steps).joinedload(EventStep.actor), selectinload(TourEvent.overrides)],
    )


def view(event: TourEvent, by) -> None:
    """A look at an event with its host's contact details and the reasons given: audited."""
    audit.record("tour_event.view", SUBJECT, event.id, actor=by)
    db.session.commit()


def view_in_feed(events) -> None:
    """The speaker's calendar feed carries the hosts' contact details: each event read is audited."""
    audit.record_each("tour_event.feed", SUBJECT, [e.id for e in events])
    db.session.commit()


def history_names(event: TourEvent) -> dict[int, str]:
    """Who took each step, by user id. A speaker's account name is often their legal name, so every
    speaker (the event's own, or an earlier one who declined) is named by their public name."""
    actors = {s.actor.id: s.actor for s in event.steps if s.actor is not None}
    names = {user_id: user.display_name for user_id, user in actors.items()}
    names.update(speakers.public_names_by_user(actors))
    return names


def for_speaker(user, event_id: int) -> TourEvent | None:
    """The event if it was offered to this speaker; None for anyone else's (the view answers 404)."""
    event = get(event_id)
    if event is None or event.speaker.user_id != user.id or event.offered_at is None:
        return None
    return event


def printable_for_speaker(user, event_id: int) -> TourEvent | None:
    """The speaker's own event once they said yes: only then is there a room to print a QR code for."""
    event = for_speaker(user, event_id)
    if event is None or event.status not in PRINTABLE_FOR_SPEAKER:
        return None
    return event


def _staff_query(
    when: str = "upcoming",
    status: str = "",
    speaker_id: int | None = None,
    between: tuple[dt.datetime, dt.datetime] | None = None,
):
    """The events staff see, as the list and the calendar both ask for them (each event's speaker is
    joined in): coming, past or all; of one status, of one speaker, or starting in a period (naive UTC)."""
    query = select(TourEvent)
    now = utcnow()
    if between is not None:
        since, until = between
        query = query.where(TourEvent.starts_at >= since, TourEvent.starts_at < until)
        query = query.order_by(TourEvent.starts_at, TourEvent.id)
    elif when == "upcoming":
        query = query.where(TourEvent.ends_at >= now).order_by(TourEvent.starts_at, TourEvent.id)
    elif when == "past":
        query = query.where(TourEvent.ends_at < now).order_by(TourEvent.starts_at.desc(), TourEvent.id.desc())
    else:
        query = query.order_by(TourEvent.starts_at.desc(), TourEvent.id.desc())
    if status in STATUS_LABELS:
        query = query.where(TourEvent.status == status)
    if speaker_id:
        query = query.where(TourEvent.speaker_id == speaker_id)
    return query


def listing(when: str = "upcoming", status: str = "", page: int = 1):
    return db.paginate(_staff_query(when, status), page=page, per_page=PAGE_SIZE, error_out=False)


def between(since: dt.datetime, until: dt.datetime, speaker_id: int | None = None) -> list[TourEvent]:
    """Every event (any status) that starts in the period, soonest first: what the staff calendar shows."""
    return list(db.session.scalars(_staff_query(speaker_id=speaker_id, between=(since, until))))


def public_upcoming(limit: int = 100) -> list[TourEvent]:
    return list(
        db.session.scalars(
            select(TourEvent)
            .where(TourEvent.listed, TourEvent.status == "confirmed", TourEvent.ends_at >= utcnow())
            .order_by(TourEvent.starts_at, TourEvent.id)
            .limit(limit)
        )
    )


def public_event(event_id: int) -> TourEvent | None:
    event = db.session.get(TourEvent, event_id)
    if event is None or not event.listed or event.status not in PUBLIC_STATUSES:
        return None
    return event


@dataclass
class PublicTalk:
    """What another domain's public page may say of a listed event (the donate page it credits)."""

    title: str
    when: str  # its date and times in its own zone, in the page's language
    speaker: str  # the speaker's public name
    url: str  # its public page


def public_talk(event_id: int) -> PublicTalk | None:
    event = public_event(event_id)
    if event is None:
        return None
    return PublicTalk(
        title=event.title,
        when=timing.span(event.starts_at, event.ends_at, event.time_zone),
        speaker=public_name(event.speaker),
        url=url_for("tours.public_event", event_id=event.id),
    )


def speaker_events(speaker) -> list[TourEvent]:
    """Everything ever offered to the speaker, soonest first, past events last."""
    events = list(
        db.session.scalars(
            select(TourEvent)
            .where(TourEvent.speaker_id == speaker.id, TourEvent.offered_at.is_not(None))
            .order_by(TourEvent.starts_at, TourEvent.id)
        )
    )
    now = utcnow()
    return [e for e in events if e.ends_at >= now] + [e for e in reversed(events) if e.ends_at < now]


def timeline_for_person(person_id: int, viewer, limit: int) -> list[TimelineEntry]:
    """The talks a person served gave or will give as a speaker, for their case file: one query."""
    events = db.session.scalars(
        select(TourEvent)
        .join(SpeakerPerson, SpeakerPerson.speaker_id == TourEvent.speaker_id)
        .where(SpeakerPerson.person_id == person_id, TourEvent.status.in_(("confirmed", "done")))
        .order_by(TourEvent.starts_at.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(
            event.starts_at,
            str(_l("Speaking tour")),
            f"{event.title} — {event.organisation}, {event.city} ({STATUS_LABELS[event.status]})",
            url_for("tours.event", event_id=event.id),
        )
        for event in events
    ]


def donation_url(event: TourEvent) -> str:
    return url_for("giving.donate", event=event.id, _external=True)


def allowed_steps(event: TourEvent, side: str) -> list[str]:
    return [to for (frm, to), who in TRANSITIONS.items() if frm == event.status and who == side]


# --- Creating and changing -----------------------------------------------------------------


def save(
    event: TourEvent | None, data: dict, by, override_reason: str | None = None, request: BookingRequest | None = None
) -> TourEvent:
    """Create an event (``event`` None) or change one, refusing conflicts unless overridden."""
    creating = event is None
    if event is None:
        changed = [k for k in EVENT_FIELDS if data.get(k) is not None]
    else:
        if event.status not in EDITABLE:
            raise StepRefused(
                _l("A %(status)s event can no longer be changed.", status=str(STATUS_LABELS[event.status]).lower())
            )
        changed = [k for k in EVENT_FIELDS if k in data and getattr(event, k) != data[k]]
        if "speaker_id" in changed and event.status not in SPEAKER_CHANGEABLE:
            raise StepRefused(_l("The speaker can be changed only before the offer, or after they declined."))
    speaker = speakers.get(data["speaker_id"]) if "speaker_id" in data else getattr(event, "speaker", None)
    if speaker is None:
        raise StepRefused(_l("Choose a speaker from the list."))
    reschedule = creating or bool(TIMING_FIELDS & set(changed))
    conflicts = []
    if reschedule:
        _hold(speaker)
        conflicts = _unresolved(
            event,
            find_conflicts(
                speaker,
                data["starts_at"],
                data["ends_at"],
                data["time_zone"],
                data["city"],
                event_id=None if event is None else event.id,
                check_notice=creating or bool({"starts_at", "ends_at"} & set(changed)),
            ),
        )
        _refuse_unless_overridable(conflicts, override_reason)
    moved = not creating and bool(MOVING_FIELDS & set(changed))
    if event is None:
        event = TourEvent(request=request, **{k: data[k] for k in changed})
        db.session.add(event)
        with _speaker_busy_refused():
            db.session.flush()
        event.steps.append(EventStep(from_status=None, to_status="requested", actor_id=by.id))
        if request is not None:
            request.status = "scheduled"
        audit.record("tour_event.create", SUBJECT, event.id, actor=by, request=getattr(request, "id", None))
    elif changed:
        for key in changed:
            setattr(event, key, data[key])
        if "speaker_id" in changed:
            event.offered_at = None  # not the new speaker's until it is offered to them
            if event.status == "declined":
                _step(event, "requested", by, None)
        if moved and event.status == "accepted":
            _step(event, "offered", by, None)  # they said yes to another time or place: ask again
        if reschedule:
            event.sequence += 1
            event.speaker_reminded_at = event.host_reminded_at = None  # a new time deserves new reminders
        elif moved:
            event.sequence += 1  # calendar apps take a new city only with a higher SEQUENCE; so do our mail keys
        audit.record("tour_event.update", SUBJECT, event.id, actor=by, fields=changed)
    if conflicts:
        _record_override(event, conflicts, override_reason, by)
    _commit(lambda: _tell_moved(event) if moved else None)
    return event


def _hold(speaker) -> None:
    """Lock the speaker's row until commit, before looking for conflicts: two coordinators booking one
    speaker at the same moment are served one after the other, and the second one's conflict check
    sees the first one's event (PostgreSQL; SQLite lets one writer in at a time anyway). NO KEY: the
    speaker's events and unavailable days may still refer to the row meanwhile."""
    db.session.execute(select(Speaker.id).where(Speaker.id == speaker.id).with_for_update(key_share=True))


@contextmanager
def _speaker_busy_refused():
    """The database's guard against a speaker held twice, as a refusal with a message."""
    try:
        yield
    except IntegrityError as error:
        if BUSY_CONSTRAINT not in str(error.orig):
            raise
        db.session.rollback()
        raise StepRefused(_l("The speaker was just booked for that time by someone else.")) from None


def _commit(tell=lambda: None) -> None:
    """Save, queue the mail the change calls for, and commit them together."""
    with _speaker_busy_refused():
        db.session.flush()  # the database's guard speaks here, before any mail is queued
        tell()
        db.session.commit()


def move(event: TourEvent, to: str, by, reason: str | None = None, override_reason: str | None = None) -> None:
    """Take one step in the event's life, if the transition table allows it and ``by`` may take it."""
    side = TRANSITIONS.get((event.status, to))
    if side is None:
        raise StepRefused(
            _l(
                "An event that is “%(status)s” cannot become “%(to)s”.",
                status=STATUS_LABELS[event.status],
                to=STATUS_LABELS.get(to, to),
            )
        )
    if not _may_take(by, side, event):
        raise StepRefused(
            _l("Only the speaker can accept or decline an offer.")
            if side == SPEAKER
            else _l("Only a coordinator can take this step.")
        )
    reason = (reason or "").strip() or None
    if to in REASON_REQUIRED and not reason:
        raise StepRefused(_l("Please give a reason."))
    if to == "done" and event.ends_at > utcnow():
        raise StepRefused(_l("An event can be marked as done only after it has ended."))
    conflicts = []
    if to in CHECKED_STEPS or to == "requested":
        _hold(event.speaker)
        conflicts = _unresolved(
            event,
            find_conflicts(
                event.speaker,
                event.starts_at,
                event.ends_at,
                event.time_zone,
                event.city,
                event_id=event.id,
                check_notice=False,
            ),
        )
        if to == "requested":
            # Starting again holds the time anew; what else speaks against it is weighed at the offer.
            conflicts = [c for c in conflicts if c.kind == "overlap"]
        # A speaker cannot override a conflict; their coordinator can.
        _refuse_unless_overridable(conflicts, override_reason if side == COORDINATOR else None)
    _step(event, to, by, reason)
    if conflicts:
        _record_override(event, conflicts, override_reason, by)
    _commit(lambda: _tell(event, to))


def cancel_for_host(event: TourEvent, reason: str) -> bool:
    """The host withdrew the request: the event is cancelled by no one of ours, and the speaker who
    was offered it is told. The caller commits (with the withdrawal). False if it was over already."""
    if (event.status, "cancelled") not in TRANSITIONS:
        return False
    _step(event, "cancelled", None, reason)
    if event.offered_at is not None:
        speaker_user = event.speaker.user
        mail.send(
            speaker_user.email,
            _l("A speaking event is cancelled"),
            "tours/email/cancelled.txt",
            key=f"tours.cancelled:{event.id}:{event.sequence}",
            locale=speaker_user.locale,
            event=event,
            speaker_name=public_name(event.speaker),
        )
    return True


def _may_take(user, side: str, event: TourEvent) -> bool:
    if side == SPEAKER:
        return event.speaker.user_id == user.id
    return is_staff(user)


def _step(event: TourEvent, to: str, by, reason: str | None) -> None:
    before = event.status
    event.status = to
    if to == "offered" and event.offered_at is None:
        event.offered_at = utcnow()
    elif to == "requested":
        event.offered_at = None  # starting again: no longer the decliner's to see, until offered anew
    event.sequence += 1
    event.steps.append(EventStep(from_status=before, to_status=to, actor_id=getattr(by, "id", None), reason=reason))
    audit.record("tour_event.status", SUBJECT, event.id, actor=by, before=before, after=to)


def _tell(event: TourEvent, to: str) -> None:
    """Mail the people a step concerns, each in their own language (queued with the step)."""
    speaker_user = event.speaker.user
    key = f"tours.{to}:{event.id}:{event.sequence}"
    if to == "offered":
        mail.send(
            speaker_user.email,
            _l("A speaking event is offered to you"),
            "tours/email/offered.txt",
            key=key,
            locale=speaker_user.locale,
            event=event,
            link=url_for("tours.my_event", event_id=event.id, _external=True),
        )
    elif to in ("accepted", "declined"):
        for coordinator in coordinators_of(event):
            mail.send(
                coordinator.email,
                _l("The speaker answered an offer"),
                "tours/email/answered.txt",
                key=key,
                locale=coordinator.locale,
                event=event,
                speaker_name=public_name(event.speaker),
                status=STATUS_LABELS[to],
                link=url_for("tours.event", event_id=event.id, _external=True),
            )
    elif to == "confirmed":
        invite = calendar.event_file(event, for_speaker=False)
        mail.send(
            event.host_email,
            _l("Your speaking event is confirmed"),
            "tours/email/confirmed_host.txt",
            key=key,
            locale=event.host_locale,
            attachments=[("event.ics", invite, "text/calendar")],
            event=event,
            speaker_name=public_name(event.speaker),
            donation_url=donation_url(event),
        )
    elif to == "cancelled":
        mail.send(
            event.host_email,
            _l("A speaking event is cancelled"),
            "tours/email/cancelled.txt",
            key=key,
            locale=event.host_locale,
            event=event,
            speaker_name=public_name(event.speaker),
        )
        if event.offered_at is not None:
            mail.send(
                speaker_user.email,
                _l("A speaking event is cancelled"),
                "tours/email/cancelled.txt",
                key=key,
                locale=speaker_user.locale,
                event=event,
                speaker_name=public_name(event.speaker),
            )


def _tell_moved(event: TourEvent) -> None:
    """The time or city changed: the speaker who was offered it is asked (again); the host of a
    confirmed event gets an updated invitation, whose higher SEQUENCE replaces the old one."""
    if event.status not in ("offered", "confirmed"):
        return
    speaker_user = event.speaker.user
    key = f"tours.changed:{event.id}:{event.sequence}"
    mail.send(
        speaker_user.email,
        _l("A speaking event has changed"),
        "tours/email/changed_speaker.txt",
        key=key,
        locale=speaker_user.locale,
        event=event,
        ask=event.status == "offered",
        link=url_for("tours.my_event", event_id=event.id, _external=True),
    )
    if event.status == "confirmed":
        invite = calendar.event_file(event, for_speaker=False)
        mail.send(
            event.host_email,
            _l("Your speaking event has changed"),
            "tours/email/changed_host.txt",
            key=key,
            locale=event.host_locale,
            attachments=[("event.ics", invite, "text/calendar")],
            event=event,
            speaker_name=public_name(event.speaker),
        )


def coordinators_of(event: TourEvent) -> list:
    """Who set the event up, else every coordinator."""
    creator = next((s.actor for s in event.steps if s.from_status is None and s.actor), None)
    return [creator] if creator else accounts.users_with_role(Role.COORDINATOR)


def record_outcome(event: TourEvent, data: dict, by) -> list[str]:
    """Attendance, honorarium received and travel costs, once the event took place."""
    if event.status not in ("confirmed", "done") or event.starts_at > utcnow():
        raise StepRefused(_l("The outcome can be recorded once a confirmed event has begun."))
    fields = ("attendance", "honorarium_received_cents", "travel_costs_cents")
    changed = [k for k in fields if getattr(event, k) != data.get(k)]
    for key in changed:
        setattr(event, key, data.get(key))
    if changed:
        audit.record("tour_event.outcome", SUBJECT, event.id, actor=by, fields=changed)
    db.session.commit()
    return changed


# --- Gifts credited to an event ------------------------------------------------------------


@dataclass(frozen=True)
class GiftCredit:
    count: int = 0
    gross_cents: int = 0
    net_cents: int = 0


def gifts_credited(event_ids: list[int]) -> dict[int, GiftCredit]:
    """Gifts made through each event's donation link (``/give/?event=<id>``), by event id, as the
    giving domain counts them (succeeded and not fully refunded)."""
    totals = giving.event_gift_totals(event_ids)
    return {event_id: GiftCredit(*totals.get(event_id, (0, 0, 0))) for event_id in event_ids}
