"""Reminders before confirmed events: each of speaker and host is reminded exactly once."""

from __future__ import annotations

import datetime as dt
from typing import cast

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, or_, select, update

from ... import mail
from ...audit import services as audit
from ...extensions import db
from ...timeutil import utcnow
from ..models import TourEvent
from .events import SUBJECT, donation_url
from .speakers import public_name


def send_reminders() -> int:
    """Queue the reminders of each confirmed event within TOURS_REMINDER_DAYS for speaker and host,
    each exactly once, even if two runs overlap. Returns how many were queued."""
    now = utcnow()
    horizon = now + dt.timedelta(days=current_app.config["TOURS_REMINDER_DAYS"])
    due = db.session.scalars(
        select(TourEvent)
        .where(
            TourEvent.status == "confirmed",
            TourEvent.starts_at > now,
            TourEvent.starts_at <= horizon,
            or_(TourEvent.speaker_reminded_at.is_(None), TourEvent.host_reminded_at.is_(None)),
        )
        .order_by(TourEvent.starts_at)
    ).all()
    queued = 0
    for event in due:
        for column, remind in (
            (TourEvent.speaker_reminded_at, _remind_speaker),
            (TourEvent.host_reminded_at, _remind_host),
        ):
            queued += _once(event, column, remind, now)
    return queued


def _once(event: TourEvent, column, remind, now: dt.datetime) -> bool:
    """Claim the reminder with a conditional UPDATE (only one run wins it) and queue its mail in the
    same transaction: the outbox delivers it, retrying until the mail server takes it."""
    claim = cast(
        CursorResult,
        db.session.execute(
            update(TourEvent)
            .where(TourEvent.id == event.id, column.is_(None))
            .values({column: now})
            .execution_options(synchronize_session=False)
        ),
    )
    if claim.rowcount != 1:
        db.session.rollback()
        return False  # already reminded, or another run is queuing it right now
    queued = remind(event)  # False: this reminder of this time was queued before (its key)
    if queued:
        audit.record("tour_event.reminded", SUBJECT, event.id, to=column.key.removesuffix("_reminded_at"))
    db.session.commit()
    return queued


def _remind_speaker(event: TourEvent) -> bool:
    speaker_user = event.speaker.user
    return mail.send(
        speaker_user.email,
        _l("Reminder: your talk is coming up"),
        "tours/email/reminder_speaker.txt",
        key=f"tours.reminder_speaker:{event.id}:{event.sequence}",
        locale=speaker_user.locale,
        event=event,
        zone=event.speaker.time_zone,
        link=url_for("tours.my_event", event_id=event.id, _external=True),
    )


def _remind_host(event: TourEvent) -> bool:
    return mail.send(
        event.host_email,
        _l("Reminder: your speaking event is coming up"),
        "tours/email/reminder_host.txt",
        key=f"tours.reminder_host:{event.id}:{event.sequence}",
        locale=event.host_locale,
        event=event,
        speaker_name=public_name(event.speaker),
        donation_url=donation_url(event),
    )
