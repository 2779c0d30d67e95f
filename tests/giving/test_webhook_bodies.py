"""Signed bodies that are not Stripe events are refused with 400, never a 500 that Stripe would
retry for days; and no body past MAX_CONTENT_LENGTH is read (413)."""

import json

import pytest
from sqlalchemy import func, select

from mexiles.extensions import db
from mexiles.giving.models import StripeEvent

from .conftest import WEBHOOK_SECRET, outcome
from .signing import make_event, sign_payload


@pytest.fixture
def webhook_app(app):
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    yield app
    app.config["STRIPE_WEBHOOK_SECRET"] = ""


def _post_signed(client, body: str):
    return client.post(
        "/give/stripe/webhook",
        data=body.encode(),
        headers={"Content-Type": "application/json", "Stripe-Signature": sign_payload(body, WEBHOOK_SECRET)},
    )


def _event(**changes) -> str:
    event = make_event("payment_intent.succeeded", {"id": "pi_body", "object": "payment_intent"})
    event.update(changes)
    return json.dumps({k: v for k, v in event.items() if v is not None})


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '"a string"',
        "42",
        "null",
        "{}",
        "not json at all",
        "\xff\xfe",
        _event(type=None),
        _event(data=None),
        _event(id=None),
        _event(data={"object": []}),
        _event(data=[]),
        _event(id="evt_" + "x" * 296),
        _event(type="payment_intent." + "x" * 60),
        _event(created="yesterday"),
        _event(created=2**40),
        _event(data={"object": {"id": "pi_" + "x" * 297}}),
        _event(api_version={"v": 1}),
    ],
    ids=[
        "list",
        "string",
        "number",
        "null",
        "empty",
        "not-json",
        "not-utf8",
        "no-type",
        "no-data",
        "no-id",
        "object-a-list",
        "data-a-list",
        "300-char-id",
        "long-type",
        "created-text",
        "created-huge",
        "300-char-object-id",
        "version-an-object",
    ],
)
def test_a_signed_body_that_is_no_event_is_refused(webhook_app, client, body):
    answer = _post_signed(client, body)
    assert answer.status_code == 400 and answer.json["error"].startswith("not a Stripe event")
    with webhook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_an_event_whose_fields_are_of_the_wrong_kind_is_kept_for_staff(webhook_app, client, funds):
    """Signed and shaped like an event, but its object cannot be read: kept, not retried for ever."""
    from mexiles.giving.models import Donor, Gift, RecurringGift

    with webhook_app.app_context():
        donor = Donor(email_key="odd@example.org")
        db.session.add(donor)
        db.session.flush()
        db.session.add(
            RecurringGift(
                donor_id=donor.id,
                fund_id=funds.housing,
                amount_cents=2500,
                status="active",
                stripe_subscription_id="sub_odd",
            )
        )
        db.session.add(
            Gift(
                donor_id=donor.id,
                fund_id=funds.housing,
                amount_cents=2500,
                status="succeeded",
                stripe_charge_id="ch_odd",
            )
        )
        db.session.commit()
    invoice = {
        "id": "in_odd",
        "object": "invoice",
        "amount_paid": {"no": 1},
        "parent": {"subscription_details": {"subscription": "sub_odd", "metadata": {}}},
    }
    charge = {"id": "ch_odd", "object": "charge", "refunds": {"data": [{"id": "re_odd", "amount": "lots"}]}}
    for event in (make_event("invoice.paid", invoice), make_event("charge.refunded", charge)):
        answer = _post_signed(client, json.dumps(event))
        answer.event_id = event["id"]
        assert answer.status_code == 200 and outcome(webhook_app, answer) == "unplaced"
    with webhook_app.app_context():
        notes = list(db.session.scalars(select(StripeEvent.note)))
        assert len(notes) == 2 and all(note.startswith("unreadable") for note in notes)
        assert db.session.scalar(select(func.count()).select_from(Gift)) == 1  # nothing half-recorded


def test_a_body_past_the_size_limit_is_refused_unread(webhook_app, client):
    assert webhook_app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    body = _event(padding="x" * (10 * 1024 * 1024))
    assert _post_signed(client, body).status_code == 413
    assert client.post("/account/login", data={"email": "x" * (2 * 1024 * 1024)}).status_code == 413
    with webhook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0
