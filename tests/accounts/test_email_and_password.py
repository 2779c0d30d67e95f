"""Account settings: a new email address proven by a link, a new password given the current one."""

import re

from sqlalchemy import select

from mexiles.accounts.models import User
from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from tests.conftest import PASSWORD, without_csrf_tokens
from tests.mailbox import body


def _email_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).email


def _confirm_path(mailbox, address):
    found = re.search(r"https?://\S+/account/email/\S+", body(mailbox.wait_for(address)))
    return found.group(0).split("mexiles.test", 1)[1]


def test_staff_change_their_email_by_a_link_to_the_new_address(app, client, auth, make_user, mailbox):
    user = make_user("coordinator", email="rosa.old@example.org")
    auth.login(user)
    answer = client.post(
        "/account/settings/email",
        data={"email": "Rosa.New@example.org", "current_password": PASSWORD},
        follow_redirects=True,
    )
    assert "We sent a link to rosa.new@example.org" in answer.data.decode()
    assert _email_of(app, user.id) == "rosa.old@example.org"
    path = _confirm_path(mailbox, "rosa.new@example.org")
    assert "rosa.new@example.org" in client.get(path).data.decode()
    assert _email_of(app, user.id) == "rosa.old@example.org"  # opening the link is not enough
    assert "Your email address is now rosa.new@example.org" in client.post(path, follow_redirects=True).data.decode()
    assert _email_of(app, user.id) == "rosa.new@example.org"
    told = body(mailbox.wait_for("rosa.old@example.org"))
    assert "rosa.new@example.org" in told and "http" not in told
    assert "already been used" in client.post(path, follow_redirects=True).data.decode()
    auth.logout()
    assert (
        client.post("/account/login", data={"email": "rosa.new@example.org", "password": PASSWORD}).status_code == 302
    )


def test_an_address_in_use_gets_the_same_answer_and_changes_nothing(app, client, auth, make_user, mailbox):
    make_user("donor", email="taken@example.org")
    user = make_user("coordinator", email="asker@example.org")
    auth.login(user)
    taken = client.post(
        "/account/settings/email",
        data={"email": "taken@example.org", "current_password": PASSWORD},
        follow_redirects=True,
    ).data.decode()
    free = client.post(
        "/account/settings/email",
        data={"email": "free@example.org", "current_password": PASSWORD},
        follow_redirects=True,
    ).data.decode()
    assert without_csrf_tokens(taken.replace("taken@example.org", "X")) == without_csrf_tokens(
        free.replace("free@example.org", "X")
    )
    assert "already belongs to an account" in body(mailbox.wait_for("taken@example.org"))
    assert _email_of(app, user.id) == "asker@example.org"


def test_the_email_change_needs_the_current_password(app, client, auth, make_user, mailbox):
    user = make_user("coordinator")
    auth.login(user)
    answer = client.post(
        "/account/settings/email", data={"email": "elsewhere@example.org", "current_password": "not my password"}
    )
    assert answer.status_code == 400 and "not your current password" in answer.data.decode()
    assert mailbox.to("elsewhere@example.org") == []


def test_a_new_password_ends_the_other_sessions_but_not_this_one(app, client, auth, make_user):
    user = make_user("coordinator")
    other = app.test_client()
    other.post("/account/login", data={"email": user.email, "password": PASSWORD})
    auth.login(user)
    refused = client.post(
        "/account/settings/password", data={"current_password": "wrong one", "password": "x" * 14, "confirm": "x" * 14}
    )
    assert refused.status_code == 400 and "not your current password" in refused.data.decode()
    changed = client.post(
        "/account/settings/password",
        data={
            "current_password": PASSWORD,
            "password": "a brand new long password",
            "confirm": "a brand new long password",
        },
    )
    assert changed.status_code == 302
    assert client.get("/people/").status_code == 200
    assert other.get("/people/").status_code == 302
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == str(user.id))))
    assert {"user.password_check_failed", "user.password_set"} <= actions


def test_the_settings_page_reads_in_spanish_on_a_phone(client, auth, make_user):
    auth.login(make_user("coordinator", locale="es"))
    page = client.get("/account/settings", headers={"Accept-Language": "es"}).data.decode()
    assert "Cambiar mi dirección de correo" in page and "Segundo factor" in page
    assert 'name="viewport"' in page


def test_the_mails_are_in_the_accounts_language(app, client, auth, make_user, mailbox):
    user = make_user("coordinator", email="lucia@example.org", locale="es")
    auth.login(user)
    client.post("/account/settings/email", data={"email": "lucia.nueva@example.org", "current_password": PASSWORD})
    message = mailbox.wait_for("lucia.nueva@example.org")
    assert message["Subject"] == "Confirme su nueva dirección de correo" and "Alguien pidió" in body(message)
    client.post(_confirm_path(mailbox, "lucia.nueva@example.org"))
    assert "cambió de lucia@example.org a lucia.nueva@example.org" in body(mailbox.wait_for("lucia@example.org"))
