"""The staff's gift and donor pages, and the donor's portal, say every value in words and in local time."""

import datetime as dt
import html
import re

import pytest

from mexiles.extensions import db
from mexiles.giving.models import Donor, Gift, RecurringGift

# 03:30 UTC on 1 December is 8:30 PM on 30 November in Denver, the organisation's zone.
RECEIVED = dt.datetime(2026, 12, 1, 3, 30)


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def honored(app, funds):
    with app.app_context():
        donor = Donor(email_key="dora@example.org", name="Dora Demo", locale="es")
        db.session.add(donor)
        db.session.flush()
        gift = Gift(
            donor_id=donor.id,
            fund_id=funds.housing,
            amount_cents=5000,
            status="succeeded",
            received_at=RECEIVED,
            tribute_kind="honor",
            tribute_name="Abuela Rosa",
            anonymous=True,
        )
        gift.settle()
        db.session.add(gift)
        db.session.add(RecurringGift(donor_id=donor.id, fund_id=funds.housing, amount_cents=2500, status="incomplete"))
        db.session.commit()
        return donor.id, gift.id


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "en",
            ["In honor of Abuela Rosa", "Yes: the donor's name is not shown in public", "November 30, 2026", "8:30"],
        ),
        ("es", ["En honor de Abuela Rosa", "Sí: el nombre del donante no se muestra en público", "30 de noviembre"]),
    ],
)
def test_a_gift_reads_in_words_and_local_time(client, auth, make_user, honored, locale, words):
    _donor, gift = honored
    auth.login(make_user("admin", locale=locale))
    page = _text(client.get(f"/give/staff/gifts/{gift}"))
    for word in words:
        assert word in page
    assert "honor:" not in page and "Anonymous: no" not in page and "3:30" not in page


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", ["Spanish", "Not started: the first payment did not go through"]),
        ("es", ["Español", "No comenzó: el primer pago no se realizó"]),
    ],
)
def test_a_donor_reads_in_words(client, auth, make_user, honored, locale, words):
    donor, _gift = honored
    auth.login(make_user("admin", locale=locale))
    page = _text(client.get(f"/give/staff/donors/{donor}"))
    for word in words:
        assert word in page
    assert "incomplete" not in page and not re.search(r"Language \w* ?es\b|Idioma es\b", page)


def test_the_exports_give_local_times(client, auth, make_user, honored):
    auth.login(make_user("admin"))
    gifts = client.get("/give/staff/export/gifts.csv").get_data(as_text=True)
    assert "2026-11-30T20:30:00-07:00" in gifts and "2026-12-01T03:30" not in gifts
