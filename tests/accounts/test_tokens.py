"""Password reset and staff invitations: emailed, expiring, single-use links."""

import datetime as dt
import re

from tests.mailbox import body


def _link(message) -> str:
    return re.search(r"http://mexiles\.test(/account/\S+)", body(message)).group(1)


def test_password_reset_by_email_works_once(client, mailbox, make_user):
    user = make_user("coordinator", locale="es")
    response = client.post("/account/reset", data={"email": user.email}, follow_redirects=True)
    assert b"on its way" in response.data or b"en camino" in response.data
    [message] = mailbox.to(user.email)
    assert "contraseña" in message["Subject"]  # in the account's language
    link = _link(message)
    response = client.post(link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    client.post("/account/logout")
    assert (
        client.post("/account/login", data={"email": user.email, "password": "a brand new passphrase"}).status_code
        == 302
    )
    client.post("/account/logout")
    again = client.get(link, follow_redirects=True)
    assert b"already been used" in again.data or "ya se usó".encode() in again.data


def test_reset_link_expires(app, client, mailbox, make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0), tick=False)
    user = make_user("donor")
    client.post("/account/reset", data={"email": user.email}, buffered=True)
    link = _link(mailbox.to(user.email)[0])
    time_machine.move_to(dt.datetime(2026, 11, 23, 9 + app.config["PASSWORD_RESET_HOURS"], 1), tick=False)
    response = client.get(link, follow_redirects=True)
    assert b"expired" in response.data


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mailbox):
    response = client.post("/account/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert b"on its way" in response.data
    assert mailbox.messages == []


def test_a_tampered_link_is_refused(client):
    response = client.get("/account/reset/not-a-token", follow_redirects=True)
    assert b"not valid" in response.data


def test_short_or_mismatched_passwords_get_clear_messages(client, mailbox, make_user):
    user = make_user("coordinator")
    client.post("/account/reset", data={"email": user.email}, buffered=True)
    link = _link(mailbox.to(user.email)[0])
    response = client.post(link, data={"password": "short", "confirm": "short"})
    assert b"at least 12 characters" in response.data
    response = client.post(link, data={"password": "long enough password", "confirm": "another long one"})
    assert b"do not match" in response.data
