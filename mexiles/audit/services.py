"""The audit trail: one call records who did what to which record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert, select

from ..extensions import db
from ..timeutil import utcnow
from .models import AuditEntry

PAGE_SIZE = 50


def _values(action: str, subject_type: str, subject_id, actor, details: dict) -> dict:
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    return {
        "action": action,
        "subject_type": subject_type,
        "occurred_at": utcnow(),
        "subject_id": None if subject_id is None else str(subject_id),
        "actor_id": getattr(actor, "id", None),
        "ip_address": request.remote_addr if has_request_context() else None,
        "details": details,
    }


def record(action: str, subject_type: str, subject_id=None, actor=None, **details) -> AuditEntry:
    """Add an audit entry to the current transaction; it is committed with the change it records."""
    entry = AuditEntry(**_values(action, subject_type, subject_id, actor, details))
    db.session.add(entry)
    return entry


def record_each(action: str, subject_type: str, subject_ids, actor=None, **details) -> None:
    """One entry per record, so that "who saw record X" finds lists, searches and exports too.
    Written in one statement, whatever the number of records."""
    page = g.get("audit_page") if has_request_context() else None
    if page is not None:
        page.setdefault(subject_type, set()).update(str(subject_id) for subject_id in subject_ids)
        return
    rows = [_values(action, subject_type, subject_id, actor, details) for subject_id in subject_ids]
    if rows:
        db.session.execute(insert(AuditEntry), rows)


@contextmanager
def one_entry_per_view(action: str, page: str) -> Iterator[None]:
    """A page made of several short lists (the staff home: the agenda, the referrals that need
    attention) is audited as one entry naming every record it showed, {subject type: [ids]} in
    ``shown``, instead of an entry per record of each list crowding out the real ones."""
    shown: dict[str, set[str]] = {}
    g.audit_page = shown
    try:
        yield
    finally:
        g.audit_page = None
    if shown:
        record(action, "page", page, shown={kind: sorted(ids, key=_numeric) for kind, ids in sorted(shown.items())})
        db.session.commit()


def _numeric(subject_id: str) -> tuple[int, str]:
    return (int(subject_id), "") if subject_id.isdigit() else (0, subject_id)


@dataclass
class AuditFilter:
    actor: str = ""  # a user id, from the list of known actors
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def search(criteria: AuditFilter, page: int = 1):
    query = select(AuditEntry).order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
    if criteria.actor:
        query = query.where(AuditEntry.actor_id == int(criteria.actor))
    if criteria.action:
        query = query.where(AuditEntry.action == criteria.action)
    if criteria.subject_type:
        query = query.where(AuditEntry.subject_type == criteria.subject_type)
    if criteria.subject_id:
        query = query.where(AuditEntry.subject_id == criteria.subject_id.strip())
    if criteria.since:
        query = query.where(AuditEntry.occurred_at >= dt.datetime.combine(criteria.since, dt.time.min))
    if criteria.until:
        query = query.where(
            AuditEntry.occurred_at < dt.datetime.combine(criteria.until + dt.timedelta(days=1), dt.time.min)
        )
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def known_actor_ids() -> list[int]:
    """The accounts that appear in the trail (accounts' services say who they are)."""
    return list(db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()))


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).group_by(AuditEntry.action).order_by(AuditEntry.action)))


def known_subject_types() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.subject_type).group_by(AuditEntry.subject_type).order_by(AuditEntry.subject_type)
        )
    )
