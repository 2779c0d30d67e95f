"""The daily reminder: each user gets one email a day listing their due and overdue tasks.

A digest row (unique per user and day) is claimed before the email goes, so a cron that runs twice,
or two at once, sends nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import mail
from ...access import Role
from ...accounts import services as accounts
from ...extensions import db
from ...timeutil import today
from ..models import ReminderDigest
from . import deadlines

SUBJECT = _l("Your case deadlines for today")


def remind(on: dt.date | None = None) -> int:
    """Send today's reminders; returns how many emails went."""
    on = on or today()
    already = set(db.session.scalars(select(ReminderDigest.user_id).where(ReminderDigest.day == on)))
    sent = 0
    for user in accounts.users_with_role(Role.COORDINATOR) + accounts.users_with_role(Role.ADMIN):
        if user.id in already or not user.active:
            continue
        already.add(user.id)
        due = deadlines.for_reminder(user, on)
        if due and _claim(user.id, on):
            mail.send(
                user.email,
                SUBJECT,
                "people/email/reminder.txt",
                locale=user.locale or "en",
                key=f"people-remind:{user.id}:{on.isoformat()}",
                user=user,
                deadlines=due,
                day=on,
                case_url=lambda person_id: url_for("people.detail", person_id=person_id, _external=True),
            )
            sent += 1
        db.session.commit()
    return sent


def _claim(user_id: int, on: dt.date) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(ReminderDigest(user_id=user_id, day=on))
        return True
    except IntegrityError:
        return False
