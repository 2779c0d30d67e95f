"""The webhook: signature, each event once (also concurrently on PostgreSQL), any order, and the
events localstripe never sends (disputes, partial refunds, failed renewals), posted signed."""

import threading

import pytest
from sqlalchemy import func, select, text

from mexiles.extensions import db
from mexiles.giving.models import Dispute, Donor, Gift, RecurringGift, RefusedAttempt, StripeEvent
from mexiles.jobs.models import Job
from tests.mailbox import body

from .conftest import WEBHOOK_SECRET, outcome
from .signing import make_event, signed_request


@pytest.fixture
def webhook_app(app):
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    yield app
    app.config["STRIPE_WEBHOOK_SECRET"] = ""


def _pending_gift(app, funds, intent="pi_test_1", email="avery@example.org", **extra):
    with app.app_context():
        donor = Donor(email_key=email, name="Avery Demo", locale="en")
        db.session.add(donor)
        db.session.flush()
        gift = Gift(
            donor_id=donor.id,
            fund_id=funds.counseling,
            amount_cents=5000,
            status="pending",
            stripe_payment_intent_id=intent,
            **extra,
        )
        db.session.add(gift)
        db.session.commit()
        return gift.id


def _intent(intent="pi_test_1", amount=5000, fee=175):
    return {
        "id": intent,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "status": "succeeded",
        "created": 1767225600,
        "metadata": {},
        "latest_charge": {
            "id": "ch_" + intent,
            "object": "charge",
            "balance_transaction": {"id": "txn_1", "fee": fee, "net": amount - fee},
        },
    }


def _gift(app, gift_id):
    with app.app_context():
        return db.session.get(Gift, gift_id)


def test_a_bad_signature_is_refused(webhook_app, client, funds):
    body_bytes, headers = signed_request(make_event("payment_intent.succeeded", _intent()), "whsec_wrong")
    assert client.post("/give/stripe/webhook", data=body_bytes, headers=headers).status_code == 400
    assert client.post("/give/stripe/webhook", data=b"{}").status_code == 400


def test_the_same_event_twice_records_one_gift_and_one_receipt(webhook_app, client, funds, post_event, mailbox):
    gift_id = _pending_gift(webhook_app, funds)
    event = make_event("payment_intent.succeeded", _intent())
    first = post_event(event=event)
    assert first.json["received"] == "queued" and outcome(webhook_app, first) == "processed"
    assert post_event(event=event).json["received"] == "duplicate"
    gift = _gift(webhook_app, gift_id)
    assert (gift.status, gift.fee_cents, gift.net_cents) == ("succeeded", 175, 4825)
    assert len(mailbox.to("avery@example.org")) == 1
    with webhook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1


def test_unsupported_events_are_stored_and_ignored(webhook_app, post_event):
    assert outcome(webhook_app, post_event("customer.created", {"id": "cus_1", "object": "customer"})) == "ignored"


def test_partial_then_full_refund_change_the_net(webhook_app, funds, post_event):
    gift_id = _pending_gift(webhook_app, funds)
    post_event("payment_intent.succeeded", _intent())
    charge = {
        "id": "ch_pi_test_1",
        "object": "charge",
        "payment_intent": "pi_test_1",
        "amount": 5000,
        "amount_refunded": 1000,
        "refunds": {"data": [{"id": "re_1", "amount": 1000}]},
    }
    post_event("charge.refunded", charge)
    gift = _gift(webhook_app, gift_id)
    assert (gift.refunded_cents, gift.net_cents, gift.status) == (1000, 3825, "succeeded")
    charge.update(
        amount_refunded=5000, refunds={"data": [{"id": "re_1", "amount": 1000}, {"id": "re_2", "amount": 4000}]}
    )
    post_event("charge.refunded", charge)
    gift = _gift(webhook_app, gift_id)
    assert (gift.refunded_cents, gift.status) == (5000, "refunded")


def test_events_out_of_order_wait_for_the_payment(webhook_app, funds, post_event):
    """A refund and a dispute that arrive before the payment are applied once the payment is known."""
    gift_id = _pending_gift(webhook_app, funds)
    refund = post_event(
        "charge.refunded",
        {
            "id": "ch_pi_test_1",
            "object": "charge",
            "payment_intent": "pi_unknown",
            "amount": 5000,
            "amount_refunded": 500,
            "refunds": {"data": [{"id": "re_9", "amount": 500}]},
        },
    )
    assert outcome(webhook_app, refund) == "deferred"
    with webhook_app.app_context():  # the payment is ours after all, under another id
        db.session.get(Gift, gift_id).stripe_payment_intent_id = "pi_unknown"
        db.session.commit()
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "charge": "ch_pi_unknown",
        "payment_intent": "pi_unknown",
        "amount": 5000,
        "reason": "fraudulent",
        "status": "needs_response",
    }
    post_event("payment_intent.succeeded", _intent("pi_unknown"))
    gift = _gift(webhook_app, gift_id)
    assert (gift.status, gift.refunded_cents) == ("succeeded", 500)
    post_event("charge.dispute.created", dispute)
    assert _gift(webhook_app, gift_id).disputed
    with webhook_app.app_context():
        assert db.session.scalar(select(Dispute.status)) == "needs_response"
        assert set(db.session.scalars(select(StripeEvent.outcome))) == {"processed"}


def test_a_failed_monthly_charge_is_not_counted_and_the_donor_is_asked_to_update_the_card(
    webhook_app, funds, post_event, mailbox
):
    with webhook_app.app_context():
        donor = Donor(email_key="monthly@example.org", name="Monthly Demo", locale="es")
        db.session.add(donor)
        db.session.flush()
        db.session.add(
            RecurringGift(
                donor_id=donor.id,
                fund_id=funds.housing,
                amount_cents=2500,
                status="active",
                stripe_subscription_id="sub_1",
            )
        )
        db.session.commit()
    invoice = {
        "id": "in_1",
        "object": "invoice",
        "subscription": "sub_1",
        "amount_due": 2500,
        "amount_paid": 0,
        "currency": "usd",
        "created": 1767225600,
        "status": "open",
    }
    post_event("invoice.payment_failed", invoice)
    post_event("invoice.payment_failed", dict(invoice))  # Stripe retries: one email only
    with webhook_app.app_context():
        gift = db.session.scalar(select(Gift))
        assert (gift.status, gift.stripe_invoice_id) == ("failed", "in_1")
        assert db.session.scalar(select(RecurringGift.status)) == "past_due"
    [notice] = mailbox.to("monthly@example.org")
    assert "/give/portal/signin/" in body(notice) and "tarjeta" in body(notice)
    post_event("invoice.payment_succeeded", dict(invoice, amount_paid=2500, status="paid", charge="ch_9"))
    with webhook_app.app_context():
        assert db.session.scalar(select(Gift.status)) == "succeeded"
        assert db.session.scalar(select(RecurringGift.status)) == "active"


@pytest.mark.postgres
@pytest.mark.committed
def test_the_same_event_delivered_twice_at_the_same_moment_records_one_gift(webhook_app, funds, mailbox):
    gift_id = _pending_gift(webhook_app, funds)
    body_bytes, headers = signed_request(make_event("payment_intent.succeeded", _intent()), WEBHOOK_SECRET)
    start = threading.Barrier(2)
    answers = []

    def deliver():
        client = webhook_app.test_client()
        start.wait()
        answers.append(client.post("/give/stripe/webhook", data=body_bytes, headers=headers).json["received"])

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["duplicate", "queued"]
    with webhook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
        assert db.session.get(Gift, gift_id).status == "succeeded"
    assert len(mailbox.to("avery@example.org")) == 1


@pytest.mark.postgres
@pytest.mark.committed
def test_a_delivery_after_the_database_dropped_every_connection_is_stored_once(
    webhook_app, funds, mailbox, database_server, client
):
    """The webhook's own pool makes no pre-ping: a connection found dead is renewed and the one
    statement sent again, and neither a lost event nor a second row comes of it."""
    gift_id = _pending_gift(webhook_app, funds)
    other_id = _pending_gift(webhook_app, funds, intent="pi_test_2", email="robin@example.org")
    first = signed_request(make_event("payment_intent.succeeded", _intent()), WEBHOOK_SECRET)
    assert client.post("/give/stripe/webhook", data=first[0], headers=first[1]).json["received"] == "queued"
    with webhook_app.app_context():
        url = db.engine.url
    with database_server.connect() as conn:  # the app's every connection, as a restarted server would
        dropped = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :name AND usename = :user"
            ),
            {"name": url.database, "user": url.username},
        ).scalar()
    assert dropped >= 1
    second = signed_request(make_event("payment_intent.succeeded", _intent("pi_test_2")), WEBHOOK_SECRET)
    assert client.post("/give/stripe/webhook", data=second[0], headers=second[1]).json["received"] == "queued"
    assert client.post("/give/stripe/webhook", data=second[0], headers=second[1]).json["received"] == "duplicate"
    with webhook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 2
        assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "giving.stripe_event")) == 2
        assert {db.session.get(Gift, i).status for i in (gift_id, other_id)} == {"succeeded"}
    assert len(mailbox.to("avery@example.org")) == 1 and len(mailbox.to("robin@example.org")) == 1


def test_a_second_payment_for_a_paid_gift_is_flagged_never_overwritten(
    webhook_app, client, funds, post_event, mailbox, auth, make_user
):
    gift_id = _pending_gift(webhook_app, funds)
    post_event("payment_intent.succeeded", _intent())
    other = dict(_intent("pi_test_2"), metadata={"gift_id": str(gift_id)})
    assert outcome(webhook_app, post_event("payment_intent.succeeded", other)) == "processed"
    post_event("payment_intent.succeeded", other)  # Stripe redelivers under a new event id: one flag
    gift = _gift(webhook_app, gift_id)
    assert (gift.stripe_payment_intent_id, gift.stripe_charge_id, gift.amount_cents) == (
        "pi_test_1",
        "ch_pi_test_1",
        5000,
    )
    assert len(mailbox.to("avery@example.org")) == 1
    with webhook_app.app_context():
        [flag] = db.session.scalars(select(RefusedAttempt)).all()
        assert flag.reason == "duplicate_payment" and "pi_test_2" in flag.detail and flag.amount_cents == 5000
    auth.login(make_user("coordinator"))
    assert "pi_test_2 also paid" in client.get("/give/staff/").data.decode()


def _monthly_donor(app, funds, subscription="sub_1"):
    with app.app_context():
        donor = Donor(email_key="monthly@example.org", name="Monthly Demo", locale="en")
        db.session.add(donor)
        db.session.flush()
        db.session.add(
            RecurringGift(
                donor_id=donor.id,
                fund_id=funds.housing,
                amount_cents=2500,
                status="active",
                stripe_subscription_id=subscription,
            )
        )
        db.session.commit()


def test_a_zero_dollar_invoice_is_never_a_gift(webhook_app, funds, post_event, mailbox):
    _monthly_donor(webhook_app, funds)
    invoice = {
        "id": "in_0",
        "object": "invoice",
        "subscription": "sub_1",
        "amount_due": 0,
        "amount_paid": 0,
        "currency": "usd",
        "created": 1767225600,
        "status": "paid",
    }
    assert outcome(webhook_app, post_event("invoice.payment_succeeded", invoice)) == "processed"
    post_event("invoice.payment_failed", dict(invoice, id="in_00", status="open"))
    with webhook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Gift)) == 0
    assert mailbox.to("monthly@example.org") == []


def test_a_failed_refund_no_longer_counts_even_if_an_older_event_arrives_late(webhook_app, funds, post_event):
    from mexiles.giving.models import Refund

    gift_id = _pending_gift(webhook_app, funds)
    post_event("payment_intent.succeeded", _intent())
    charge = {
        "id": "ch_pi_test_1",
        "object": "charge",
        "payment_intent": "pi_test_1",
        "amount": 5000,
        "amount_refunded": 1000,
        "refunds": {"data": [{"id": "re_1", "amount": 1000, "status": "pending"}]},
    }
    post_event("charge.refunded", charge)
    assert _gift(webhook_app, gift_id).net_cents == 3825
    post_event(
        "refund.failed",
        {
            "id": "re_1",
            "object": "refund",
            "amount": 1000,
            "charge": "ch_pi_test_1",
            "payment_intent": "pi_test_1",
            "status": "failed",
        },
    )
    gift = _gift(webhook_app, gift_id)
    assert (gift.refunded_cents, gift.net_cents, gift.status) == (0, 4825, "succeeded")
    post_event("charge.refunded", charge)  # the older snapshot, delivered late
    assert _gift(webhook_app, gift_id).refunded_cents == 0
    with webhook_app.app_context():
        assert db.session.scalar(select(Refund.status)) == "failed"


def test_a_lost_dispute_after_a_partial_refund_then_funds_reinstated(webhook_app, funds, post_event):
    from mexiles.giving import services

    gift_id = _pending_gift(webhook_app, funds, tour_event_id=5)
    post_event("payment_intent.succeeded", _intent())
    post_event(
        "charge.refunded",
        {
            "id": "ch_pi_test_1",
            "object": "charge",
            "payment_intent": "pi_test_1",
            "amount": 5000,
            "amount_refunded": 2000,
            "refunds": {"data": [{"id": "re_1", "amount": 2000, "status": "succeeded"}]},
        },
    )
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "charge": "ch_pi_test_1",
        "payment_intent": "pi_test_1",
        "amount": 3000,
        "reason": "fraudulent",
        "status": "lost",
        "balance_transactions": [{"id": "txn_d1", "amount": -3000, "fee": 1500}],
    }
    post_event("charge.dispute.closed", dispute)
    gift = _gift(webhook_app, gift_id)
    assert (gift.refunded_cents, gift.dispute_lost_cents, gift.dispute_fee_cents) == (2000, 3000, 1500)
    assert gift.net_cents == 5000 - 175 - 2000 - 3000 - 1500 and gift.status == "refunded"  # nothing left
    with webhook_app.app_context():
        assert services.event_gift_totals([5]) == {}
    # An older "needs_response" event does not reopen it; money reinstated turns it around.
    post_event("charge.dispute.updated", dict(dispute, status="needs_response", balance_transactions=[]))
    assert _gift(webhook_app, gift_id).dispute_lost_cents == 3000
    post_event(
        "charge.dispute.funds_reinstated",
        dict(
            dispute,
            status="won",
            balance_transactions=[
                {"id": "txn_d1", "amount": -3000, "fee": 1500},
                {"id": "txn_d2", "amount": 3000, "fee": -1500},
            ],
        ),
    )
    gift = _gift(webhook_app, gift_id)
    assert (gift.dispute_lost_cents, gift.dispute_fee_cents, gift.net_cents, gift.status) == (0, 0, 2825, "succeeded")
    with webhook_app.app_context():
        assert services.event_gift_totals([5]) == {5: (1, 5000, 2825)}


def test_the_webhook_is_answered_as_a_machine_is_with_every_security_header_and_no_cookie(webhook_app, post_event):
    """Stripe's calls skip the work done for people (no session, no user), not the headers."""
    response = post_event("customer.created", {"id": "cus_test_1", "object": "customer"})
    assert response.status_code == 200 and response.json["received"] == "queued"
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
