"""Nothing falls through (the needs-attention list and its reminders) and what the referrals achieved."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from ... import mail, timeutil
from ...access import Role
from ...audit import services as audit
from ...extensions import db
from ...people import services as people
from ...timeutil import from_local, today, utcnow
from ..models import Appointment, Referral
from .common import SUBJECT, days
from .steps import ENDED, OPEN

# --- Needs attention -----------------------------------------------------------------------

# How many of them the coordinator's home lists (the attention page has them all).
HOME_ITEMS = 5


def _attention_conditions() -> dict:
    """Why an open referral needs someone's attention now, as SQL conditions (one place)."""
    return {
        "crisis": and_(Referral.urgency == "crisis", Referral.status.in_(("new", "sent"))),
        "overdue": and_(Referral.status.in_(OPEN), Referral.follow_up_on < today()),
        "unanswered": and_(
            Referral.status == "sent", Referral.status_changed_at < utcnow() - days("CARE_UNANSWERED_DAYS")
        ),
    }


@dataclass
class AttentionRow:
    referral: Referral
    person: Any  # the people domain's Person; its public API does not name the type
    reasons: list[str]


def _attention(scope=None, limit: int | None = None) -> list[AttentionRow]:
    """Crisis first, then by follow-up date; ``limit`` keeps only the first ones."""
    conditions = _attention_conditions()
    query = (
        select(Referral, *[c.label(name) for name, c in conditions.items()])
        .options(selectinload(Referral.provider))
        .where(or_(*conditions.values()))
        .order_by(case((conditions["crisis"], 0), else_=1), Referral.follow_up_on, Referral.id)
        .limit(limit)
    )
    if scope is not None:
        query = query.where(Referral.person_id.in_(scope))
    found = db.session.execute(query).all()
    persons = people.get_many(row[0].person_id for row in found)
    return [
        AttentionRow(row[0], persons.get(row[0].person_id), [n for n in conditions if getattr(row, n)]) for row in found
    ]


def needs_attention(user) -> list[AttentionRow]:
    rows = _attention(people.full_view_ids(user))
    if rows:
        audit.record_each("referrals.attention", SUBJECT, [r.referral.id for r in rows])
    db.session.commit()
    return rows


@dataclass
class AttentionSummary:
    """The first few referrals that need attention, and how many there are in all."""

    rows: list[AttentionRow]
    total: int


def attention_summary(user, limit: int = HOME_ITEMS) -> AttentionSummary:
    """For the coordinator's home: a fixed number of queries, however many referrals wait."""
    scope = people.full_view_ids(user)
    total = (
        db.session.scalar(
            select(func.count(Referral.id)).where(or_(*_attention_conditions().values()), Referral.person_id.in_(scope))
        )
        or 0
    )
    rows = _attention(scope, limit=limit) if total else []
    if rows:
        audit.record_each("referrals.attention", SUBJECT, [r.referral.id for r in rows], where="home")
    db.session.commit()
    return AttentionSummary(rows, total)


def remind_coordinators() -> list[tuple[str, int]]:
    """Queue for each coordinator the referrals of their cases that need attention, in their language;
    once a day each. Returns (email, referral count) of the reminders queued."""
    by_coordinator = defaultdict(list)
    coordinators = {}
    for row in _attention():
        for member in row.person.team:
            if member.active and member.has_role(Role.COORDINATOR):
                coordinators[member.id] = member
                by_coordinator[member.id].append(row)
    link = mail.link("care.attention")
    queued = []
    for user_id, rows in sorted(by_coordinator.items()):
        user = coordinators[user_id]
        links = (
            {r.referral.id: mail.link("care.referral_detail", referral_id=r.referral.id) for r in rows} if link else {}
        )
        if mail.send(
            user.email,
            _l("Counseling referrals that need your attention"),
            "care/email/attention.txt",
            key=f"care.attention:{today().isoformat()}:{user.id}",
            locale=user.locale,
            user=user,
            rows=rows,
            link=link,
            links=links,
        ):
            audit.record_each("referrals.reminded", SUBJECT, [r.referral.id for r in rows], to_user=user.id)
            queued.append((user.email, len(rows)))
    db.session.commit()
    return queued


# --- Outcomes ------------------------------------------------------------------------------


def _utc_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The naive UTC instants that start ``since`` and end ``until`` in the local calendar."""
    return from_local(since, dt.time.min), from_local(until + dt.timedelta(days=1), dt.time.min)


PAID_SESSION = (Appointment.held.is_(True), Appointment.paid_by_org)


def paid_sessions_by_month(since: dt.date, until: dt.date) -> dict[str, tuple[int, int, int]]:
    """{"YYYY-MM": (sessions, cents, distinct people)} of the sessions the organisation paid for,
    held from ``since`` to ``until`` (the organisation's months), in one aggregate query. These are
    what the counseling fund paid for."""
    start, end = _utc_bounds(since, until)
    month: ColumnElement[str] = timeutil.month_of(Appointment.starts_at, since, until)
    rows = db.session.execute(
        select(
            month,
            func.count(Appointment.id),
            func.coalesce(func.sum(Appointment.cost_cents), 0),
            func.count(Referral.person_id.distinct()),
        )
        .join(Referral, Referral.id == Appointment.referral_id)
        .where(*PAID_SESSION, Appointment.starts_at >= start, Appointment.starts_at < end)
        .group_by(month)
    )
    return {key: (int(sessions), int(cents or 0), int(persons)) for key, sessions, cents, persons in rows}


def counseling_spent() -> int:
    """Cents the organisation has paid for sessions since the beginning (the counseling fund's spending)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(Appointment.cost_cents), 0)).where(*PAID_SESSION)))


@dataclass
class Outcomes:
    since: dt.date
    until: dt.date
    by_status: dict[str, int]
    total: int
    ended: int
    completed_share: float | None
    got_care_share: float | None
    median_days_to_first_session: float | None
    with_first_session: int


def _cohort(since: dt.date, until: dt.date):
    start, end = _utc_bounds(since, until)
    return select(Referral).where(Referral.created_at >= start, Referral.created_at < end)


def _first_sessions(referral_ids) -> dict[int, dt.datetime]:
    if not referral_ids:
        return {}
    return dict(
        db.session.execute(
            select(Appointment.referral_id, func.min(Appointment.starts_at))
            .where(Appointment.held.is_(True), Appointment.referral_id.in_(referral_ids))
            .group_by(Appointment.referral_id)
        ).all()
    )


def outcomes(since: dt.date, until: dt.date) -> Outcomes:
    """How the referrals made from ``since`` to ``until`` went. What sessions cost by month is on the
    staff figures page, beside what each fund raised (``paid_sessions_by_month``)."""
    referrals = db.session.scalars(_cohort(since, until)).all()
    by_status = Counter(r.status for r in referrals)
    ended = [r for r in referrals if r.status in ENDED]
    first = _first_sessions([r.id for r in referrals])
    waits = [(first[r.id] - r.created_at).total_seconds() / 86400 for r in referrals if r.id in first]
    return Outcomes(
        since=since,
        until=until,
        by_status=dict(by_status),
        total=len(referrals),
        ended=len(ended),
        completed_share=(by_status["completed"] / len(ended)) if ended else None,
        got_care_share=(sum(1 for r in ended if r.succeeded) / len(ended)) if ended else None,
        median_days_to_first_session=round(statistics.median(waits), 1) if waits else None,
        with_first_session=len(waits),
    )


def default_period() -> tuple[dt.date, dt.date]:
    """The last twelve months, this one included."""
    end = today()
    start = (end.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    return start, end


CSV_COLUMNS = (
    "referral_id",
    "person_id",
    "provider",
    "urgency",
    "status",
    "created_on",
    "sent_on",
    "first_session_on",
    "days_to_first_session",
    "sessions_held",
    "sessions_paid",
    "paid_usd",
    "org_pays",
    "succeeded",
    "failure_reason",
    "closure_reason",
)


def export_rows(user, since: dt.date, until: dt.date) -> tuple[tuple[str, ...], list[list]]:
    """The referrals made in the period of the people the user sees in full (admins: everyone),
    without anything that names the person; audited, even when there is nothing to export."""
    referrals = db.session.scalars(
        _cohort(since, until)
        .options(selectinload(Referral.provider), selectinload(Referral.appointments))
        .where(Referral.person_id.in_(people.full_view_ids(user)))
        .order_by(Referral.id)
    ).all()
    first = _first_sessions([r.id for r in referrals])
    rows = []
    for r in referrals:
        paid = [a for a in r.appointments if a.held and a.paid_by_org]
        starts = first.get(r.id)
        rows.append(
            [
                r.id,
                r.person_id,
                r.provider.name,
                r.urgency,
                r.status,
                r.created_at.date().isoformat(),
                r.sent_at.date().isoformat() if r.sent_at else "",
                starts.date().isoformat() if starts else "",
                round((starts - r.created_at).total_seconds() / 86400, 1) if starts else "",
                r.sessions_held,
                len(paid),
                f"{sum(a.cost_cents or 0 for a in paid) / 100:.2f}",
                "yes" if r.org_pays else "no",
                "" if r.succeeded is None else ("yes" if r.succeeded else "no"),
                r.failure_reason or "",
                r.closure_reason or "",
            ]
        )
    period = {"since": since.isoformat(), "until": until.isoformat()}
    if referrals:
        audit.record_each("referrals.export", SUBJECT, [r.id for r in referrals], actor=user, **period)
    else:
        # Who looked, and found nothing, is part of the trail too.
        audit.record("referrals.export", SUBJECT, None, actor=user, **period)
    db.session.commit()
    return CSV_COLUMNS, rows
