"""Stripe webhooks: verified, stored once, applied in any order.

The event row and everything the event changes commit together. Its unique event id makes a
redelivery — or the same event delivered twice at the same moment — a no-op: the second insert
waits for the first transaction and then fails on the unique constraint, inside a savepoint.
An event about a payment we do not know yet is kept (``deferred``) and replayed when we learn of it;
one the ledger cannot place at all is kept ``unplaced``, and one older than what it speaks of is
``superseded``. Staff see the deferred and unplaced ones, and any event of another API version.
A signed body that is no Stripe event is refused (400), never half-read.
"""

from __future__ import annotations

import json
import logging

from flask import has_request_context, request
from sqlalchemy import or_, select
from sqlalchemy.exc import DataError, IntegrityError

from ...extensions import db
from ...jobs import services as jobs
from ..models import Gift, StripeEvent
from . import ledger, receipts, signin
from .stripe_gateway import API_VERSION, SignatureError, field, verify_signature

log = logging.getLogger(__name__)


def _subscription_handler(event_type: str):
    return lambda obj, event: ledger.subscription_changed(
        obj, int(field(event, "created", 0)), deleted=event_type.endswith(".deleted")
    )


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


class NotAnEvent(ValueError):
    pass


ID_LENGTH = 255  # what the id columns hold; Stripe's ids are far shorter


def _text(value, longest: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= longest


def parse(payload: bytes) -> dict:
    """The event in a signed body, or NotAnEvent: an id, a type and an object, of sane sizes."""
    try:
        event = json.loads(payload)
    except ValueError:  # not JSON, or not UTF-8
        raise NotAnEvent("not JSON") from None
    if not isinstance(event, dict):
        raise NotAnEvent("not an object")
    obj = field(event.get("data"), "object")
    created = event.get("created", 0)
    if not (_text(event.get("id"), ID_LENGTH) and _text(event.get("type"), 64) and isinstance(obj, dict)):
        raise NotAnEvent("no id, type or data.object")
    if not (obj.get("id") is None or _text(obj.get("id"), ID_LENGTH)):
        raise NotAnEvent("object id")
    if not (isinstance(created, int) and 0 <= created < 2**31):
        raise NotAnEvent("created")
    if not (event.get("api_version") is None or _text(event.get("api_version"), 32)):
        raise NotAnEvent("api_version")
    return event


EVENT_JOB = "giving.stripe_event"


def receive(payload: bytes, signature: str) -> str:
    """Verify one delivery and put it in the outbox, so that Stripe is answered at once (as it asks)
    and a job applies it: "queued", or "duplicate" for an event received before."""
    try:
        verify_signature(payload, signature)
    except (SignatureError, ValueError) as error:  # forged, stale, or no signature header at all
        raise BadSignature(str(error)) from None
    event = parse(payload)
    # The mails it causes link to the site: BASE_URL, else the address Stripe posted to.
    site = request.host_url if has_request_context() else None
    queued = jobs.store(EVENT_JOB, {"event": event, "site": site}, key=f"stripe-event:{event['id']}") is not None
    return "queued" if queued else "duplicate"


@jobs.handler(EVENT_JOB, commits=True)  # apply() commits; its event row makes a second run a no-op
def _apply_queued(payload: dict) -> None:
    with jobs.links_to(payload["site"]):
        apply(payload["event"])


def _handle(handler, event: dict) -> ledger.Outcome:
    """Run a handler; an object it cannot read (a field of the wrong kind, a value too long for
    its column) changes nothing and is kept for staff instead of failing the delivery for ever."""
    try:
        with db.session.begin_nested():
            return handler(event["data"]["object"], event)
    except (TypeError, ValueError, AttributeError, KeyError, DataError) as error:
        log.warning("Stripe event %s could not be read: %s", event["id"], error)
        return ledger.Outcome(unplaced=f"unreadable: {error}")


def _settle(row: StripeEvent, outcome: ledger.Outcome, event: dict) -> None:
    """The event row's outcome; deferred and unplaced events keep their payload."""
    if outcome.waits_for:
        row.outcome, row.waits_for, row.payload = "deferred", outcome.waits_for, event
    elif outcome.unplaced:
        row.outcome, row.waits_for, row.payload, row.note = "unplaced", None, event, outcome.unplaced[:200]
    else:
        row.outcome = "superseded" if outcome.superseded else "processed"
        row.waits_for, row.payload = None, None


def apply(event: dict) -> str:
    handler = HANDLERS.get(event["type"])
    row = StripeEvent(
        event_id=event["id"],
        type=event["type"],
        stripe_created=event.get("created") or 0,
        api_version=event.get("api_version"),
        outcome="processed" if handler else "ignored",
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return "duplicate"
    if handler is None:
        db.session.commit()
        return "ignored"
    outcome = _handle(handler, event)
    _settle(row, outcome, event)
    if row.outcome == "processed":
        outcome.merge(replay_waiting(outcome.touched))
    queue_mail(outcome)
    db.session.commit()
    return row.outcome


def replay_waiting(stripe_ids) -> ledger.Outcome:
    """Apply the deferred events that were waiting for one of these Stripe ids."""
    total = ledger.Outcome()
    ids = [i for i in stripe_ids if i]
    while ids:
        waiting = list(
            db.session.scalars(
                select(StripeEvent)
                .where(StripeEvent.outcome == "deferred", StripeEvent.waits_for.in_(ids))
                .order_by(StripeEvent.stripe_created, StripeEvent.id)
            )
        )
        ids = []
        for row in waiting:
            event = row.payload
            if event is None:  # a deferred event keeps its payload until it is handled
                raise ValueError(f"deferred Stripe event {row.id} has no payload")
            outcome = _handle(HANDLERS[event["type"]], event)
            if outcome.waits_for:
                continue
            _settle(row, outcome, event)
            total.merge(outcome)
            ids += [i for i in outcome.touched if i]
    return total


def needing_attention(limit: int = 50) -> list[StripeEvent]:
    """For the staff page: events still waiting, events the ledger could not place, and events
    in another API version than the one the app speaks (their objects may be shaped otherwise)."""
    return list(
        db.session.scalars(
            select(StripeEvent)
            .where(
                or_(
                    StripeEvent.outcome.in_(("deferred", "unplaced")),
                    StripeEvent.api_version.is_(None),
                    StripeEvent.api_version != API_VERSION,
                )
            )
            .order_by(StripeEvent.id.desc())
            .limit(limit)
        )
    )


def queue_mail(outcome: ledger.Outcome) -> None:
    """The emails an outcome calls for, into the outbox of the transaction that records it."""
    for gift_id in dict.fromkeys(outcome.receipts):
        receipts.queue_receipt(db.session.get_one(Gift, gift_id))
    for gift_id in dict.fromkeys(outcome.failures):
        gift = db.session.get_one(Gift, gift_id)
        receipts.queue_card_failed(gift, signin.card_update_link(gift.donor))
