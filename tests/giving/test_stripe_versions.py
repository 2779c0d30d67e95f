"""Signed events built from Stripe's published objects, in the API version the app speaks and in the
older shape: each is recorded, and what cannot be placed, or comes in another version, is shown to staff."""

import pytest
from sqlalchemy import select

from mexiles.extensions import db
from mexiles.giving.models import Dispute, Donor, Gift, RecurringGift, Refund, StripeEvent
from mexiles.giving.services.stripe_gateway import API_VERSION

from . import stripe_events as published
from .conftest import WEBHOOK_SECRET, outcome
from .signing import make_event

pytestmark = pytest.mark.parametrize("version", published.VERSIONS)


@pytest.fixture
def webhook_app(app):
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    yield app
    app.config["STRIPE_WEBHOOK_SECRET"] = ""


@pytest.fixture
def post(post_event, webhook_app):
    def send(version, event_type, obj, created=None):
        answer = post_event(event=make_event(event_type, obj, api_version=version, created=created))
        assert answer.status_code == 200 and answer.json["received"] == "queued", answer.data
        return outcome(webhook_app, answer)

    return send


def _donor(app, email="rosa@example.org") -> int:
    with app.app_context():
        donor = Donor(email_key=email, name="Rosa Invented", locale="es")
        db.session.add(donor)
        db.session.commit()
        return donor.id


def _one_time_gift(app, funds, intent="pi_versions_1") -> int:
    donor_id = _donor(app)
    with app.app_context():
        gift = Gift(
            donor_id=donor_id,
            fund_id=funds.counseling,
            amount_cents=5000,
            status="pending",
            stripe_payment_intent_id=intent,
        )
        db.session.add(gift)
        db.session.commit()
        return gift.id


def _monthly_gift(app, funds, subscription="sub_versions_1") -> int:
    donor_id = _donor(app)
    with app.app_context():
        recurring = RecurringGift(
            donor_id=donor_id,
            fund_id=funds.housing,
            amount_cents=2500,
            status="active",
            stripe_subscription_id=subscription,
        )
        db.session.add(recurring)
        db.session.commit()
        return recurring.id


def _gift(app, **where) -> Gift:
    with app.app_context():
        return db.session.scalar(select(Gift).filter_by(**where))


def test_an_invoice_paid_for_a_renewal_is_a_gift(version, webhook_app, funds, post, mailbox):
    recurring_id = _monthly_gift(webhook_app, funds)
    invoice = published.invoice(version, "in_renewal_2", "sub_versions_1", 2500, payment_intent="pi_renewal_2")
    assert post(version, "invoice.paid", invoice) == "processed"
    gift = _gift(webhook_app, stripe_invoice_id="in_renewal_2")
    assert (gift.status, gift.amount_cents, gift.recurring_gift_id) == ("succeeded", 2500, recurring_id)
    assert len(mailbox.to("rosa@example.org")) == 1
    assert post(version, "invoice.payment_succeeded", invoice) == "processed"  # the same payment: no second gift
    with webhook_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Gift)) == 1


def test_a_payment_intent_succeeded_pays_a_one_time_gift(version, webhook_app, funds, post):
    gift_id = _one_time_gift(webhook_app, funds)
    assert (
        post(version, "payment_intent.succeeded", published.payment_intent(version, "pi_versions_1", 5000, 175))
        == "processed"
    )
    gift = _gift(webhook_app, id=gift_id)
    assert (gift.status, gift.fee_cents, gift.net_cents, gift.stripe_charge_id) == (
        "succeeded",
        175,
        4825,
        "ch_pi_versions_1",
    )


def test_refunds_change_the_net(version, webhook_app, funds, post):
    gift_id = _one_time_gift(webhook_app, funds)
    post(version, "payment_intent.succeeded", published.payment_intent(version, "pi_versions_1", 5000, 175))
    charge = published.refunded_charge(version, "pi_versions_1", 5000, [("re_v1", 1000)])
    assert post(version, "charge.refunded", charge) == "processed"
    assert post(version, "refund.created", published.refund(version, "re_v2", "pi_versions_1", 4000)) == "processed"
    gift = _gift(webhook_app, id=gift_id)
    assert (gift.refunded_cents, gift.status) == (5000, "refunded")
    with webhook_app.app_context():
        assert sorted(db.session.scalars(select(Refund.stripe_refund_id))) == ["re_v1", "re_v2"]


def test_a_dispute_flags_the_gift(version, webhook_app, funds, post):
    gift_id = _one_time_gift(webhook_app, funds)
    post(version, "payment_intent.succeeded", published.payment_intent(version, "pi_versions_1", 5000, 175))
    assert (
        post(version, "charge.dispute.created", published.dispute(version, "dp_v1", "pi_versions_1", 5000))
        == "processed"
    )
    assert _gift(webhook_app, id=gift_id).disputed
    with webhook_app.app_context():
        assert db.session.scalar(select(Dispute.status)) == "needs_response"


def test_a_subscription_update_applies_only_if_newer(version, webhook_app, funds, post):
    recurring_id = _monthly_gift(webhook_app, funds)
    updated = "customer.subscription.updated"
    assert post(version, updated, published.subscription(version, "sub_versions_1", "past_due"), 2000) == "processed"
    assert post(version, updated, published.subscription(version, "sub_versions_1", "active"), 1000) == "superseded"
    with webhook_app.app_context():
        assert db.session.get(RecurringGift, recurring_id).status == "past_due"


def test_what_the_ledger_cannot_place_is_shown_to_staff(version, webhook_app, client, funds, post, auth, make_user):
    """An invoice of no subscription, a payment nobody knows: kept for staff, never 'processed'."""
    lone = published.invoice(version, "in_lone", None, 900)
    assert post(version, "invoice.paid", lone) == "unplaced"
    assert (
        post(version, "payment_intent.succeeded", published.payment_intent(version, "pi_stranger", 900, 50))
        == "deferred"
    )
    with webhook_app.app_context():
        rows = {row.type: row for row in db.session.scalars(select(StripeEvent))}
        assert rows["invoice.paid"].note == "invoice of no subscription" and rows["invoice.paid"].payload
        assert rows["payment_intent.succeeded"].waits_for == "pi_stranger"
    auth.login(make_user("coordinator"))
    page = client.get("/give/staff/").data.decode()
    assert "Could not be placed" in page and "invoice of no subscription" in page
    assert "Waiting for its payment" in page and "pi_stranger" in page
    # Events of another version are marked, so that staff move the endpoint to the app's version.
    assert (f"<strong>{version}</strong>" in page) == (version != API_VERSION)
