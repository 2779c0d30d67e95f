"""A donor's new email address takes effect only through a link sent to it (the pre-hijack)."""

import datetime as dt
import re
import secrets

import pytest
from sqlalchemy import select

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.giving.models import Donor, Fund
from tests.conftest import without_csrf_tokens
from tests.mailbox import body

ATTACKER = "mallory.attacker@example.org"
VICTIM = "valentina.victim@example.org"


@pytest.fixture
def give(app):
    """A cash gift entered by staff, for ``email``; returns the gift id."""

    def record(email, name, cents=5000, address=None):
        from mexiles.accounts import services as accounts
        from mexiles.giving import services as giving

        with app.app_context():
            fund = giving.fund_by_code("general")
            if fund is None:
                fund = Fund(code="general", name_en="General", name_es="General")
                db.session.add(fund)
                db.session.flush()
            cashier = accounts.create_user(f"cashier-{secrets.token_hex(4)}@example.org", ["admin"])
            return giving.record_offline_gift(
                {
                    "email": email,
                    "name": name,
                    "address": address,
                    "fund_id": fund.id,
                    "amount_cents": cents,
                    "source": "cash",
                    "received_on": dt.date(2026, 11, 2),
                },
                actor=cashier,
            ).id

    return record


def _link(mailbox, address, pattern):
    found = re.search(pattern, body(mailbox.wait_for(address)))
    return found.group(0).split("mexiles.test", 1)[1] if found else None


def _sign_in(client, mailbox, email):
    mailbox.clear()
    client.post("/give/portal/signin", data={"email": email}, buffered=True)
    client.post(_link(mailbox, email, r"https?://\S+/give/portal/signin/\S+"))
    assert client.get("/give/portal/").status_code == 200
    mailbox.clear()


def _profile(client, email, locale="en"):
    return client.post("/give/portal/profile", data={"email": email, "locale": locale}, follow_redirects=True)


def _donor(app, email):
    with app.app_context():
        return db.session.scalar(select(Donor).where(Donor.email_key == email))


def test_an_attacker_cannot_take_a_strangers_address_and_see_their_later_gifts(app, client, mailbox, give):
    give(ATTACKER, "Mallory Attacker", cents=1000)
    _sign_in(client, mailbox, ATTACKER)
    answer = _profile(client, VICTIM).data.decode()
    assert f"We sent a link to {VICTIM}" in answer and "already used" not in answer
    # Nothing changed: the link went to the victim's mailbox, which the attacker cannot read.
    assert _donor(app, ATTACKER) is not None and _donor(app, VICTIM) is None
    assert "do not open it" in body(mailbox.wait_for(VICTIM))
    assert mailbox.to(ATTACKER) == []

    give(VICTIM, "Valentina Victim", cents=7777, address="12 Hidden Lane, Denver")
    portal = client.get("/give/portal/").data.decode()
    assert "$77.77" not in portal and "Valentina" not in portal and "$10.00" in portal
    assert _donor(app, VICTIM).id != _donor(app, ATTACKER).id


def test_the_answer_is_the_same_when_the_address_belongs_to_another_donor(app, client, mailbox, give):
    give(VICTIM, "Valentina Victim")
    give(ATTACKER, "Mallory Attacker")
    _sign_in(client, mailbox, ATTACKER)
    taken = _profile(client, VICTIM).data.decode()
    free = _profile(client, "nobody.yet@example.org").data.decode()
    assert f"We sent a link to {VICTIM}" in taken
    assert without_csrf_tokens(taken.replace(VICTIM, "ADDRESS")) == without_csrf_tokens(
        free.replace("nobody.yet@example.org", "ADDRESS")
    )
    notice = body(mailbox.wait_for(VICTIM))
    assert "already belongs to an account" in notice and "http" not in notice
    assert _donor(app, ATTACKER) is not None and _donor(app, VICTIM).name == "Valentina Victim"


def test_a_donor_moves_to_a_new_address_by_the_link_and_the_old_one_is_told(app, client, mailbox, give):
    give("avery.old@example.org", "Avery Donor")
    _sign_in(client, mailbox, "avery.old@example.org")
    _profile(client, "avery.new@example.org", locale="es")
    assert "Mis donativos" in client.get("/give/portal/").data.decode()  # the language changes at once
    path = _link(mailbox, "avery.new@example.org", r"https?://\S+/give/portal/email/\S+")
    client.post("/account/logout")
    for _ in range(2):  # a mail scanner opening the link changes nothing
        assert "avery.new@example.org" in client.get(path).data.decode()
    assert _donor(app, "avery.new@example.org") is None
    assert client.post(path).status_code == 302
    donor = _donor(app, "avery.new@example.org")
    with app.app_context():
        assert db.session.get(User, donor.user_id).email == "avery.new@example.org"
    assert "avery.new@example.org" in body(mailbox.wait_for("avery.old@example.org"))
    assert "already been used" in client.post(path, follow_redirects=True).data.decode()
    _sign_in(client, mailbox, "avery.new@example.org")


def test_a_link_for_an_address_taken_meanwhile_changes_nothing(app, client, mailbox, give):
    give("first@example.org", "First Donor")
    _sign_in(client, mailbox, "first@example.org")
    _profile(client, "wanted@example.org")
    path = _link(mailbox, "wanted@example.org", r"https?://\S+/give/portal/email/\S+")
    give("wanted@example.org", "Someone Else")
    answer = client.post(path, follow_redirects=True).data.decode()
    assert "now belongs to another account" in answer
    assert _donor(app, "first@example.org") is not None and _donor(app, "wanted@example.org").name == "Someone Else"


def test_an_expired_link_changes_nothing(app, client, mailbox, give, time_machine):
    start = dt.datetime(2026, 11, 23, 12, 0)
    time_machine.move_to(start, tick=False)
    give("late@example.org", "Late Donor")
    _sign_in(client, mailbox, "late@example.org")
    _profile(client, "late.new@example.org")
    path = _link(mailbox, "late.new@example.org", r"https?://\S+/give/portal/email/\S+")
    time_machine.move_to(start + dt.timedelta(hours=app.config["EMAIL_CHANGE_HOURS"], minutes=1), tick=False)
    assert "expired" in client.post(path, follow_redirects=True).data.decode()
    assert _donor(app, "late.new@example.org") is None
