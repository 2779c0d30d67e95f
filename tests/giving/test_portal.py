"""The donor portal: emailed single-use sign-in, own gifts only, statements, monthly gift changes."""

import re

from sqlalchemy import select

from mexiles.extensions import db
from mexiles.giving.models import Gift, RecurringGift
from tests.mailbox import body

from .conftest import gift_form


def _signin(client, mailbox, email):
    mailbox.clear()
    client.post("/give/portal/signin", data={"email": email}, buffered=True)  # mail goes once the answer is out
    link = re.search(r"https?://\S+/give/portal/signin/\S+", body(mailbox.wait_for(email))).group(0)
    return link.split("mexiles.test", 1)[1]


def test_a_donor_signs_in_by_link_once_and_sees_only_their_own(stripe_app, client, funds, card, mailbox):
    client.post("/give/pay", data=gift_form(payment_method=card()))
    client.post("/give/pay", data=gift_form(payment_method=card(), email="other@example.org", name="Other Donor"))
    with stripe_app.app_context():
        mine, theirs = db.session.scalars(select(Gift.id).order_by(Gift.id)).all()
    path = _signin(client, mailbox, "avery@example.org")
    # A mail scanner opening the link spends nothing: the page only shows a button.
    for _ in range(2):
        confirm = client.get(path)
        assert confirm.status_code == 200 and "Sign in to see my gifts" in confirm.data.decode()
    assert client.get("/give/portal/").status_code == 302
    assert client.post(path).status_code == 302
    page = client.get("/give/portal/").data.decode()
    assert "$50.00" in page and f"/give/portal/gifts/{mine}/receipt.pdf" in page
    receipt = client.get(f"/give/portal/gifts/{mine}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
    assert client.get(f"/give/portal/gifts/{theirs}/receipt.pdf").status_code == 404
    statement = client.get("/give/portal/statement.pdf?since=2020-01-01&until=2099-12-31")
    assert statement.status_code == 200 and statement.data.startswith(b"%PDF")
    client.post("/account/logout")
    spent = client.post(path, follow_redirects=True).data.decode()
    assert "already been used" in spent and client.get(path, follow_redirects=True).status_code == 200
    assert client.get("/give/portal/").status_code == 302


def test_unknown_addresses_get_the_same_answer(client):
    page = client.post("/give/portal/signin", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "a sign-in link is on its way" in page.data.decode()


def test_a_donor_changes_pauses_and_cancels_their_monthly_gift_but_not_anyone_elses(
    stripe_app, client, funds, card, mailbox, stripe_api, post_event
):
    client.post("/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card()))
    client.post(
        "/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card(), email="other@example.org")
    )
    with stripe_app.app_context():
        mine, theirs = db.session.scalars(select(RecurringGift.id).order_by(RecurringGift.id)).all()
    client.post(_signin(client, mailbox, "avery@example.org"))
    assert client.post(f"/give/portal/monthly/{theirs}/do/cancel").status_code == 404
    assert client.post(f"/give/portal/monthly/{theirs}/amount", data={"amount": "40"}).status_code == 404
    client.post(f"/give/portal/monthly/{mine}/amount", data={"amount": "40"})
    paused = client.post(f"/give/portal/monthly/{mine}/do/pause", follow_redirects=True).data.decode()
    assert "paused" in paused, paused[paused.find("flash") :][:300]
    with stripe_app.app_context():
        recurring = db.session.get(RecurringGift, mine)
        assert (recurring.amount_cents, recurring.status) == (4000, "paused")
        subscription = stripe_api.subscriptions.retrieve(recurring.stripe_subscription_id)
        assert subscription.plan.amount == 4000
        assert subscription.pause_collection.behavior == "void" and not subscription.cancel_at_period_end
    # A subscription event older than the donor's pause does not undo it.
    post_event(
        event={
            "id": "evt_old",
            "object": "event",
            "type": "customer.subscription.updated",
            "created": 1000,
            "data": {"object": {"id": subscription.id, "object": "subscription", "status": "active"}},
        }
    )
    with stripe_app.app_context():
        assert db.session.get(RecurringGift, mine).status == "paused"
    client.post(f"/give/portal/monthly/{mine}/do/resume")
    assert stripe_api.subscriptions.retrieve(subscription.id).pause_collection is None
    client.post(f"/give/portal/monthly/{mine}/do/cancel")
    with stripe_app.app_context():
        assert db.session.get(RecurringGift, mine).status == "canceled"
        assert db.session.get(RecurringGift, theirs).status == "active"
        assert stripe_api.subscriptions.retrieve(subscription.id).status == "canceled"


def test_a_donor_changes_the_card_with_a_setup_intent(stripe_app, client, funds, card, mailbox, stripe_api):
    client.post("/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card()))
    with stripe_app.app_context():
        recurring = db.session.scalar(select(RecurringGift))
    client.post(_signin(client, mailbox, "avery@example.org"))
    started = client.post(f"/give/portal/monthly/{recurring.id}/card").json
    assert started["status"] == "requires_setup"
    setup_id = started["client_secret"].split("_secret_")[0]
    new_card = card()
    stripe_api.setup_intents.confirm(setup_id, params={"payment_method": new_card})  # what Stripe.js does
    finished = client.post(f"/give/portal/monthly/{recurring.id}/card", data={"setup_intent": setup_id}).json
    assert finished["status"] == "succeeded"
    customer = stripe_api.customers.retrieve(recurring.donor.stripe_customer_id)
    assert customer.invoice_settings.default_payment_method == new_card


def test_a_donor_updates_email_and_language(stripe_app, client, funds, card, mailbox):
    client.post("/give/pay", data=gift_form(payment_method=card()))
    client.post(_signin(client, mailbox, "avery@example.org"))
    client.post("/give/portal/profile", data={"email": "avery.new@example.org", "locale": "es"})
    confirm = re.search(r"https?://\S+/give/portal/email/\S+", body(mailbox.wait_for("avery.new@example.org")))
    client.post(confirm.group(0).split("mexiles.test", 1)[1])  # the new address counts once proven
    page = client.get("/give/portal/").data.decode()
    assert "avery.new@example.org" in page and "Mis donativos" in page


def test_staff_get_no_sign_in_link_and_a_link_for_them_is_refused(app, client, funds, make_user, mailbox):
    from mexiles.accounts import services as accounts
    from mexiles.giving.models import Donor
    from mexiles.giving.services import signin

    admin = make_user("admin", email="boss@example.org")
    with app.app_context():
        db.session.add(Donor(email_key="boss@example.org", name="Boss Demo", user_id=admin.id))
        db.session.commit()
        token = accounts.make_token(accounts.get_user(admin.id), signin.PURPOSE)
    page = client.post("/give/portal/signin", data={"email": "boss@example.org"}, follow_redirects=True)
    assert "a sign-in link is on its way" in page.data.decode()
    assert mailbox.to("boss@example.org") == []
    for method in (client.get, client.post):
        refused = method(f"/give/portal/signin/{token}", follow_redirects=True).data.decode()
        assert "Staff accounts sign in on the usual sign-in page." in refused
    assert client.get("/give/portal/").status_code == 302


def test_sign_in_links_are_limited_per_address(app, client, funds, mailbox):
    from mexiles.giving.models import Donor

    with app.app_context():
        db.session.add(Donor(email_key="avery@example.org", name="Avery Demo"))
        db.session.commit()
    app.config["LOGIN_RATE_LIMIT"] = "100 per minute"  # this test is about the address, not the connection
    try:
        codes = [
            client.post("/give/portal/signin", data={"email": "Avery@Example.org"}, buffered=True).status_code
            for _ in range(4)
        ]
        other = client.post("/give/portal/signin", data={"email": "nobody@example.org"}, buffered=True).status_code
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
    assert codes == [302, 302, 302, 429] and other == 302
    assert len(mailbox.to("avery@example.org")) == 3


def test_a_monthly_gift_stripe_no_longer_knows_is_shown_as_ended(stripe_app, client, funds, card, mailbox, stripe_api):
    client.post("/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card()))
    with stripe_app.app_context():
        recurring = db.session.scalar(select(RecurringGift))
        recurring.stripe_subscription_id = "sub_gone_from_stripe"
        db.session.commit()
    client.post(_signin(client, mailbox, "avery@example.org"))
    page = client.post(f"/give/portal/monthly/{recurring.id}/do/pause", follow_redirects=True).data.decode()
    assert "This monthly gift has ended and cannot be changed." in page
    assert "could not reach the card processor" not in page
    assert "Cancelled" in page and "Change the amount" not in page
    with stripe_app.app_context():
        assert db.session.get(RecurringGift, recurring.id).status == "canceled"


def test_without_stripe_a_monthly_gift_is_not_offered_for_change(app, client, funds, mailbox):
    from mexiles.giving.models import Donor

    with app.app_context():
        donor = Donor(email_key="avery@example.org", name="Avery Demo")
        db.session.add(donor)
        db.session.flush()
        recurring = RecurringGift(
            donor_id=donor.id,
            fund_id=funds.housing,
            amount_cents=3500,
            status="active",
            stripe_subscription_id="sub_demo_1",
        )
        db.session.add(recurring)
        db.session.commit()
    client.post(_signin(client, mailbox, "avery@example.org"))
    page = client.get("/give/portal/").data.decode()
    assert "Active" in page and "Change the amount" not in page
    assert "Write to us and we will make the change." in page
    refused = client.post(f"/give/portal/monthly/{recurring.id}/do/cancel", follow_redirects=True).data.decode()
    assert "Write to us and we will make the change." in refused and "could not reach" not in refused


def test_with_stripe_keys_the_demos_monthly_gifts_are_subscriptions_at_stripe(
    stripe_app, runner, client, mailbox, stripe_api
):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with stripe_app.app_context():
        monthly = db.session.scalars(select(RecurringGift)).all()
        assert len(monthly) == 3
        for recurring in monthly:
            subscription = stripe_api.subscriptions.retrieve(recurring.stripe_subscription_id)
            assert subscription.customer == recurring.donor.stripe_customer_id
            assert subscription.metadata["recurring_gift_id"] == str(recurring.id)
        dana = next(r for r in monthly if r.donor.email_key == "donor@example.org")
    client.post(_signin(client, mailbox, "donor@example.org"))
    page = client.post(f"/give/portal/monthly/{dana.id}/do/pause", follow_redirects=True).data.decode()
    assert "Your monthly gift is paused." in page
    assert stripe_api.subscriptions.retrieve(dana.stripe_subscription_id).pause_collection.behavior == "void"
