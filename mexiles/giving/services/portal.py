"""The donor portal: the donor's own gifts and monthly gift (the way in is ``signin``).

Every function takes the signed-in donor and only ever touches that donor's records; a gift or
monthly gift of someone else is "not found" (404), never shown.
"""

from __future__ import annotations

import datetime as dt

from flask import abort
from sqlalchemy import select

from ...audit import services as audit
from ...extensions import db
from ...refusals import Refusal
from ...timeutil import utcnow
from ..models import Donor, Gift, RecurringGift
from . import checkout, donors, receipts
from .stripe_gateway import InvalidRequestError, configured, idempotent, v1


def donor_or_404(user) -> Donor:
    return donors.for_user(user) or abort(404)


def own_gift(donor: Donor, gift_id: int) -> Gift:
    gift = db.session.get(Gift, gift_id)
    if gift is None or gift.donor_id != donor.id:
        abort(404)
    return gift


def own_recurring(donor: Donor, recurring_id: int) -> RecurringGift:
    recurring = db.session.get(RecurringGift, recurring_id)
    if recurring is None or recurring.donor_id != donor.id:
        abort(404)
    return recurring


def gifts(donor: Donor) -> list[Gift]:
    return list(
        db.session.scalars(
            select(Gift)
            .where(Gift.donor_id == donor.id, Gift.status != "pending")
            .order_by(Gift.received_at.desc(), Gift.id.desc())
        )
    )


def monthly_gifts(donor: Donor) -> list[RecurringGift]:
    return list(
        db.session.scalars(
            select(RecurringGift)
            .where(RecurringGift.donor_id == donor.id, RecurringGift.status != "incomplete")
            .order_by(RecurringGift.id.desc())
        )
    )


def statement(donor: Donor, since: dt.date, until: dt.date) -> bytes:
    audit.record("donor.statement", "donor", donor.id, since=since.isoformat(), until=until.isoformat())
    db.session.commit()
    return receipts.statement_pdf(donor, since, until, receipts.statement_gifts(donor, since, until))


def receipt(donor: Donor, gift: Gift) -> bytes:
    return receipts.receipt_pdf(gift)


class MonthlyError(Refusal):
    """Why a monthly gift cannot be changed: "ended" (cancelled here, or no longer known to Stripe)
    or "offline" (no card processor set up, as in a demo without Stripe keys)."""


def _at_stripe(recurring: RecurringGift, change):
    """Run one change of the monthly gift's subscription at Stripe. A subscription Stripe no longer
    knows has ended: the monthly gift is marked so, and the donor told, instead of a network error."""
    if recurring.status == "canceled":
        raise MonthlyError("ended")
    if not configured():
        raise MonthlyError("offline")
    try:
        return change(v1())
    except InvalidRequestError as error:
        if getattr(error, "http_status", None) != 404 and getattr(error, "code", None) != "resource_missing":
            raise
    recurring.status, recurring.canceled_at = "canceled", utcnow()
    audit.record("monthly.ended", "recurring_gift", recurring.id, why="unknown to Stripe")
    db.session.commit()
    raise MonthlyError("ended")


def change_amount(recurring: RecurringGift, amount_cents: int, actor) -> None:
    def change(stripe):
        subscription = stripe.subscriptions.retrieve(recurring.stripe_subscription_id)
        plan = checkout.plan_for(amount_cents, recurring.currency)
        item = subscription["items"].data[0].id
        stripe.subscriptions.update(
            recurring.stripe_subscription_id,
            params={"items": [{"id": item, "plan": plan}]},
            options=idempotent(f"monthly-{recurring.id}-amount-{amount_cents}-{item}"),
        )
        return plan

    recurring.stripe_plan_id = _at_stripe(recurring, change)
    recurring.amount_cents = amount_cents
    recurring.covered_fee_cents = 0
    audit.record("monthly.amount", "recurring_gift", recurring.id, actor=actor)
    db.session.commit()


def billed_customer(recurring: RecurringGift) -> str:
    """The Stripe customer whose card this monthly gift is charged to."""
    return recurring.stripe_customer_id or checkout.customer_for(recurring.donor)


def start_card_change(recurring: RecurringGift) -> str:
    """A SetupIntent whose client secret the page confirms with Stripe.js."""
    customer = billed_customer(recurring)
    intent = v1().setup_intents.create(params={"customer": customer, "payment_method_types": ["card"]})
    return intent.client_secret


def finish_card_change(recurring: RecurringGift, setup_intent_id: str, actor) -> None:
    stripe = v1()
    intent = stripe.setup_intents.retrieve(setup_intent_id)
    customer = billed_customer(recurring)
    if intent.status != "succeeded" or intent.customer != customer:
        raise MonthlyError("setup")
    checkout.set_default_card(customer, intent.payment_method, f"card-{setup_intent_id}")
    audit.record("monthly.card", "recurring_gift", recurring.id, actor=actor)
    db.session.commit()


def pause(recurring: RecurringGift, actor) -> None:
    """Stripe skips the monthly charges (each invoice voided) until the donor resumes."""
    _set_collection(recurring, {"pause_collection": {"behavior": "void"}}, "paused", "monthly.pause", actor)


def resume(recurring: RecurringGift, actor) -> None:
    _set_collection(recurring, {"pause_collection": ""}, "active", "monthly.resume", actor)


def _now_stamp() -> int:
    """Now in Stripe's time (seconds), so that an older webhook cannot undo the donor's change."""
    return int(utcnow().replace(tzinfo=dt.UTC).timestamp())


def _set_collection(recurring, params, status, action, actor) -> None:
    _at_stripe(recurring, lambda stripe: stripe.subscriptions.update(recurring.stripe_subscription_id, params=params))
    recurring.status = status
    recurring.status_at = max(recurring.status_at, _now_stamp())
    audit.record(action, "recurring_gift", recurring.id, actor=actor)
    db.session.commit()


def cancel(recurring: RecurringGift, actor) -> None:
    if recurring.status == "canceled":
        return
    _at_stripe(recurring, lambda stripe: stripe.subscriptions.cancel(recurring.stripe_subscription_id))
    recurring.status, recurring.canceled_at = "canceled", utcnow()
    recurring.status_at = max(recurring.status_at, _now_stamp())
    audit.record("monthly.cancel", "recurring_gift", recurring.id, actor=actor)
    db.session.commit()
