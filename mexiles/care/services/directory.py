"""The provider directory: who offers what, with how much room, and which counselors work there."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from ...access import Role, is_staff
from ...audit import services as audit
from ...extensions import db
from ...timeutil import today
from ..models import CounselorMembership, Provider, ProviderFacet
from ..vocabulary import FACETS
from .common import CareError, counseled_provider_id, days, refusals_roll_back

PAGE_SIZE = 50
SUBJECT = "care_provider"
FIELDS = (
    "name",
    "kind",
    "cost_model",
    "fee_cents",
    "capacity_available",
    "capacity_maximum",
    "capacity_confirmed_on",
    "city",
    "contact_name",
    "contact_phone",
    "contact_email",
    "active",
)
# Form field name -> facet.
FACET_FIELDS = {"languages": "language", "modalities": "modality", "specialties": "specialty"}


@dataclass
class DirectoryFilter:
    language: str = ""
    modality: str = ""
    specialty: str = ""
    open_only: bool = False
    include_inactive: bool = False


@dataclass
class ProviderRow:
    provider: Provider
    stale: bool


def is_stale(provider: Provider) -> bool:
    """Capacity not confirmed within CARE_STALE_AFTER_DAYS cannot be trusted."""
    confirmed = provider.capacity_confirmed_on
    return confirmed is None or confirmed < today() - days("CARE_STALE_AFTER_DAYS")


def _offers(facet: str, code: str):
    return Provider.facets.any(and_(ProviderFacet.facet == facet, ProviderFacet.code == code))


def listing(criteria: DirectoryFilter, page: int = 1):
    query = select(Provider).options(selectinload(Provider.facets)).order_by(Provider.name, Provider.id)
    if not criteria.include_inactive:
        query = query.where(Provider.active)
    for facet, code in (
        ("language", criteria.language),
        ("modality", criteria.modality),
        ("specialty", criteria.specialty),
    ):
        if code:
            query = query.where(_offers(facet, code))
    if criteria.open_only:
        query = query.where(Provider.capacity_available > 0)
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return pagination, [ProviderRow(p, is_stale(p)) for p in pagination.items]


def get(provider_id: int) -> Provider | None:
    return db.session.get(Provider, provider_id, options=[selectinload(Provider.facets)])


def usual_cost_cents(provider: Provider) -> int | None:
    """What a session with this provider costs when nothing else was agreed: nothing if pro bono,
    else its fee (the usual amount on a sliding scale; None when unknown)."""
    return 0 if provider.cost_model == "pro_bono" else provider.fee_cents


def active_providers() -> list[Provider]:
    return list(
        db.session.scalars(
            select(Provider).options(selectinload(Provider.facets)).where(Provider.active).order_by(Provider.name)
        )
    )


def _check_capacity(available: int, maximum: int) -> None:
    if available < 0 or maximum < 0 or available > maximum:
        raise CareError(_l("Open places must be between 0 and the maximum."))


@refusals_roll_back
def save(provider: Provider | None, data: dict, by) -> Provider:
    """Create a provider (``provider`` None) or change one; returns it."""
    _check_capacity(data["capacity_available"], data["capacity_maximum"])
    creating = provider is None
    if provider is None:
        provider = Provider()
        db.session.add(provider)
    changed = [k for k in FIELDS if k in data and getattr(provider, k) != data[k]]
    for key in changed:
        setattr(provider, key, data[key])
    for field, facet in FACET_FIELDS.items():
        if set(data[field]) != set(provider.offers(facet)):
            _replace_facet(provider, facet, data[field])
            changed.append(field)
    db.session.flush()
    if creating:
        audit.record("provider.create", SUBJECT, provider.id, actor=by)
    elif changed:
        audit.record("provider.update", SUBJECT, provider.id, actor=by, fields=changed)
    db.session.commit()
    return provider


def _replace_facet(provider: Provider, facet: str, codes) -> None:
    wanted = {c for c in codes if c in FACETS[facet]}
    provider.facets = [f for f in provider.facets if f.facet != facet or f.code in wanted] + [
        ProviderFacet(facet=facet, code=c) for c in sorted(wanted - set(provider.offers(facet)))
    ]


@refusals_roll_back
def confirm_capacity(provider: Provider, available: int, maximum: int, by) -> None:
    """The provider told us how many places are open today."""
    _check_capacity(available, maximum)
    provider.capacity_available, provider.capacity_maximum = available, maximum
    provider.capacity_confirmed_on = today()
    audit.record("provider.capacity", SUBJECT, provider.id, actor=by, available=available, maximum=maximum)
    db.session.commit()


def may_confirm_capacity(user, provider: Provider) -> bool:
    if is_staff(user):
        return True
    return provider.id == counseled_provider_id(user)


# --- Counselors ----------------------------------------------------------------------------


def counselors_of(provider: Provider) -> list[CounselorMembership]:
    return list(
        db.session.scalars(
            select(CounselorMembership)
            .where(CounselorMembership.provider_id == provider.id)
            .order_by(CounselorMembership.linked_at)
        )
    )


def provider_of(user) -> Provider | None:
    provider_id = counseled_provider_id(user)
    return get(provider_id) if provider_id else None


@refusals_roll_back
def link_counselor(provider: Provider, user, by) -> None:
    """Make a counselor account belong to this provider (moving it from another one)."""
    if not user.has_role(Role.COUNSELOR):
        raise CareError(_l("Only an account with the counselor role can be linked to a provider."))
    membership = db.session.get(CounselorMembership, user.id)
    if membership is None:
        db.session.add(CounselorMembership(user_id=user.id, provider_id=provider.id))
    elif membership.provider_id == provider.id:
        return
    else:
        membership.provider_id = provider.id
    audit.record("provider.counselor_linked", SUBJECT, provider.id, actor=by, user_id=user.id)
    db.session.commit()


def unlink_counselor(provider: Provider, user_id: int, by) -> bool:
    membership = db.session.get(CounselorMembership, user_id)
    if membership is None or membership.provider_id != provider.id:
        return False
    db.session.delete(membership)
    audit.record("provider.counselor_unlinked", SUBJECT, provider.id, actor=by, user_id=user_id)
    db.session.commit()
    return True
