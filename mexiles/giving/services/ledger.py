"""Turning what Stripe says into gifts. Every function here is idempotent and order-tolerant.

The donate page, the webhook and reconciliation all record through these functions, so a gift is
recorded the same way whichever of them sees it first. They change the session and do not commit;
callers queue the emails (``webhooks.queue_mail``) and commit.

They read Stripe's objects in the shape of the API version the app speaks (``API_VERSION``) and in
the older shape (localstripe's, or an endpoint left on an old version): an invoice names its
subscription under ``parent.subscription_details`` (formerly at the top) and its PaymentIntent in
its ``payments`` (formerly ``payment_intent`` and ``charge`` at the top).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from dataclasses import field as dc_field

from sqlalchemy import Integer, case, func, select, type_coerce
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ..models import REFUND_STATUSES, REFUND_VOID, Dispute, Gift, RecurringGift, Refund, RefusedAttempt
from . import donors
from .stripe_gateway import StripeError, balance_fee, configured, field, object_id, v1

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a recording did: gifts to receipt, failures to tell the donor about, or what it waits for."""

    receipts: list[int] = dc_field(default_factory=list)
    failures: list[int] = dc_field(default_factory=list)
    waits_for: str | None = None
    touched: list[str | None] = dc_field(default_factory=list)  # Stripe ids now known (or None), for deferred events
    unplaced: str | None = None  # why the ledger cannot place the object (nothing to wait for)
    superseded: bool = False  # older than what is known: rightly changes nothing

    def merge(self, other: Outcome) -> Outcome:
        self.receipts += other.receipts
        self.failures += other.failures
        self.touched += other.touched
        return self


def stripe_time(seconds) -> dt.datetime:
    return (
        dt.datetime.fromtimestamp(int(seconds), dt.UTC).replace(tzinfo=None)
        if seconds
        else dt.datetime.now(dt.UTC).replace(tzinfo=None)
    )


def _locked(statement):
    """Lock the gift row while we decide (PostgreSQL), so two recorders cannot both mark it paid."""
    return db.session.scalar(statement.with_for_update(of=Gift).execution_options(populate_existing=True))


def gift_for(
    payment_intent: str | None = None, charge: str | None = None, invoice: str | None = None, gift_id=None
) -> Gift | None:
    for column, value in (
        (Gift.stripe_charge_id, charge),
        (Gift.stripe_payment_intent_id, payment_intent),
        (Gift.stripe_invoice_id, invoice),
    ):
        if value:
            gift = _locked(select(Gift).where(column == value))
            if gift:
                return gift
    if gift_id and str(gift_id).isdigit() and len(str(gift_id)) < 10:
        return _locked(select(Gift).where(Gift.id == int(gift_id)))
    return None


def recurring_for(subscription: str | None, recurring_id=None, lock: bool = False) -> RecurringGift | None:
    """The monthly gift of a subscription; ``lock`` holds its row (PostgreSQL) until the commit,
    so that two events about it are decided one after the other, each seeing the other's change."""

    def one(statement):
        if lock:
            statement = statement.with_for_update(of=RecurringGift).execution_options(populate_existing=True)
        return db.session.scalar(statement)

    if subscription:
        found = one(select(RecurringGift).where(RecurringGift.stripe_subscription_id == subscription))
        if found:
            return found
    if recurring_id and str(recurring_id).isdigit() and len(str(recurring_id)) < 10:
        found = one(select(RecurringGift).where(RecurringGift.id == int(recurring_id)))
        if found and subscription and found.stripe_subscription_id not in (None, subscription):
            return None  # an earlier attempt's subscription, replaced (checkout._end_unpaid)
        if found and subscription and not found.stripe_subscription_id:
            found.stripe_subscription_id = subscription
        return found
    return None


def _charge_of(payment_intent):
    charge = field(payment_intent, "latest_charge")
    if charge is None:
        charges = field(field(payment_intent, "charges"), "data") or []
        charge = charges[-1] if charges else None
    return charge


def invoice_subscription(invoice) -> str | None:
    details = field(field(invoice, "parent"), "subscription_details")
    return object_id(field(details, "subscription")) or object_id(field(invoice, "subscription"))


def _invoice_recurring_id(invoice):
    """Our monthly gift's id: the subscription's metadata, copied onto the invoice when it was made."""
    details = field(field(invoice, "parent"), "subscription_details")
    return field(field(details, "metadata"), "recurring_gift_id") or field(
        field(invoice, "metadata"), "recurring_gift_id"
    )


def _listed_payments(invoice_id: str | None):
    """An invoice's payments asked of Stripe: a webhook's invoice does not include them."""
    if not invoice_id or not configured():
        return None
    try:
        return v1().invoice_payments.list(params={"invoice": invoice_id, "limit": 10}).data
    except StripeError as error:  # recorded without; reconciliation links it later
        log.warning("payments of invoice %s: %s", invoice_id, error)
        return None


def invoice_payment(invoice) -> tuple[str | None, object]:
    """The PaymentIntent id and the charge (an id, an object or None) that pay an invoice."""
    payments = field(field(invoice, "payments"), "data")
    if payments is None and not (field(invoice, "payment_intent") or field(invoice, "charge")):
        payments = _listed_payments(field(invoice, "id"))
    if payments is None:  # the older shape
        return object_id(field(invoice, "payment_intent")), field(invoice, "charge")
    ranked = sorted(payments, key=lambda p: (field(p, "status") != "paid", not field(p, "is_default")))
    for listed in ranked:
        payment = field(listed, "payment")
        if field(payment, "payment_intent") or field(payment, "charge"):
            return object_id(field(payment, "payment_intent")), field(payment, "charge")
    return None, None


def _intent_charge(payment_intent: str | None):
    """The charge of a PaymentIntent, with its balance transaction (for the fee)."""
    if not payment_intent or not configured():
        return None
    try:
        intent = v1().payment_intents.retrieve(payment_intent, params={"expand": ["latest_charge.balance_transaction"]})
    except StripeError as error:
        log.warning("charge of payment %s: %s", payment_intent, error)
        return None
    return field(intent, "latest_charge")


def _charge_fee(charge) -> int | None:
    if isinstance(charge, str) and configured():
        try:
            charge = v1().charges.retrieve(charge, params={"expand": ["balance_transaction"]})
        except StripeError:
            return None
    return balance_fee(charge) if charge is not None and not isinstance(charge, str) else None


def _mark_paid(gift: Gift, amount: int, charge, created) -> bool:
    """Mark a gift paid; False when it already was (nothing to do, no second receipt)."""
    if gift.status in ("succeeded", "refunded"):
        if not gift.stripe_charge_id and object_id(charge):
            gift.stripe_charge_id = object_id(charge)
        return False
    donors.lock_unlinked(gift.donor)
    gift.status = "succeeded"
    gift.failure_code = None
    gift.amount_cents = amount or gift.amount_cents
    gift.stripe_charge_id = object_id(charge) or gift.stripe_charge_id
    fee = _charge_fee(charge)
    if fee is not None:
        gift.fee_cents = fee
    gift.received_at = stripe_time(created)
    gift.settle()
    donors.ensure_account(gift.donor)
    return True


def payment_succeeded(payment_intent) -> Outcome:
    """A one-time gift's PaymentIntent succeeded."""
    outcome = Outcome()
    metadata = field(payment_intent, "metadata", {})
    intent_id = field(payment_intent, "id")
    gift = gift_for(payment_intent=intent_id, gift_id=field(metadata, "gift_id"))
    if gift is None:
        # A monthly charge is known once its invoice is recorded (nothing links the two in the
        # current API); anything else waits, seen by staff.
        outcome.waits_for = intent_id
        outcome.unplaced = None if intent_id else "payment without an id"
        return outcome
    if gift.recurring_gift_id:
        return outcome  # monthly charges are recorded from their invoices
    amount = field(payment_intent, "amount_received") or field(payment_intent, "amount")
    if gift.stripe_payment_intent_id not in (None, intent_id) and gift.status in ("succeeded", "refunded"):
        # The gift was already paid by another PaymentIntent: the donor was charged twice. Never
        # rewrite the gift; show staff the second charge so that they refund it.
        flag_duplicate_payment(gift, intent_id, amount)
        return outcome
    gift.stripe_payment_intent_id = intent_id
    if _mark_paid(gift, amount, _charge_of(payment_intent), field(payment_intent, "created")):
        outcome.receipts.append(gift.id)
    outcome.touched += [gift.stripe_payment_intent_id, gift.stripe_charge_id]
    return outcome


DUPLICATE_PAYMENT = "duplicate_payment"


def flag_duplicate_payment(gift: Gift, intent_id: str, amount) -> None:
    """A second successful charge for a gift, listed for staff with the refused attempts (once)."""
    detail = f"gift {gift.id} paid by {gift.stripe_payment_intent_id}; {intent_id} also paid: refund it"[:200]
    if (
        db.session.scalar(
            select(RefusedAttempt.id).where(RefusedAttempt.reason == DUPLICATE_PAYMENT, RefusedAttempt.detail == detail)
        )
        is None
    ):
        db.session.add(RefusedAttempt(reason=DUPLICATE_PAYMENT, amount_cents=int(amount or 0) or None, detail=detail))


def payment_failed(payment_intent) -> Outcome:
    metadata = field(payment_intent, "metadata", {})
    gift = gift_for(payment_intent=field(payment_intent, "id"), gift_id=field(metadata, "gift_id"))
    if gift is None:
        intent_id = field(payment_intent, "id")
        return Outcome(waits_for=intent_id, unplaced=None if intent_id else "payment without an id")
    if (
        gift is not None
        and not gift.recurring_gift_id
        and gift.status in ("pending", "failed")
        and gift.stripe_payment_intent_id in (None, field(payment_intent, "id"))
    ):
        gift.status = "failed"
        gift.failure_code = field(field(payment_intent, "last_payment_error"), "code", "failed")[:64]
    return Outcome()


def _invoice_gift(invoice, recurring: RecurringGift, status: str, amount: int) -> tuple[Gift, bool]:
    """The gift of one monthly invoice, created if new. Returns (gift, created)."""
    invoice_id = field(invoice, "id")
    gift = gift_for(invoice=invoice_id)
    if gift is not None:
        return gift, False
    gift = Gift(
        donor_id=recurring.donor_id,
        fund_id=recurring.fund_id,
        campaign_id=recurring.campaign_id,
        tour_event_id=recurring.tour_event_id,
        recurring_gift_id=recurring.id,
        amount_cents=amount,
        covered_fee_cents=recurring.covered_fee_cents,
        currency=field(invoice, "currency", recurring.currency),
        anonymous=recurring.anonymous,
        amount_shown=recurring.amount_shown,
        source="online",
        status=status,
        stripe_invoice_id=invoice_id,
        donor_name=recurring.donor_name,
        donor_address=recurring.donor_address,
        received_at=stripe_time(field(invoice, "created")),
    )
    donors.lock_unlinked(recurring.donor)
    try:
        with db.session.begin_nested():  # the donate page and the webhook may both get here
            db.session.add(gift)
            db.session.flush()
    except IntegrityError:
        existing = gift_for(invoice=invoice_id)
        if existing is None:  # not the other request's gift that stood in the way
            raise
        return existing, False
    return gift, True


def invoice_paid(invoice) -> Outcome:
    """Each paid invoice of a monthly gift is a gift of its own."""
    outcome = Outcome()
    recurring = _invoice_recurring(invoice, outcome)
    if recurring is None:
        return outcome
    amount = int(field(invoice, "amount_paid", 0))
    if amount <= 0:  # a $0 invoice (a trial, a credit) is no gift, whatever the plan says
        if recurring.status in ("incomplete", "past_due"):
            recurring.status = "active"
        return outcome
    gift, _created = _invoice_gift(invoice, recurring, "pending", amount)
    payment_intent, charge = (None, None)
    if not (gift.stripe_payment_intent_id and gift.status in ("succeeded", "refunded")):
        payment_intent, charge = invoice_payment(invoice)
        _link_payment(gift, payment_intent)
        charge = charge or _intent_charge(payment_intent)
    if _mark_paid(gift, amount, charge, field(invoice, "created")):
        outcome.receipts.append(gift.id)
    if recurring.status in ("incomplete", "past_due"):
        recurring.status = "active"
    outcome.touched += [gift.stripe_invoice_id, gift.stripe_charge_id, gift.stripe_payment_intent_id]
    return outcome


def _invoice_recurring(invoice, outcome: Outcome) -> RecurringGift | None:
    """The monthly gift an invoice bills; None and the outcome says why (waits, or unplaced)."""
    subscription = invoice_subscription(invoice)
    recurring = recurring_for(subscription, _invoice_recurring_id(invoice))
    if recurring is None:
        outcome.waits_for = subscription
        outcome.unplaced = None if subscription else "invoice of no subscription"
    return recurring


def _link_payment(gift: Gift, payment_intent: str | None) -> None:
    if payment_intent and not gift.stripe_payment_intent_id:
        taken = db.session.scalar(select(Gift.id).where(Gift.stripe_payment_intent_id == payment_intent))
        if taken is None:
            gift.stripe_payment_intent_id = payment_intent


def invoice_failed(invoice) -> Outcome:
    """A monthly charge failed: not counted, and the donor is asked to update the card."""
    outcome = Outcome()
    recurring = _invoice_recurring(invoice, outcome)
    if recurring is None:
        return outcome
    amount = int(field(invoice, "amount_due", 0))
    if amount <= 0:
        return outcome
    gift, created = _invoice_gift(invoice, recurring, "failed", amount)
    if not gift.stripe_payment_intent_id:  # so that the PaymentIntent's own events find the gift
        _link_payment(gift, invoice_payment(invoice)[0])
        outcome.touched.append(gift.stripe_payment_intent_id)
    if gift.status in ("pending", "failed"):
        gift.status = "failed"
        gift.failure_code = "invoice_payment_failed"
        if created:
            outcome.failures.append(gift.id)
    if recurring.status == "active":
        recurring.status = "past_due"
    return outcome


def _apply_refund_total(gift: Gift, at_least: int = 0) -> None:
    """The gift's refunded amount: its refunds that went through (a failed or canceled one gives
    nothing back), or what the charge says when it came without its list of refunds."""
    recorded = (
        db.session.scalar(
            select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
                Refund.gift_id == gift.id, Refund.status.notin_(REFUND_VOID)
            )
        )
        or 0
    )
    gift.refunded_cents = max(recorded, at_least)
    gift.settle()


def record_refund(
    gift: Gift, refund_id: str | None, amount: int, reason: str | None = None, by=None, status: str | None = None
) -> None:
    status = status if status in REFUND_STATUSES else "succeeded"
    row = db.session.scalar(select(Refund).where(Refund.stripe_refund_id == refund_id)) if refund_id else None
    if row is not None:
        # A refund's status only moves forward: pending, then succeeded or failed/canceled.
        if (
            row.status != status
            and row.status not in REFUND_VOID
            and (status in REFUND_VOID or row.status == "pending")
        ):
            row.status = status
            db.session.flush()
            _apply_refund_total(gift)
        return
    if amount <= 0:
        return
    db.session.add(
        Refund(
            gift_id=gift.id,
            stripe_refund_id=refund_id,
            amount_cents=amount,
            status=status,
            reason=(reason or None) and reason[:200],
            by_user_id=getattr(by, "id", None),
        )
    )
    db.session.flush()
    _apply_refund_total(gift)


def charge_refunded(charge) -> Outcome:
    """Full or partial refunds of a charge: the gift's net amount follows."""
    outcome = Outcome()
    gift = gift_for(
        charge=field(charge, "id"),
        payment_intent=object_id(field(charge, "payment_intent")),
        invoice=object_id(field(charge, "invoice")),
    )
    if gift is None:
        outcome.waits_for = object_id(field(charge, "payment_intent")) or field(charge, "id")
        outcome.unplaced = None if outcome.waits_for else "charge without an id"
        return outcome
    refunds = field(field(charge, "refunds"), "data") or []
    for refund in refunds:
        record_refund(
            gift,
            field(refund, "id"),
            int(field(refund, "amount", 0)),
            field(refund, "reason"),
            status=field(refund, "status"),
        )
    _apply_refund_total(gift, at_least=0 if refunds else int(field(charge, "amount_refunded", 0)))
    return outcome


def refund_seen(refund) -> Outcome:
    """A refund object (refund.created/updated/failed, or one listed by reconciliation); a failed
    or canceled refund is kept, marked, and no longer counts."""
    outcome = Outcome()
    gift = gift_for(
        charge=object_id(field(refund, "charge")), payment_intent=object_id(field(refund, "payment_intent"))
    )
    if gift is None:
        outcome.waits_for = object_id(field(refund, "payment_intent")) or object_id(field(refund, "charge"))
        outcome.unplaced = None if outcome.waits_for else "refund of no payment"
        return outcome
    record_refund(
        gift,
        field(refund, "id"),
        int(field(refund, "amount", 0)),
        field(refund, "reason"),
        status=field(refund, "status"),
    )
    return outcome


DISPUTE_CLOSED = ("won", "lost")


def dispute_seen(dispute, reinstated: bool = False) -> Outcome:
    """A dispute flags the gift for staff. A lost one takes its amount back (kept apart from
    refunds) and Stripe's dispute fee; a won one, or funds reinstated, gives both back."""
    outcome = Outcome()
    gift = gift_for(
        charge=object_id(field(dispute, "charge")), payment_intent=object_id(field(dispute, "payment_intent"))
    )
    if gift is None:
        outcome.waits_for = object_id(field(dispute, "payment_intent")) or object_id(field(dispute, "charge"))
        outcome.unplaced = None if outcome.waits_for else "dispute of no payment"
        return outcome
    dispute_id = field(dispute, "id")
    row = db.session.scalar(select(Dispute).where(Dispute.stripe_dispute_id == dispute_id))
    status = "won" if reinstated else field(dispute, "status", "needs_response")
    if row is None:
        row = Dispute(
            gift_id=gift.id,
            stripe_dispute_id=dispute_id,
            amount_cents=int(field(dispute, "amount", 0)),
            reason=field(dispute, "reason"),
            status=status,
        )
        db.session.add(row)
    # A closed dispute is not reopened by an older event; only money reinstated turns lost into won.
    if row.status not in DISPUTE_CLOSED or (status == "won" and row.status == "lost"):
        row.status = status
    transactions = field(dispute, "balance_transactions") or []
    if transactions:  # the fee withdrawn, less any fee given back
        row.fee_cents = sum(int(field(t, "fee", 0)) for t in transactions)
    elif row.status == "won":
        row.fee_cents = 0
    db.session.flush()
    gift.disputed = True
    lost, fees = db.session.execute(
        select(
            func.coalesce(
                func.sum(type_coerce(case((Dispute.status == "lost", Dispute.amount_cents), else_=0), Integer)), 0
            ),
            func.coalesce(func.sum(Dispute.fee_cents), 0),
        ).where(Dispute.gift_id == gift.id)
    ).one()
    gift.dispute_lost_cents, gift.dispute_fee_cents = int(lost), max(0, int(fees))
    gift.settle()
    return outcome


STATUS_FROM_STRIPE = {
    "active": "active",
    "trialing": "active",
    "past_due": "past_due",
    "unpaid": "past_due",
    "canceled": "canceled",
    "incomplete_expired": "canceled",
    "incomplete": "incomplete",
}


def subscription_changed(subscription, at: int, deleted: bool = False) -> Outcome:
    """A monthly gift's status, applied only if newer than the last one applied (out-of-order events)."""
    outcome = Outcome()
    recurring = recurring_for(
        field(subscription, "id"), field(field(subscription, "metadata", {}), "recurring_gift_id"), lock=True
    )
    if recurring is None:
        if deleted or STATUS_FROM_STRIPE.get(field(subscription, "status")) == "canceled":
            outcome.superseded = True  # the end of a subscription we no longer know: nothing to wait for
            return outcome
        outcome.waits_for = field(subscription, "id")
        outcome.unplaced = None if outcome.waits_for else "subscription without an id"
        return outcome
    if recurring.status == "canceled" or (at < recurring.status_at and not deleted):
        outcome.superseded = True
        return outcome
    status = "canceled" if deleted else STATUS_FROM_STRIPE.get(field(subscription, "status"), recurring.status)
    if status == "incomplete" and recurring.status != "incomplete":
        # Stripe never makes a subscription incomplete again once its first invoice is paid: this is
        # the news of its creation, arriving after the checkout saw the payment through.
        outcome.superseded = True
        return outcome
    if status == "active" and field(subscription, "pause_collection"):
        status = "paused"
    recurring.status = status
    recurring.status_at = max(at, recurring.status_at)
    if status == "canceled" and recurring.canceled_at is None:
        recurring.canceled_at = stripe_time(field(subscription, "canceled_at") or at)
    outcome.touched.append(recurring.stripe_subscription_id)
    return outcome
