"""Reconciliation repairs what lost webhooks missed, once; statements by CLI and receipts by SMTP."""

import datetime as dt

from sqlalchemy import select

from mexiles import timeutil
from mexiles.extensions import db
from mexiles.giving.models import Gift, RecurringGift, Refund
from tests.mailbox import body

from .conftest import gift_form
from .localstripe import backdate, lists_asked


def test_reconcile_repairs_lost_webhooks_and_a_second_run_changes_nothing(
    stripe_app, client, funds, card, runner, stripe_api, mailbox
):
    client.post("/give/pay", data=gift_form(payment_method=card()))
    client.post(
        "/give/pay",
        data=gift_form(frequency="monthly", amount="25", payment_method=card(), email="monthly@example.org"),
    )
    with stripe_app.app_context():
        one_time = db.session.scalar(select(Gift).where(Gift.recurring_gift_id.is_(None)))
        # Lose what the webhooks would have told us: the payment looks pending again.
        one_time.status, one_time.receipt_sent_at = "pending", None
        recurring = db.session.scalar(select(RecurringGift))
        customer, sub_id = recurring.donor.stripe_customer_id, recurring.stripe_subscription_id
        intent = one_time.stripe_payment_intent_id
        db.session.commit()
    renewal = stripe_api.invoices.create(params={"customer": customer, "subscription": sub_id})
    stripe_api.invoices.pay(renewal.id)
    refund = stripe_api.refunds.create(params={"payment_intent": intent, "amount": 1500})
    mailbox.clear()

    with stripe_app.app_context():
        # El Paso's today, as the CLI reads --since; not the machine's (its zone may be a day ahead).
        since = timeutil.today().isoformat()
    first = runner.invoke(args=["giving", "reconcile", "--since", since])
    assert first.exit_code == 0, first.output
    assert "recorded one-time gift" in first.output and renewal.id in first.output and refund.id in first.output
    with stripe_app.app_context():
        gift = db.session.get(Gift, one_time.id)
        assert (gift.status, gift.refunded_cents) == ("succeeded", 1500)
        assert db.session.scalar(select(Gift.id).where(Gift.stripe_invoice_id == renewal.id))
        assert db.session.scalar(select(Refund.stripe_refund_id)) == refund.id
    assert mailbox.to("avery@example.org") and mailbox.to("monthly@example.org")

    second = runner.invoke(args=["giving", "reconcile", "--since", since])
    assert "Nothing to repair." in second.output
    with stripe_app.app_context():
        assert len(db.session.scalars(select(Gift)).all()) == 3


def test_reconcile_asks_stripe_only_for_what_was_made_since(stripe_app, client, funds, card, runner, localstripe_url):
    for email in ("old@example.org", "new@example.org"):
        client.post("/give/pay", data=gift_form(payment_method=card(), email=email))
    with stripe_app.app_context():
        since = timeutil.today()
        cutoff = int(dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC).timestamp())
        gifts = db.session.scalars(select(Gift).order_by(Gift.id)).all()
        for gift in gifts:  # both webhooks lost
            gift.status, gift.receipt_sent_at = "pending", None
        old, new = gifts
        db.session.commit()
    backdate(localstripe_url, old.stripe_payment_intent_id, cutoff - 10 * 86400)
    lists_asked(localstripe_url)  # forget what the gifts themselves listed

    result = runner.invoke(args=["giving", "reconcile", "--since", since.isoformat()])
    assert result.exit_code == 0, result.output
    assert new.stripe_payment_intent_id in result.output and old.stripe_payment_intent_id not in result.output
    asked = lists_asked(localstripe_url)
    assert {call["object"] for call in asked} == {"payment_intent", "invoice", "refund"}
    assert all(call["created"] == {"gte": str(cutoff)} for call in asked), asked
    assert all(old.stripe_payment_intent_id not in call["answered"] for call in asked)
    with stripe_app.app_context():
        assert db.session.get(Gift, old.id).status == "pending"


def test_statements_by_cli_in_each_donors_language(app, funds, runner, mailbox):
    from mexiles.giving.models import Donor

    with app.app_context():
        for email, locale in (("ana@example.org", "es"), ("bo@example.org", "en")):
            donor = Donor(email_key=email, name="Demo " + locale, locale=locale)
            db.session.add(donor)
            db.session.flush()
            gift = Gift(
                donor_id=donor.id,
                fund_id=funds.general,
                amount_cents=10000,
                status="succeeded",
                received_at=dt.datetime(2026, 5, 1),
            )
            gift.settle()
            db.session.add(gift)
        db.session.commit()
    result = runner.invoke(args=["giving", "statements", "--year", "2026"])
    assert "Statements sent: 2" in result.output
    spanish = mailbox.wait_for("ana@example.org")
    assert "No se proporcionaron bienes ni servicios" in body(spanish)
    [pdf] = [part for part in spanish.iter_attachments()]
    assert pdf.get_content().startswith(b"%PDF")
    assert "No goods or services were provided" in body(mailbox.wait_for("bo@example.org"))


def test_a_gift_at_11_pm_in_el_paso_on_new_years_eve_belongs_to_that_year(app, funds, runner, mailbox):
    from mexiles.giving.models import Donor
    from mexiles.giving.services import reports

    with app.app_context():
        donor = Donor(email_key="eve@example.org", name="Eve Demo", locale="en")
        db.session.add(donor)
        db.session.flush()
        # 11 pm on 31 December 2025 in El Paso (MST, UTC-7) is 6 am on 1 January 2026 in UTC.
        gift = Gift(
            donor_id=donor.id,
            fund_id=funds.counseling,
            amount_cents=10000,
            status="succeeded",
            received_at=dt.datetime(2026, 1, 1, 6),
        )
        gift.settle()
        db.session.add(gift)
        db.session.commit()
        assert app.config["BABEL_DEFAULT_TIMEZONE"] == "America/Denver"
        report = reports.build(2025)
        assert report.count == 1 and [m for m, *_ in report.by_month] == ["2025-12"]
        assert reports.build(2026).count == 0
    assert "Statements sent: 0" in runner.invoke(args=["giving", "statements", "--year", "2026"]).output
    assert "Statements sent: 1" in runner.invoke(args=["giving", "statements", "--year", "2025"]).output
    assert "from January 1, 2025 to December 31, 2025" in body(mailbox.wait_for("eve@example.org"))
    from mexiles.giving.services import receipts

    with app.test_request_context():
        facts = dict(receipts._gift_facts(db.session.scalar(select(Gift))))
        assert facts["Date of the gift"] == "December 31, 2025"


def _pdf_text(data: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 (its page streams are zlib-compressed)."""
    import re
    import zlib

    chunks = []
    # Up to "endstream" with what ends the line: a compressed stream may itself end in a \r byte,
    # and the decompressor leaves what follows its end unused.
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            chunks.append(zlib.decompressobj().decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(chunks)


def test_missing_receipts_are_sent_by_the_cli_once(app, funds, runner, mailbox):
    from mexiles.giving.models import Donor

    with app.app_context():
        donor = Donor(email_key="late@example.org", name="Late Demo", locale="en")
        db.session.add(donor)
        db.session.flush()
        for status in ("succeeded", "failed", "pending"):
            gift = Gift(donor_id=donor.id, fund_id=funds.general, amount_cents=4000, status=status)
            gift.settle()
            db.session.add(gift)
        db.session.commit()
    assert "Receipts sent: 1; still unsent: 0." in runner.invoke(args=["giving", "resend-receipts"]).output
    assert "Receipts sent: 0" in runner.invoke(args=["giving", "resend-receipts"]).output
    assert len(mailbox.to("late@example.org")) == 1


def test_the_receipt_of_a_refunded_gift_says_so(app, client, auth, make_user, funds):
    from mexiles.giving.models import Donor

    user = make_user("donor", email="back@example.org")
    with app.app_context():
        donor = Donor(email_key="back@example.org", name="Back Demo", user_id=user.id)
        db.session.add(donor)
        db.session.flush()
        ids = []
        for refunded in (5000, 2000):
            gift = Gift(
                donor_id=donor.id, fund_id=funds.general, amount_cents=5000, status="succeeded", refunded_cents=refunded
            )
            gift.settle()
            db.session.add(gift)
            db.session.flush()
            ids.append(gift.id)
        db.session.commit()
    auth.login(user)
    full = _pdf_text(client.get(f"/give/portal/gifts/{ids[0]}/receipt.pdf").data)
    assert "Refunded: in full: this gift is no longer a deductible contribution" in full
    partial = _pdf_text(client.get(f"/give/portal/gifts/{ids[1]}/receipt.pdf").data)
    assert "Refunded: $20.00; the deductible amount is $30.00" in partial


def test_taking_gifts_in_production_without_an_ein_is_refused():
    import pytest

    from mexiles import create_app
    from mexiles.settings import ConfigurationError

    with pytest.raises(ConfigurationError, match="ORG_EIN"):
        create_app({"ENV_NAME": "production", "STRIPE_SECRET_KEY": "sk_live_x", "ORG_EIN": ""})
    assert create_app({"ENV_NAME": "production", "STRIPE_SECRET_KEY": "sk_live_x", "ORG_EIN": "12-3456789"})


def test_a_receipt_states_what_the_donor_gave_not_what_reached_us(app, client, auth, make_user, funds):
    from mexiles.giving.models import Donor

    user = make_user("donor", email="gross@example.org")
    with app.app_context():
        donor = Donor(email_key="gross@example.org", name="Gross Demo", user_id=user.id)
        db.session.add(donor)
        db.session.flush()
        gift = Gift(donor_id=donor.id, fund_id=funds.general, amount_cents=5000, fee_cents=175, status="succeeded")
        gift.settle()
        db.session.add(gift)
        db.session.commit()
        gift_id, net = gift.id, gift.net_cents
    assert net == 4825
    auth.login(user)
    text = _pdf_text(client.get(f"/give/portal/gifts/{gift_id}/receipt.pdf").data)
    assert "Amount: $50.00" in text and "48.25" not in text
