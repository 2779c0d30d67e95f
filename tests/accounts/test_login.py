import datetime as dt

from sqlalchemy import select

from mexiles.accounts.models import User
from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from tests.conftest import without_csrf_tokens


def test_sign_in_and_out(client, auth, make_user):
    user = make_user("coordinator")
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert client.get("/people/").status_code == 200
    auth.logout()
    assert client.get("/people/").status_code == 302


def test_email_is_case_insensitive(client, auth, make_user):
    user = make_user("coordinator", email="Mixed.Case@Example.org")
    assert user.email == "mixed.case@example.org"
    response = client.post("/account/login", data={"email": "MIXED.case@example.ORG", "password": user.password})
    assert response.status_code == 302


def test_a_second_account_with_the_same_email_is_refused(app, make_user):
    make_user("donor", email="same@example.org")
    with app.app_context():
        from mexiles.accounts import services

        try:
            services.create_user("SAME@example.org", ["coordinator"])
        except services.AccountError as refusal:
            assert "already exists" in str(refusal)
        else:
            raise AssertionError("duplicate account created")


def test_wrong_password_is_refused_with_a_clear_message(client, auth, make_user):
    user = make_user("coordinator")
    response = auth.login(user, password="not the password")
    assert response.status_code == 200
    assert b"do not match an active account" in response.data
    assert user.email.encode() in response.data  # what was typed is kept


def test_the_message_is_in_spanish_for_a_spanish_browser(client, make_user):
    user = make_user("coordinator")
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": "nope nope nope"},
        headers={"Accept-Language": "es-MX,es;q=0.9"},
    )
    assert b"no corresponden a una cuenta activa" in response.data


def test_repeated_failures_lock_the_account_for_a_while(app, client, auth, make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, 0), tick=False)
    user = make_user("coordinator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(user, password="wrong password!!")
    response = auth.login(user)  # even the right password is refused now, with the usual words
    assert response.status_code == 200
    assert b"do not match an active account" in response.data
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, app.config["LOGIN_LOCKOUT_MINUTES"] + 1), tick=False)
    assert auth.login(user).status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == str(user.id))).all()
    assert "user.locked" in actions and "user.login" in actions


def test_sign_in_attempts_are_rate_limited_per_address(app, client, make_user):
    user = make_user("coordinator")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    codes = [
        client.post("/account/login", data={"email": f"nobody{i}@example.org", "password": "x" * 12}).status_code
        for i in range(limit)
    ]
    assert 429 not in codes
    response = client.post("/account/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 429
    assert b"Too many attempts" in response.data


def test_deactivated_accounts_cannot_sign_in(client, auth, make_user):
    user = make_user("coordinator", active=False)
    response = auth.login(user)
    assert response.status_code == 200 and b"do not match an active account" in response.data
    assert client.get("/people/").status_code == 302


def test_a_locked_account_looks_like_any_refusal(app, client, auth, make_user):
    """Locking must not tell an attacker that the address has an account."""
    user = make_user("coordinator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(user, password="wrong password!!")
    locked = auth.login(user, password="wrong password!!").data.decode()
    unknown = client.post("/account/login", data={"email": "nobody@example.org", "password": "x" * 12}).data.decode()
    assert without_csrf_tokens(locked.replace(user.email, "")) == without_csrf_tokens(
        unknown.replace("nobody@example.org", "")
    )


def test_signing_out_ends_a_copied_session_too(app, client, auth, make_user):
    auth.login(make_user("coordinator"))
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session", domain="mexiles.test").value, domain="mexiles.test")
    assert copied.get("/people/").status_code == 200
    auth.logout()
    assert copied.get("/people/").status_code == 302


def test_private_pages_are_not_cached(client, auth, make_user):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.login(make_user("coordinator"))
    assert client.get("/people/").headers["Cache-Control"] == "no-store"


def test_remember_me_lasts_days_not_a_year(app):
    assert app.config["REMEMBER_COOKIE_DURATION"] <= 31 * 24 * 3600


def test_session_cookie_flags(app, client, make_user, auth):
    response = auth.login(make_user("coordinator"))
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.config["SESSION_COOKIE_SECURE"] = True  # as in production (tests/test_settings.py)
    try:
        client.post("/account/logout")
        cookie = auth.login(make_user("coordinator")).headers.get("Set-Cookie")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert "Secure" in cookie


def test_next_goes_only_to_this_site(client, make_user):
    user = make_user("coordinator")
    data = {"email": user.email, "password": user.password}
    assert client.post("/account/login?next=/people/", data=data).headers["Location"].endswith("/people/")
    client.post("/account/logout")
    for target in ("https://evil.example/", "//evil.example/", "/\t/evil.example", "/\\evil.example"):
        location = client.post("/account/login", query_string={"next": target}, data=data).headers["Location"]
        assert "evil" not in location, target
        client.post("/account/logout")


def test_last_login_is_recorded(app, auth, make_user):
    user = make_user("coordinator")
    auth.login(user)
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at is not None
