"""The audit trail: one call records who did what to which record."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import insert, select

from ..assistance import vocabulary as assistance_vocabulary
from ..care import vocabulary as care_vocabulary
from ..extensions import db
from ..giving import vocabulary as giving_vocabulary
from ..housing import vocabulary as housing_vocabulary
from ..money import money
from ..people import vocabulary as people_vocabulary
from ..timeutil import local_date, utcnow
from ..tours import vocabulary as tours_vocabulary
from .models import AuditEntry
from .vocabulary import ACTIONS, DETAIL_VALUES, DETAILS, FIELDS, SUBJECT_TYPES

log = logging.getLogger(__name__)


class UnknownAction(ValueError):
    """An action the trail has no words for (add it to audit/vocabulary.py)."""


PAGE_SIZE = 50


def _values(action: str, subject_type: str, subject_id, actor, details: dict) -> dict:
    if action not in ACTIONS:
        # Tests and development refuse it, so that every action reaches the viewer in words;
        # in production the entry is still written: losing it would be worse than a raw code.
        if current_app.testing or current_app.debug:
            raise UnknownAction(action)
        log.warning("audit action %s has no label in audit/vocabulary.py", action)
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


# --- The trail in words ----------------------------------------------------------------------

# The codes an entry's details may carry, by the kind of record it is about.
_CODES: dict[str, dict] = {
    "referral": {
        **care_vocabulary.STATUSES,
        **care_vocabulary.URGENCIES,
        **care_vocabulary.APPOINTMENT_KINDS,
        **care_vocabulary.CLOSURE_REASONS,
        **care_vocabulary.FAILURE_REASONS,
    },
    "housing_placement": {
        **housing_vocabulary.PLACEMENT_STATUSES,
        **{code: label for code, (_group, label) in housing_vocabulary.EXIT_DESTINATIONS.items()},
    },
    "housing_request": {**housing_vocabulary.REQUEST_STATUSES, **housing_vocabulary.URGENCY_SHORT},
    "assistance_request": {
        **assistance_vocabulary.STATUSES,
        **assistance_vocabulary.CATEGORIES,
        **assistance_vocabulary.METHODS,
    },
    "tour_event": tours_vocabulary.STATUS_LABELS,
    "donor": {**giving_vocabulary.THANKS_METHODS, **giving_vocabulary.APPEAL_SEGMENTS},
    "gift": giving_vocabulary.SOURCES,
    "appeal": giving_vocabulary.APPEAL_SEGMENTS,
    "person": {**people_vocabulary.CASE_DATE_KINDS, **people_vocabulary.DOCUMENT_KINDS},
}
# Details that name another record by its number.
RECORD_KEYS = {
    "appointment_id",
    "case_date",
    "closed",
    "detention",
    "document",
    "fund_id",
    "gift_id",
    "merged_donor_id",
    "move_cancelled",
    "note",
    "owner",
    "person",
    "person_id",
    "provider_id",
    "request",
    "site",
    "supersedes",
    "task",
    "to_user",
    "unavailability",
    "user_id",
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def subject_label(code: str) -> str:
    return str(SUBJECT_TYPES.get(code, code))


def _in_words(key: str, value, codes: dict) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list) and key == "fields":
        # A field the list does not name yet still reads as words, not as a name in the code.
        return ", ".join(str(FIELDS.get(name, str(name).replace("_", " "))) for name in value)
    if isinstance(value, list):
        return ", ".join(_in_words(key, item, codes) for item in value)
    if isinstance(value, int) and key.endswith("_cents"):
        return money(value)
    if isinstance(value, int) and key in RECORD_KEYS:
        return _("No. %(number)s", number=value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return local_date(dt.date.fromisoformat(value))
    if isinstance(value, str) and value in codes:
        return str(codes[value])
    return str(value)


def details_in_words(entry: AuditEntry) -> list[tuple[str, str]]:
    """An entry's details as (label, value) pairs in the viewer's language; empty ones left out."""
    codes = {**DETAIL_VALUES, **_CODES.get(entry.subject_type, {})}
    return [
        (str(DETAILS.get(key, key)), _in_words(key, value, codes))
        for key, value in (entry.details or {}).items()
        if value is not None and value != "" and value != []
    ]
