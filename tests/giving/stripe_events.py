"""Stripe objects as Stripe publishes them (stripe_objects/), in the current API version and in the
last one before invoices moved their subscription and payment, filled in with a test's ids."""

import copy
import json
from pathlib import Path

from mexiles.giving.services.stripe_gateway import API_VERSION

OLD_VERSION = "2025-01-27.acacia"
VERSIONS = (API_VERSION, OLD_VERSION)
_FOLDER = Path(__file__).with_name("stripe_objects")
_PUBLISHED = {version: json.loads((_FOLDER / f"{version}.json").read_text())["objects"] for version in VERSIONS}


def published(version: str, name: str, **changes) -> dict:
    """Stripe's own example of the object in that version, with these fields changed."""
    obj = copy.deepcopy(_PUBLISHED[version][name])
    obj.update(changes)
    return obj


def invoice(
    version: str,
    invoice_id: str,
    subscription: str,
    amount: int,
    status: str = "paid",
    payment_intent: str | None = None,
    created: int = 1767225600,
) -> dict:
    """An invoice of a subscription, as its webhook carries it."""
    obj = published(
        version,
        "invoice",
        id=invoice_id,
        amount_due=amount,
        amount_paid=amount if status == "paid" else 0,
        amount_remaining=0 if status == "paid" else amount,
        status=status,
        created=created,
        billing_reason="subscription_cycle",
        currency="usd",
        metadata={},
    )
    if version == API_VERSION:
        # The subscription under parent; the payment in `payments`, which a webhook leaves out.
        obj["parent"] = {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": {}, "subscription": subscription},
        }
        obj.pop("subscription", None)
    else:
        obj.update(
            subscription=subscription,
            payment_intent=payment_intent,
            charge=f"ch_{payment_intent}" if payment_intent else None,
            paid=status == "paid",
        )
    return obj


def payment_intent(version: str, intent_id: str, amount: int, fee: int, metadata=None) -> dict:
    charge = published(
        version,
        "charge",
        id=f"ch_{intent_id}",
        amount=amount,
        amount_captured=amount,
        payment_intent=intent_id,
        paid=True,
        status="succeeded",
        captured=True,
        balance_transaction={
            "id": f"txn_{intent_id}",
            "object": "balance_transaction",
            "amount": amount,
            "fee": fee,
            "net": amount - fee,
        },
    )
    return published(
        version,
        "payment_intent",
        id=intent_id,
        amount=amount,
        amount_received=amount,
        status="succeeded",
        created=1767225600,
        metadata=metadata or {},
        latest_charge=charge,
        client_secret=f"{intent_id}_secret_test",
        last_payment_error=None,
        next_action=None,
    )


def refunded_charge(version: str, intent_id: str, amount: int, refunds: list[tuple[str, int]]) -> dict:
    listed = [
        published(
            version,
            "refund",
            id=refund_id,
            amount=cents,
            charge=f"ch_{intent_id}",
            payment_intent=intent_id,
            status="succeeded",
        )
        for refund_id, cents in refunds
    ]
    return published(
        version,
        "charge",
        id=f"ch_{intent_id}",
        amount=amount,
        amount_captured=amount,
        payment_intent=intent_id,
        refunded=sum(c for _r, c in refunds) >= amount,
        amount_refunded=sum(c for _r, c in refunds),
        refunds={"object": "list", "data": listed, "has_more": False, "url": "/v1/refunds"},
    )


def refund(version: str, refund_id: str, intent_id: str, amount: int, status: str = "succeeded") -> dict:
    return published(
        version,
        "refund",
        id=refund_id,
        amount=amount,
        charge=f"ch_{intent_id}",
        payment_intent=intent_id,
        status=status,
    )


def dispute(version: str, dispute_id: str, intent_id: str, amount: int, status: str = "needs_response") -> dict:
    return published(
        version,
        "dispute",
        id=dispute_id,
        amount=amount,
        charge=f"ch_{intent_id}",
        payment_intent=intent_id,
        status=status,
        reason="fraudulent",
        balance_transactions=[],
    )


def subscription(version: str, subscription_id: str, status: str) -> dict:
    return published(
        version,
        "subscription",
        id=subscription_id,
        status=status,
        metadata={},
        pause_collection=None,
        canceled_at=None,
        cancel_at=None,
        ended_at=None,
    )
