"""Every sign-in path starts a fresh session: nothing from the cookie before it survives.

Flask's session is the signed cookie itself, so "a new session" means a new cookie whose only
contents are the ones sign-in puts there: Flask-Login's ``_user_id`` (the account's session token)
and ``_id``, and whether the second factor was given. A value planted before sign-in, or the
signed-in session of someone else, must be gone after it.
"""

import datetime as dt
import re

from mexiles.accounts import services as accounts
from mexiles.accounts.models import User
from mexiles.extensions import db
from tests.mailbox import body

NEW_PASSWORD = "another long enough password"


def _plant(client, **values):
    with client.session_transaction() as session:
        session.update(values or {"planted": "from before sign-in", "_fresh": True, "csrf_token": "old-token"})
    return client.get_cookie("session", domain="mexiles.test").value


def _session(client):
    with client.session_transaction() as session:
        return dict(session)


def _token(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).session_token


def _assert_fresh(app, client, before_cookie, user_id):
    after = _session(client)
    assert "planted" not in after and after.get("csrf_token") != "old-token"
    assert after["_user_id"] == _token(app, user_id)
    assert client.get_cookie("session", domain="mexiles.test").value != before_cookie


def _link(mailbox, address, pattern):
    return re.search(pattern, body(mailbox.wait_for(address))).group(0).split("mexiles.test", 1)[1]


def test_staff_sign_in(app, client, auth, make_user):
    user = make_user("coordinator")
    before = _plant(client)
    assert auth.login(user).status_code == 302
    _assert_fresh(app, client, before, user.id)


def test_staff_sign_in_replaces_a_planted_session_of_someone_else(app, client, auth, make_user):
    attacker, victim = make_user("donor"), make_user("coordinator")
    auth.login(attacker)
    before = _plant(client, planted="attacker's")
    assert auth.login(victim).status_code == 302
    _assert_fresh(app, client, before, victim.id)


def test_donor_sign_in_link(app, client, make_user, mailbox, record_gift):
    from mexiles.giving.models import Donor, Gift

    gift_id = record_gift("general", 2500, dt.date(2026, 11, 2))
    with app.app_context():
        donor = db.session.get(Donor, db.session.get(Gift, gift_id).donor_id)
        email, user_id = donor.email_key, donor.user_id
    mailbox.clear()  # the receipt
    client.post("/give/portal/signin", data={"email": email}, buffered=True)
    path = _link(mailbox, email, r"https?://\S+/give/portal/signin/\S+")
    token_before = _token(app, user_id)
    before = _plant(client)
    assert client.post(path).status_code == 302
    _assert_fresh(app, client, before, user_id)
    assert _token(app, user_id) != token_before


def test_after_a_password_reset(app, client, make_user, mailbox):
    user = make_user("coordinator")
    client.post("/account/reset", data={"email": user.email}, buffered=True)
    path = _link(mailbox, user.email, r"https?://\S+/account/reset/\S+")
    before = _plant(client)
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    _assert_fresh(app, client, before, user.id)
    assert client.get("/people/").status_code == 200


def test_after_accepting_an_invitation(app, client, auth, make_user, mailbox):
    auth.login(make_user("admin"))
    client.post("/account/staff", data={"email": "new.staff@example.org", "roles": ["coordinator"], "locale": "en"})
    auth.logout()
    path = _link(mailbox, "new.staff@example.org", r"https?://\S+/account/invite/\S+")
    before = _plant(client)
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    with app.app_context():
        user_id = accounts.find_by_email("new.staff@example.org").id
    _assert_fresh(app, client, before, user_id)
