"""The one place that talks to Stripe (or to localstripe in tests), through a StripeClient.

The app speaks one Stripe API version, ``API_VERSION``: the one the pinned ``stripe`` library
(16.x) is generated for. Every request names it, and so does the webhook endpoint that
``flask giving webhook-endpoint`` creates, so that Stripe sends every object in that version's shape.
"""

from __future__ import annotations

from typing import Any

import stripe
from flask import current_app

# What the donate page tells a donor for each kind of failure.
CardError = stripe.CardError
NetworkError = stripe.APIConnectionError
StripeError = stripe.StripeError
InvalidRequestError = stripe.InvalidRequestError
APIError = stripe.APIError
SignatureError = stripe.SignatureVerificationError

API_VERSION = "2026-10-28.endive"


def configured() -> bool:
    config = current_app.config
    return bool(config["STRIPE_SECRET_KEY"] and config["STRIPE_PUBLISHABLE_KEY"])


def client() -> stripe.StripeClient:
    config = current_app.config
    options: dict[str, Any] = {}
    if config["STRIPE_API_BASE"]:
        options["base_addresses"] = {"api": config["STRIPE_API_BASE"]}
    # A hung Stripe must fail well inside a web worker's timeout, so that the donor gets our own
    # message. A retry after a network error is safe: every write carries an idempotency key.
    http_client = stripe.new_default_http_client(timeout=config["STRIPE_TIMEOUT_SECONDS"])
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        stripe_version=API_VERSION,
        http_client=http_client,
        max_network_retries=config["STRIPE_NETWORK_RETRIES"],
        **options,
    )


def v1():
    return client().v1


def idempotent(key: str) -> dict:
    return {"idempotency_key": key[:255]}


def verify_signature(payload: bytes, signature: str) -> None:
    """Raises SignatureError unless Stripe signed this body (and recently)."""
    stripe.WebhookSignature.verify_header(
        payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"], stripe.Webhook.DEFAULT_TOLERANCE
    )


def field(obj, name: str, default=None):
    """Read a field from a StripeObject or a plain dict (snapshots in events are dicts)."""
    if obj is None:
        return default
    try:
        value = obj[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def object_id(value) -> str | None:
    """An id whether Stripe sent the id or the expanded object (localstripe embeds charges)."""
    if value is None or isinstance(value, str):
        return value
    return field(value, "id")


def balance_fee(charge) -> int | None:
    """The fee of a charge, from its balance transaction when it came expanded or can be fetched."""
    transaction = field(charge, "balance_transaction")
    if isinstance(transaction, str) and configured():
        try:
            transaction = v1().balance_transactions.retrieve(transaction)
        except StripeError:
            return None
    if transaction is None or isinstance(transaction, str):
        return None
    return int(field(transaction, "fee", 0))
