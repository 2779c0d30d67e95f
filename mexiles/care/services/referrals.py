"""Making referrals and reading them: in full for the case team, the minimum for the counselor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...audit import services as audit
from ...extensions import db
from ...people import services as people
from ..models import Appointment, Referral, ReferralEvent
from .common import SUBJECT, CareError, counseled_provider_id, is_counselor_of, refusals_roll_back
from .directory import get as get_provider
from .directory import usual_cost_cents
from .steps import OPEN, ReferralAccess, default_follow_up, next_steps

PAGE_SIZE = 50
FIELDS = ("reason", "urgency", "contact_preference", "cost_per_session_cents", "org_pays", "follow_up_on")


def _loaded():
    return [selectinload(Referral.provider), selectinload(Referral.appointments)]


# --- Making a referral ---------------------------------------------------------------------


def referable_people(user) -> list:
    """The people this user may refer: those whose record they see in full, by alias (audited: the
    form lists them)."""
    ids = db.session.scalars(people.full_view_ids(user)).all()
    audit.record_each("referral.people_offered", "person", ids, actor=user)
    db.session.commit()
    return sorted(people.get_many(ids).values(), key=lambda p: p.alias.casefold())


@refusals_roll_back
def create(data: dict, by) -> Referral:
    person = people.get(data["person_id"])
    if person is None or not people.may_see_full(by, person):
        raise CareError(_l("You can refer only people on your case team."))
    provider = get_provider(data["provider_id"])
    if provider is None or not provider.active:
        raise CareError(_l("Choose an active provider."))
    referral = Referral(
        person_id=person.id,
        provider_id=provider.id,
        referred_by_id=by.id,
        status="new",
        **{k: data[k] for k in FIELDS if k in data},
    )
    referral.follow_up_on = referral.follow_up_on or default_follow_up(referral.urgency)
    if referral.cost_per_session_cents is None:
        # Left empty: the provider's fee, so that spending is not under-reported.
        referral.cost_per_session_cents = usual_cost_cents(provider)
    db.session.add(referral)
    db.session.flush()
    db.session.add(
        ReferralEvent(
            referral_id=referral.id, action="created", to_status="new", actor_id=by.id, occurred_at=referral.created_at
        )
    )
    audit.record(
        "referral.create",
        SUBJECT,
        referral.id,
        actor=by,
        person_id=person.id,
        provider_id=provider.id,
        urgency=referral.urgency,
    )
    db.session.commit()
    return referral


# --- Finding one ---------------------------------------------------------------------------


def find(user, referral_id: int) -> ReferralAccess | None:
    """The referral as this user may handle it; ``team`` False for the provider's counselor.

    None when there is no such referral. A ReferralAccess with ``person`` None means the user may
    not handle it at all.
    """
    referral = db.session.get(
        Referral,
        referral_id,
        options=[
            *_loaded(),
            selectinload(Referral.events).selectinload(ReferralEvent.actor),
            selectinload(Referral.referred_by),
            selectinload(Referral.consent_override_by),
        ],
    )
    if referral is None:
        return None
    person = people.get(referral.person_id)
    if person is None:  # the foreign key keeps the person; without one there is nothing to handle
        return None
    if people.may_see_full(user, person):
        return ReferralAccess(referral, person, team=True)
    if is_counselor_of(user, referral):
        return ReferralAccess(referral, person, team=False)
    return ReferralAccess(referral, None, team=False)


def view(access: ReferralAccess, by) -> None:
    """Record that the case team opened the referral (its reason included)."""
    audit.record("referral.view", SUBJECT, access.referral.id, actor=by, level="team")
    db.session.commit()


# --- The case team's list ------------------------------------------------------------------


@dataclass
class ReferralRow:
    referral: Referral
    person: Any  # the people domain's Person; its public API does not name the type


def listing(user, status: str = "open", urgency: str = "", page: int = 1):
    """Referrals of the people whose records the user sees in full; open ones by default."""
    query = (
        select(Referral)
        .options(*_loaded())
        .where(Referral.person_id.in_(people.full_view_ids(user)))
        .order_by(Referral.follow_up_on.is_(None), Referral.follow_up_on, Referral.id.desc())
    )
    if status == "open":
        query = query.where(Referral.status.in_(OPEN))
    elif status:
        query = query.where(Referral.status == status)
    if urgency:
        query = query.where(Referral.urgency == urgency)
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    found = people.get_many(r.person_id for r in pagination.items)
    rows = [ReferralRow(r, found.get(r.person_id)) for r in pagination.items]
    if rows:
        audit.record_each("referrals.list", SUBJECT, [r.referral.id for r in rows])
    db.session.commit()
    return pagination, rows


# --- What the counselor sees ---------------------------------------------------------------


@dataclass
class CounselorCard:
    """The minimum a provider needs about a referral, and nothing else of the person."""

    id: int
    alias: str
    language: str
    urgency: str
    contact_preference: str
    status: str
    sent_at: dt.datetime | None  # set: only sent referrals reach a counselor
    coordinator_name: str
    coordinator_email: str
    appointments: list[Appointment]
    sessions_held: int
    next_steps: list[str]


def _card(referral: Referral, person) -> CounselorCard:
    access = ReferralAccess(referral, person, team=False)
    return CounselorCard(
        id=referral.id,
        alias=person.alias,
        language=person.language,
        urgency=referral.urgency,
        contact_preference=referral.contact_preference,
        status=referral.status,
        sent_at=referral.sent_at,
        coordinator_name=referral.referred_by.display_name,
        coordinator_email=referral.referred_by.email,
        appointments=list(referral.appointments),
        sessions_held=referral.sessions_held,
        next_steps=next_steps(access),
    )


def counselor_listing(user, page: int = 1):
    """The referrals sent to the counselor's own provider, open ones first."""
    provider_id = counseled_provider_id(user)
    if provider_id is None:
        return None, []
    query = (
        select(Referral)
        .options(*_loaded(), selectinload(Referral.referred_by))
        .where(Referral.provider_id == provider_id, Referral.sent_at.is_not(None))
        .order_by(Referral.status.in_(OPEN).desc(), Referral.sent_at.desc(), Referral.id.desc())
    )
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    found = people.get_many(r.person_id for r in pagination.items)
    cards = [_card(r, found[r.person_id]) for r in pagination.items]
    if cards:
        audit.record_each("referrals.list", SUBJECT, [c.id for c in cards], level="counselor")
    db.session.commit()
    return pagination, cards


def counselor_view(access: ReferralAccess, by) -> CounselorCard:
    audit.record("referral.view", SUBJECT, access.referral.id, actor=by, level="counselor")
    db.session.commit()
    return _card(access.referral, access.person)
