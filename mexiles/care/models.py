"""Counseling providers, the counselors who work for them, and referrals followed to the end."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedString
from ..extensions import Model, one_of
from ..timeutil import utcnow
from .vocabulary import (
    APPOINTMENT_KINDS,
    CLOSURE_REASONS,
    CONTACT_PREFERENCES,
    COST_MODELS,
    FACETS,
    FAILURE_REASONS,
    PROVIDER_KINDS,
    STATUSES,
    URGENCIES,
)

if TYPE_CHECKING:  # for the annotations only: the relationships name the table's class
    from ..accounts.models import User


class Provider(Model):
    """A counselor or a program the organisation refers people to."""

    __tablename__ = "care_providers"
    __table_args__ = (
        CheckConstraint(one_of("kind", PROVIDER_KINDS), name="kind_known"),
        CheckConstraint(one_of("cost_model", COST_MODELS), name="cost_model_known"),
        CheckConstraint("fee_cents IS NULL OR fee_cents >= 0", name="fee_not_negative"),
        CheckConstraint("cost_model <> 'fee' OR fee_cents IS NOT NULL", name="fee_given"),
        CheckConstraint(
            "capacity_available >= 0 AND capacity_available <= capacity_maximum", name="capacity_within_maximum"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    cost_model: Mapped[str] = mapped_column(String(20))
    # Per session, in US cents: the fee, or the usual amount on a sliding scale.
    fee_cents: Mapped[int | None]
    capacity_available: Mapped[int] = mapped_column(default=0)
    capacity_maximum: Mapped[int] = mapped_column(default=0)
    capacity_confirmed_on: Mapped[dt.date | None]
    city: Mapped[str | None] = mapped_column(String(120))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())

    facets: Mapped[list[ProviderFacet]] = relationship(back_populates="provider", cascade="all, delete-orphan")

    def offers(self, facet: str) -> list[str]:
        """The provider's codes for one facet, in the vocabulary's order (Spanish first)."""
        mine = {f.code for f in self.facets if f.facet == facet}
        return [code for code in FACETS[facet] if code in mine]

    @property
    def languages(self) -> list[str]:
        return self.offers("language")

    @property
    def modalities(self) -> list[str]:
        return self.offers("modality")

    @property
    def specialties(self) -> list[str]:
        return self.offers("specialty")


def _facet_check() -> str:
    return " OR ".join(f"(facet = '{facet}' AND {one_of('code', codes)})" for facet, codes in FACETS.items())


class ProviderFacet(Model):
    """One language, modality or specialty a provider offers (a row each, so the directory can filter)."""

    __tablename__ = "care_provider_facets"
    __table_args__ = (
        CheckConstraint(_facet_check(), name="facet_known"),
        Index("ix_care_provider_facets_lookup", "facet", "code"),
    )

    provider_id: Mapped[int] = mapped_column(ForeignKey("care_providers.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)

    provider: Mapped[Provider] = relationship(back_populates="facets")


class CounselorMembership(Model):
    """A counselor's account belongs to one provider; it sees that provider's referrals only."""

    __tablename__ = "care_counselors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("care_providers.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship("User", lazy="joined")
    provider: Mapped[Provider] = relationship()


class Referral(Model):
    """A person referred to a provider, followed until they got care or we know why not."""

    __tablename__ = "care_referrals"
    __table_args__ = (
        CheckConstraint(one_of("status", STATUSES), name="status_known"),
        CheckConstraint(one_of("urgency", URGENCIES), name="urgency_known"),
        CheckConstraint(one_of("contact_preference", CONTACT_PREFERENCES), name="contact_known"),
        CheckConstraint(
            f"closure_reason IS NULL OR {one_of('closure_reason', CLOSURE_REASONS)}", name="closure_reason_known"
        ),
        CheckConstraint(
            f"failure_reason IS NULL OR {one_of('failure_reason', FAILURE_REASONS)}", name="failure_reason_known"
        ),
        CheckConstraint(
            "consent_basis IS NULL OR consent_basis IN ('recorded', 'override')", name="consent_basis_known"
        ),
        CheckConstraint("cost_per_session_cents IS NULL OR cost_per_session_cents >= 0", name="cost_not_negative"),
        # Nothing falls through: an open referral has a next follow-up date, an ended one an outcome.
        CheckConstraint("(follow_up_on IS NULL) <> (succeeded IS NULL)", name="follow_up_or_outcome"),
        CheckConstraint("(status = 'closed') = (closure_reason IS NOT NULL)", name="closed_says_why"),
        CheckConstraint(
            "succeeded IS NULL OR (succeeded AND failure_reason IS NULL)"
            " OR (NOT succeeded AND failure_reason IS NOT NULL)",
            name="failure_says_why",
        ),
        # A referral reaches a provider only with the person's consent or an admin's recorded override.
        CheckConstraint("sent_at IS NULL OR consent_basis IS NOT NULL", name="sent_with_consent"),
        CheckConstraint(
            "(consent_override_by_id IS NULL) = (consent_override_reason IS NULL)", name="override_has_reason"
        ),
        Index("ix_care_referrals_open", "status", "follow_up_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("care_providers.id", ondelete="RESTRICT"), index=True)
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(EncryptedString)
    urgency: Mapped[str] = mapped_column(String(10))
    contact_preference: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(20), default="new")
    status_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    consent_basis: Mapped[str | None] = mapped_column(String(10))
    consent_override_reason: Mapped[str | None] = mapped_column(EncryptedString)
    consent_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    consent_override_at: Mapped[dt.datetime | None]
    follow_up_on: Mapped[dt.date | None]
    succeeded: Mapped[bool | None]
    failure_reason: Mapped[str | None] = mapped_column(String(24))
    closure_reason: Mapped[str | None] = mapped_column(String(16))
    cost_per_session_cents: Mapped[int | None]
    org_pays: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # Two people taking a step at the same moment: the second one is refused, not silently lost.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    provider: Mapped[Provider] = relationship()
    referred_by: Mapped[User] = relationship("User", foreign_keys=[referred_by_id])
    consent_override_by: Mapped[User | None] = relationship("User", foreign_keys=[consent_override_by_id])
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="Appointment.starts_at"
    )
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralEvent.id"
    )

    @property
    def sessions_held(self) -> int:
        return sum(1 for a in self.appointments if a.held)


class ReferralEvent(Model):
    """Who took which step of a referral, and when."""

    __tablename__ = "care_referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("care_referrals.id", ondelete="CASCADE"), index=True)
    # "step" for a status change; otherwise what was done (e.g. "consent_override", "appointment").
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User] = relationship("User")


class Appointment(Model):
    """An intake or a session. Its cost is fixed when it is recorded as held."""

    __tablename__ = "care_appointments"
    __table_args__ = (
        CheckConstraint(one_of("kind", APPOINTMENT_KINDS), name="kind_known"),
        CheckConstraint("cost_cents IS NULL OR cost_cents >= 0", name="cost_not_negative"),
        Index("ix_care_appointments_held", "held", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("care_referrals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[dt.datetime]  # naive UTC
    time_zone: Mapped[str] = mapped_column(String(64))
    held: Mapped[bool | None]  # None until someone says whether it happened
    cost_cents: Mapped[int | None]
    paid_by_org: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="appointments")

    @property
    def has_started(self) -> bool:
        """Only then can anyone say whether it took place."""
        return self.starts_at <= utcnow()

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(self.time_zone))
