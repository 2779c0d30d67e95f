"""Sign arbitrary Stripe event payloads exactly like Stripe (and localstripe)."""

import hashlib
import hmac
import json
import secrets
import time


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """Return the Stripe-Signature header value for raw body `payload`."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def make_event(
    event_type: str, obj: dict, *, api_version="2017-08-15", created: int | None = None, previous_attributes=None
) -> dict:
    """A minimal v1 snapshot event envelope around `obj`."""
    data = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": api_version,
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": data,
    }


def signed_request(event: dict, secret: str, timestamp: int | None = None):
    """(raw_body_bytes, headers) ready to POST to a webhook endpoint, e.g.
    flask_client.post(url, data=body, headers=headers)."""
    body = json.dumps(event, separators=(",", ":"))
    return body.encode("utf-8"), {
        "Content-Type": "application/json",
        "Stripe-Signature": sign_payload(body, secret, timestamp),
    }
