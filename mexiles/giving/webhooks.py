"""Stripe webhooks: verified, stored once, applied in any order.

The event row and everything the event changes commit together. Its unique event id makes a
redelivery — or the same event delivered twice at the same moment — a no-op: the second insert
waits for the first transaction and then fails on the unique constraint, inside a savepoint.
An event about a payment we do not know yet is kept (``deferred``) and replayed when we learn of it.
"""
from __future__ import annotations

import logging

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..jobs import services as jobs
from . import ledger, receipts
from .models import Gift, StripeEvent
from .stripe_gateway import SignatureError, field, verify_event

log = logging.getLogger(__name__)


def _subscription_handler(event_type: str):
    return lambda obj, event: ledger.subscription_changed(obj, int(field(event, "created", 0)),
                                                          deleted=event_type.endswith(".deleted"))


HANDLERS = {
    "payment_intent.succeeded": lambda obj, event: ledger.payment_succeeded(obj),
    "payment_intent.payment_failed": lambda obj, event: ledger.payment_failed(obj),
    "invoice.payment_succeeded": lambda obj, event: ledger.invoice_paid(obj),
    "invoice.paid": lambda obj, event: ledger.invoice_paid(obj),
    "invoice.payment_failed": lambda obj, event: ledger.invoice_failed(obj),
    "charge.refunded": lambda obj, event: ledger.charge_refunded(obj),
    "refund.created": lambda obj, event: ledger.refund_seen(obj),
    "refund.updated": lambda obj, event: ledger.refund_seen(obj),
    "refund.failed": lambda obj, event: ledger.refund_seen(obj),
    "charge.refund.updated": lambda obj, event: ledger.refund_seen(obj),
    "charge.dispute.created": lambda obj, event: ledger.dispute_seen(obj),
    "charge.dispute.updated": lambda obj, event: ledger.dispute_seen(obj),
    "charge.dispute.closed": lambda obj, event: ledger.dispute_seen(obj),
    "charge.dispute.funds_withdrawn": lambda obj, event: ledger.dispute_seen(obj),
    "charge.dispute.funds_reinstated": lambda obj, event: ledger.dispute_seen(obj, reinstated=True),
    "customer.subscription.created": _subscription_handler("created"),
    "customer.subscription.updated": _subscription_handler("updated"),
    "customer.subscription.deleted": _subscription_handler("deleted"),
}


class BadSignature(ValueError):
    pass


EVENT_JOB = "giving.stripe_event"


def receive(payload: bytes, signature: str) -> str:
    """Verify one delivery and put it in the outbox, so that Stripe is answered at once (as it asks)
    and a job applies it: "queued", or "duplicate" for an event received before."""
    try:
        event = verify_event(payload, signature)
    except (SignatureError, ValueError) as error:  # a forged signature, or not JSON at all
        raise BadSignature(str(error)) from None
    event = event.to_dict() if hasattr(event, "to_dict") else event
    if not (isinstance(event, dict) and isinstance(event.get("id"), str) and 0 < len(event["id"]) <= 200):
        raise BadSignature("not a Stripe event")  # signed, but nothing a job could name and apply
    # The mails it causes link to the site: BASE_URL, else the address Stripe posted to.
    site = request.host_url if has_request_context() else None
    queued = jobs.enqueue(EVENT_JOB, {"event": event, "site": site}, key=f"stripe-event:{event['id']}") is not None
    db.session.commit()
    return "queued" if queued else "duplicate"


@jobs.handler(EVENT_JOB, commits=True)  # apply() commits; its event row makes a second run a no-op
def _apply_queued(payload: dict) -> None:
    with jobs.links_to(payload["site"]):
        apply(payload["event"])


def apply(event: dict) -> str:
    handler = HANDLERS.get(event["type"])
    row = StripeEvent(event_id=event["id"], type=event["type"][:64], stripe_created=int(event.get("created") or 0),
                      outcome="processed" if handler else "ignored")
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return "duplicate"
    if handler is None:
        db.session.commit()
        return "ignored"
    outcome = handler(event["data"]["object"], event)
    if outcome.waits_for:
        row.outcome, row.waits_for, row.payload = "deferred", outcome.waits_for, event
    else:
        outcome.merge(replay_waiting(outcome.touched))
    queue_mail(outcome)
    db.session.commit()
    return row.outcome


def replay_waiting(stripe_ids) -> ledger.Outcome:
    """Apply the deferred events that were waiting for one of these Stripe ids."""
    total = ledger.Outcome()
    ids = [i for i in stripe_ids if i]
    while ids:
        waiting = list(db.session.scalars(select(StripeEvent).where(StripeEvent.outcome == "deferred",
                                                                    StripeEvent.waits_for.in_(ids))
                                          .order_by(StripeEvent.stripe_created, StripeEvent.id)))
        ids = []
        for row in waiting:
            event = row.payload
            outcome = HANDLERS[event["type"]](event["data"]["object"], event)
            if outcome.waits_for:
                continue
            row.outcome, row.waits_for, row.payload = "processed", None, None
            total.merge(outcome)
            ids += [i for i in outcome.touched if i]
    return total


def queue_mail(outcome: ledger.Outcome) -> None:
    """The emails an outcome calls for, into the outbox of the transaction that records it."""
    from .portal import card_update_link

    for gift_id in dict.fromkeys(outcome.receipts):
        receipts.queue_receipt(db.session.get(Gift, gift_id))
    for gift_id in dict.fromkeys(outcome.failures):
        gift = db.session.get(Gift, gift_id)
        receipts.queue_card_failed(gift, card_update_link(gift.donor))
