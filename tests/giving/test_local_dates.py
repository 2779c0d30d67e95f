"""A gift made at 8 pm on 31 December in El Paso (03:00 UTC on 1 January) is a 31 December gift on
every page, email and PDF that shows it, in both languages (ORG_TIME_ZONE, mexiles.timeutil)."""

import datetime as dt

import pytest

from mexiles.extensions import db
from mexiles.giving.models import Donor, Gift
from tests.mailbox import body

from .test_reconcile_and_statements import _pdf_text

NEW_YEARS_EVE = {"en": "December 31, 2025", "es": "31 de diciembre de 2025"}
NEW_YEARS_DAY = {"en": "January 1, 2026", "es": "1 de enero de 2026"}


@pytest.mark.parametrize("locale", ["en", "es"])
def test_a_new_years_eve_gift_shows_its_local_date_everywhere(
    app, client, auth, make_user, funds, runner, mailbox, locale
):
    donor_user = make_user("donor", email=f"eve-{locale}@example.org", locale=locale)
    staff = make_user("coordinator", locale=locale)
    with app.app_context():
        assert app.config["BABEL_DEFAULT_TIMEZONE"] == "America/Denver"
        donor = Donor(email_key=donor_user.email, name="Eve Nochevieja", locale=locale, user_id=donor_user.id)
        db.session.add(donor)
        db.session.flush()
        gift = Gift(
            donor_id=donor.id,
            fund_id=funds.general,
            amount_cents=7500,
            status="succeeded",
            received_at=dt.datetime(2026, 1, 1, 3, 0),
        )  # 8 pm MST on 31 December 2025
        gift.settle()
        db.session.add(gift)
        db.session.commit()
        gift_id = gift.id
    expected, wrong = NEW_YEARS_EVE[locale], NEW_YEARS_DAY[locale]

    def shows_eve(text: str) -> None:
        assert expected in text and wrong not in text and "2026-01-01" not in text

    # The receipt email and its PDF.
    assert "Receipts sent: 1" in runner.invoke(args=["giving", "resend-receipts"]).output
    [receipt] = mailbox.to(donor_user.email)
    shows_eve(body(receipt))
    [pdf] = list(receipt.iter_attachments())
    shows_eve(_pdf_text(pdf.get_content()))
    # The year's statement, by email (its PDF lists the gift), and from the portal.
    assert "Statements sent: 1" in runner.invoke(args=["giving", "statements", "--year", "2025"]).output
    statement = [m for m in mailbox.to(donor_user.email) if m is not receipt][0]
    [pdf] = list(statement.iter_attachments())
    shows_eve(_pdf_text(pdf.get_content()))

    auth.login(donor_user)
    shows_eve(client.get("/give/portal/").get_data(as_text=True))
    shows_eve(_pdf_text(client.get(f"/give/portal/gifts/{gift_id}/receipt.pdf").data))
    statement_pdf = client.get("/give/portal/statement.pdf?since=2025-12-01&until=2025-12-31").data
    shows_eve(_pdf_text(statement_pdf))
    auth.logout()

    auth.login(staff)
    gifts = client.get("/give/staff/gifts").get_data(as_text=True)
    assert f"#{gift_id}" in gifts
    shows_eve(gifts)
    page = client.get(f"/give/staff/gifts/{gift_id}").get_data(as_text=True)
    shows_eve(page)
    assert ("8:00\u202fPM" if locale == "en" else "20:00") in page and "03:00" not in page
