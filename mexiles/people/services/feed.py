"""A user's private calendar of case deadlines (iCalendar), like the speakers' feed.

The URL holds a random secret; only its hash is kept, so a database leak gives no feed away, and a
reset makes the old URL stop at once. Calendars live on phones and in other companies' clouds: an
event names the deadline and the person's alias only, never a legal name, an address or a note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from ...access import is_staff
from ...accounts import services as accounts
from ...audit import services as audit
from ...extensions import db
from ...timeutil import org_zone, utcnow, vtimezone
from ..models import DeadlineFeed
from ..vocabulary import DEADLINES
from . import deadlines
from .common import SUBJECT

PRODID = "-//mexiles//case deadlines//EN"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def has_feed(user) -> bool:
    return db.session.get(DeadlineFeed, user.id) is not None


def reset(user) -> str:
    """A new secret for the user's feed URL; the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    feed = db.session.get(DeadlineFeed, user.id) or DeadlineFeed(user_id=user.id)
    feed.token_hash, feed.created_at = _digest(token), utcnow()
    db.session.add(feed)
    audit.record("case_feed.reset", "user", user.id)
    db.session.commit()
    return token


def owner_of(token: str):
    """The user whose feed this is, while they are active staff: a deactivated or demoted user's
    old URL must stop giving their cases' deadlines away."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(select(DeadlineFeed).where(DeadlineFeed.token_hash == _digest(token)))
    if feed is None:
        return None
    user = accounts.users_by_ids([feed.user_id])[0]
    return user if user.active and is_staff(user) else None


def calendar(user) -> bytes:
    """The feed itself, in the user's language; the deadlines it gives away are audited, one entry
    per person."""
    with force_locale(user.locale or "en"):
        return _calendar(user)


def _calendar(user) -> bytes:
    found = deadlines.for_feed(user)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("%(org)s: case deadlines", org=current_app.config["ORG_NAME"]))
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    if any(d.task.due_time for d in found):  # only a timed deadline is in the organisation's zone
        cal.add_component(vtimezone(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    for deadline in found:
        cal.add_component(_event(deadline))
    audit.record_each("case_feed.view", SUBJECT, sorted({d.task.person_id for d in found}), actor=user)
    db.session.commit()
    return cal.to_ical()


def _event(deadline: deadlines.Deadline) -> Event:
    task = deadline.task
    event = Event()
    event.add("uid", f"case-task-{task.id}@mexiles")
    event.add("dtstamp", utcnow().replace(tzinfo=dt.UTC))
    # A hand-made task's title is free text and may name anyone: the feed says "Task" instead.
    event.add("summary", f"{DEADLINES[task.source]} — {deadline.alias}")
    if task.due_time:
        start = dt.datetime.combine(task.due_on, task.due_time, tzinfo=org_zone())
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(hours=1))
    else:
        event.add("dtstart", task.due_on)
        event.add("dtend", task.due_on + dt.timedelta(days=1))
    event.add("status", "CONFIRMED")
    if task.done_on:
        event.add("x-mexiles-done", task.done_on.isoformat())
    event.add("url", url_for("people.deadlines", person_id=task.person_id, _external=True))
    return event
