"""Giving: funds, campaigns, donors, gifts, monthly gifts and what Stripe told us.

Amounts are integer cents. A donor's name and address are encrypted at rest. The donor's email is
kept plain but normalised (``email_key``) because it *is* the donor's identity: one donor per
address, matched on every gift, webhook and sign-in link, exactly as the ``users`` table keys
accounts by plain email. An encrypted email could not be looked up without a blind index, and an
index that must match exactly would be as revealing as the address itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, event, func
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import crypto
from ..crypto import EncryptedJSON, EncryptedString
from ..extensions import Model, one_of
from ..timeutil import utcnow

if TYPE_CHECKING:  # for the annotations only: the relationship names the table's class
    from ..accounts.models import User

SOURCES = ("online", "check", "cash", "in_kind")
GIFT_STATUSES = ("pending", "succeeded", "failed", "refunded")
TRIBUTE_KINDS = ("honor", "memory")
RECURRING_STATUSES = ("incomplete", "active", "past_due", "paused", "canceled")
THANKS_METHODS = ("phone", "letter", "email", "in_person")
APPEAL_SEGMENTS = ("fund", "lybunt", "monthly", "opted_in")
# The free-mail hosts that ignore dots in the local part (j.smith@ is jsmith@). Elsewhere a dot may
# tell two people apart (at an employer's domain), so only these addresses lose their dots.
DOTLESS_HOSTS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
POSTAL_CODE = re.compile(r"\b(\d{5})(?:-\d{4})?\b")  # a US ZIP or a Mexican código postal


class Fund(Model):
    """Where a gift is designated: counseling, housing, asylum cases, where needed most."""

    __tablename__ = "giving_funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_es: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    def name(self, locale: str) -> str:
        return self.name_es if str(locale) == "es" else self.name_en


class Campaign(Model):
    __tablename__ = "giving_campaigns"
    __table_args__ = (
        CheckConstraint("goal_cents > 0", name="goal_positive"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_es: Mapped[str] = mapped_column(String(200))
    story_en: Mapped[str] = mapped_column(Text, default="")
    story_es: Mapped[str] = mapped_column(Text, default="")
    # A path under /static (the CSP allows images from this site only).
    image_path: Mapped[str | None] = mapped_column(String(200))
    goal_cents: Mapped[int]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("giving_funds.id", ondelete="RESTRICT"), index=True)

    fund: Mapped[Fund | None] = relationship(lazy="joined")

    def title(self, locale: str) -> str:
        return self.title_es if str(locale) == "es" else self.title_en

    def story(self, locale: str) -> str:
        return self.story_es if str(locale) == "es" else self.story_en


class Donor(Model):
    __tablename__ = "giving_donors"
    __table_args__ = (
        CheckConstraint("email_key = lower(email_key)", name="email_lowercase"),
        CheckConstraint("locale IN ('en', 'es')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(EncryptedString)
    address: Mapped[str | None] = mapped_column(EncryptedString)
    locale: Mapped[str] = mapped_column(String(5), default="en")
    # Listed by name on the public impact page only when the donor asked for it.
    listed: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    # Keys that suggest duplicates (see ``refresh_match_keys``): the address without what only
    # tells the same mailbox apart (a +tag, Gmail's dots), and a keyed hash (blind index) of the
    # normalised name with the postal code, so that names are matched without decrypting them.
    email_match: Mapped[str | None] = mapped_column(String(254), index=True)
    name_postal_key: Mapped[str | None] = mapped_column(String(32), index=True)
    # Appeals go only to donors who opted in, have not unsubscribed, and whose address works.
    opted_in_at: Mapped[dt.datetime | None]
    unsubscribed_at: Mapped[dt.datetime | None]
    bounced_at: Mapped[dt.datetime | None]

    @property
    def display_name(self) -> str:
        return self.name or self.email_key

    @property
    def takes_appeals(self) -> bool:
        return bool(self.opted_in_at and not self.unsubscribed_at and not self.bounced_at)

    def refresh_match_keys(self) -> None:
        self.email_match = mailbox_of(self.email_key)
        postal = POSTAL_CODE.findall(self.address or "")
        name = crypto.normalise(self.name or "")
        self.name_postal_key = (
            crypto.cipher().digest("donor-name-postal", f"{name}|{postal[-1]}") if name and postal else None
        )


def mailbox_of(email: str) -> str:
    """The mailbox an address reaches: lowercased, without a +tag, without dots at Gmail."""
    local, _, host = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if host in DOTLESS_HOSTS:
        local, host = local.replace(".", ""), DOTLESS_HOSTS[host]
    return f"{local}@{host}" if local else email.strip().lower()


@event.listens_for(Donor, "before_insert")
@event.listens_for(Donor, "before_update")
def _match_keys(mapper, connection, donor: Donor) -> None:
    donor.refresh_match_keys()


class RecurringGift(Model):
    """A monthly gift: a Stripe subscription; each paid invoice becomes a Gift."""

    __tablename__ = "giving_recurring_gifts"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(one_of("status", RECURRING_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("giving_donors.id", ondelete="RESTRICT"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("giving_funds.id", ondelete="RESTRICT"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("giving_campaigns.id", ondelete="RESTRICT"), index=True)
    tour_event_id: Mapped[int | None] = mapped_column(index=True)
    amount_cents: Mapped[int]
    covered_fee_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[str] = mapped_column(String(16), default="incomplete", index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    amount_shown: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_plan_id: Mapped[str | None] = mapped_column(String(255))
    # The Stripe customer this subscription bills. Usually the donor's; a monthly gift made from the
    # public form for a donor who already has a customer gets a customer of its own, so that a
    # stranger's card never becomes the card another person's monthly gifts are charged to.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # The name and address typed with this gift, for its receipts (the donor's own stay untouched).
    donor_name: Mapped[str | None] = mapped_column(EncryptedString)
    donor_address: Mapped[str | None] = mapped_column(EncryptedString)
    attempt_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The Stripe time of the last status we applied, so a late, older event cannot undo a newer one.
    status_at: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    canceled_at: Mapped[dt.datetime | None]

    donor: Mapped[Donor] = relationship(lazy="joined")
    fund: Mapped[Fund] = relationship(lazy="joined")


class Gift(Model):
    __tablename__ = "giving_gifts"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("fee_cents >= 0 AND refunded_cents >= 0", name="fee_refund_sane"),
        CheckConstraint("dispute_lost_cents >= 0 AND dispute_fee_cents >= 0", name="dispute_sane"),
        CheckConstraint(one_of("status", GIFT_STATUSES), name="status_known"),
        CheckConstraint(one_of("source", SOURCES), name="source_known"),
        CheckConstraint("tribute_kind IS NULL OR " + one_of("tribute_kind", TRIBUTE_KINDS), name="tribute_known"),
        # Reports: counted gifts by date, fund, campaign and donor. On PostgreSQL the date index
        # covers what the reports add up, so they read the index alone (index-only scans).
        Index(
            "ix_giving_gifts_status_received",
            "status",
            "received_at",
            postgresql_include=["amount_cents", "net_cents", "fund_id", "source", "campaign_id"],
        ),
        Index("ix_giving_gifts_campaign_status", "campaign_id", "status", postgresql_include=["net_cents", "donor_id"]),
        Index(
            "ix_giving_gifts_fund_status_received", "fund_id", "status", "received_at", postgresql_include=["net_cents"]
        ),
        Index(
            "ix_giving_gifts_donor_status_received",
            "donor_id",
            "status",
            "received_at",
            postgresql_include=["anonymous"],
        ),
        Index("ix_giving_gifts_received", "received_at", "id"),  # the newest gifts first, for staff
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("giving_donors.id", ondelete="RESTRICT"))
    fund_id: Mapped[int] = mapped_column(ForeignKey("giving_funds.id", ondelete="RESTRICT"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("giving_campaigns.id", ondelete="RESTRICT"))
    # A tour event (tours domain); no foreign key so that the domains stay independent.
    tour_event_id: Mapped[int | None] = mapped_column(index=True)
    recurring_gift_id: Mapped[int | None] = mapped_column(
        ForeignKey("giving_recurring_gifts.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int]  # gross, what the donor paid
    fee_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)  # refunds that went through (not failed ones)
    # A lost dispute takes its amount back, and Stripe charges a dispute fee; both undone if won.
    dispute_lost_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    dispute_fee_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    net_cents: Mapped[int] = mapped_column(default=0)  # amount - fee - refunded - dispute lost - dispute fee
    covered_fee_cents: Mapped[int] = mapped_column(default=0)  # added by the donor to cover the fee
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    source: Mapped[str] = mapped_column(String(10), default="online")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    anonymous: Mapped[bool] = mapped_column(default=False)
    # On a campaign's wall of donors, the amount shows only when the donor chose to show it.
    amount_shown: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    tribute_kind: Mapped[str | None] = mapped_column(String(10))
    tribute_name: Mapped[str | None] = mapped_column(EncryptedString)
    tribute_notify_email: Mapped[str | None] = mapped_column(EncryptedString)
    # The name and address typed with this gift, for its receipt: a gift made from the public form
    # for an existing donor never rewrites that donor's name or address.
    donor_name: Mapped[str | None] = mapped_column(EncryptedString)
    donor_address: Mapped[str | None] = mapped_column(EncryptedString)
    description: Mapped[str | None] = mapped_column(EncryptedString)  # in-kind gifts, check numbers
    disputed: Mapped[bool] = mapped_column(default=False)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_charge_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    attempt_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    receipt_sent_at: Mapped[dt.datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    donor: Mapped[Donor] = relationship(lazy="joined")
    fund: Mapped[Fund] = relationship(lazy="joined")
    campaign: Mapped[Campaign | None] = relationship(lazy="joined")

    @property
    def counted(self) -> bool:
        return self.status == "succeeded"

    @property
    def taken_back_cents(self) -> int:
        """What left the organisation again: refunds and lost disputes."""
        return (self.refunded_cents or 0) + (self.dispute_lost_cents or 0)

    @property
    def receipt_name(self) -> str:
        return self.donor_name or self.donor.display_name

    @property
    def receipt_address(self) -> str | None:
        return self.donor_address if self.donor_name else self.donor.address

    def settle(self) -> None:
        """Net amount and status from the figures; a gift with nothing left is not counted, and
        counts again when money comes back (a failed refund, a dispute won)."""
        for name in ("fee_cents", "refunded_cents", "dispute_lost_cents", "dispute_fee_cents"):
            setattr(self, name, getattr(self, name) or 0)
        self.net_cents = (
            self.amount_cents - self.fee_cents - self.refunded_cents - self.dispute_lost_cents - self.dispute_fee_cents
        )
        if self.status == "succeeded" and self.taken_back_cents >= self.amount_cents:
            self.status = "refunded"
        elif self.status == "refunded" and self.taken_back_cents < self.amount_cents:
            self.status = "succeeded"


REFUND_STATUSES = ("pending", "succeeded", "failed", "canceled", "requires_action")
REFUND_VOID = ("failed", "canceled")  # a refund that did not go through gives nothing back


class Refund(Model):
    __tablename__ = "giving_refunds"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(one_of("status", REFUND_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gift_id: Mapped[int] = mapped_column(ForeignKey("giving_gifts.id", ondelete="RESTRICT"), index=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int]
    reason: Mapped[str | None] = mapped_column(EncryptedString)
    status: Mapped[str] = mapped_column(String(16), default="succeeded", server_default="succeeded")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Dispute(Model):
    __tablename__ = "giving_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    gift_id: Mapped[int] = mapped_column(ForeignKey("giving_gifts.id", ondelete="RESTRICT"), index=True)
    stripe_dispute_id: Mapped[str] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    fee_cents: Mapped[int] = mapped_column(default=0, server_default="0")  # Stripe's dispute fees, net
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StripeEvent(Model):
    """Each Stripe event once. The unique event id is what makes redelivery harmless."""

    __tablename__ = "giving_stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    # processed, ignored, superseded (older than what we know), deferred (it names a payment we do
    # not know yet: replayed when we do) or unplaced (the ledger cannot place it: for staff, ``note``).
    outcome: Mapped[str] = mapped_column(String(16), default="processed")
    waits_for: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[dict | None] = mapped_column(EncryptedJSON)
    note: Mapped[str | None] = mapped_column(String(200))
    stripe_created: Mapped[int] = mapped_column(default=0)
    # The API version Stripe shaped the object in; another than the app's is shown to staff.
    api_version: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RefusedAttempt(Model):
    """A refused donation attempt (rate limit, honeypot, minimum, decline), for staff to watch."""

    __tablename__ = "giving_refused_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    reason: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int | None]
    detail: Mapped[str | None] = mapped_column(String(200))


class Thanks(Model):
    """A donor thanked by staff: who, when and how; for one gift, or for their giving."""

    __tablename__ = "giving_thanks"
    __table_args__ = (CheckConstraint(one_of("method", THANKS_METHODS), name="method_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("giving_donors.id", ondelete="RESTRICT"), index=True)
    gift_id: Mapped[int | None] = mapped_column(ForeignKey("giving_gifts.id", ondelete="RESTRICT"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    thanked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    by_user: Mapped[User | None] = relationship("User", lazy="joined")


class Appeal(Model):
    """A letter to a group of donors, in both languages; sent once (each donor's message once)."""

    __tablename__ = "giving_appeals"
    __table_args__ = (
        CheckConstraint(one_of("segment", APPEAL_SEGMENTS), name="segment_known"),
        CheckConstraint("segment <> 'fund' OR fund_id IS NOT NULL", name="fund_segment_names_fund"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_en: Mapped[str] = mapped_column(EncryptedString)
    subject_es: Mapped[str] = mapped_column(EncryptedString)
    body_en: Mapped[str] = mapped_column(EncryptedString)
    body_es: Mapped[str] = mapped_column(EncryptedString)
    segment: Mapped[str] = mapped_column(String(10))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("giving_funds.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    sent_count: Mapped[int] = mapped_column(default=0)

    fund: Mapped[Fund | None] = relationship(lazy="joined")

    def subject(self, locale: str) -> str:
        return self.subject_es if str(locale) == "es" else self.subject_en

    def body(self, locale: str) -> str:
        return self.body_es if str(locale) == "es" else self.body_en
