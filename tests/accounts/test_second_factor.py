"""The second factor for staff, through HTTP: enrolment with a real authenticator code, sign-in,
recovery codes, remembered devices, resets, and no page at all before the code where it is needed."""

import datetime as dt
import re

import pyotp
import pytest
from sqlalchemy import select

from mexiles.access import PUBLIC
from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from tests.test_access import _guarded_rules, _url

ENROL = "/account/second-factor/enrol"
VERIFY = "/account/second-factor"
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)


@pytest.fixture
def clock(time_machine):
    """Frozen time; ``clock.shift(30)`` moves to the authenticator's next code."""
    time_machine.move_to(START, tick=False)
    return time_machine


def _actions(app, user_id):
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_type == "user", AuditEntry.subject_id == str(user_id))
                .order_by(AuditEntry.id)
            )
        )


def _enrol(client, auth, user):
    """Sign in, get sent to enrol, scan (read) the key, confirm with the app's code: (totp, codes)."""
    response = auth.login(user)
    assert response.headers["Location"].endswith(ENROL)
    page = client.get(ENROL).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    totp = pyotp.TOTP(re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1))
    shown = client.post(ENROL, data={"code": totp.now()})
    codes = re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>", shown.get_data(as_text=True))
    assert len(codes) == 10
    return totp, codes


def _sign_out_and_in(client, auth, user):
    auth.logout()
    response = auth.login(user)
    return response.headers.get("Location", "")


def test_an_admin_enrols_with_a_real_code_and_then_signs_in_with_one(app, client, auth, make_user, required, clock):
    admin = make_user("admin")
    totp, _codes = _enrol(client, auth, admin)
    assert client.get("/account/staff").status_code == 200
    clock.shift(30)
    assert _sign_out_and_in(client, auth, admin).endswith(VERIFY)
    assert client.get("/account/staff").status_code == 302
    assert client.post(VERIFY, data={"code": totp.now()}).status_code == 302
    assert client.get("/account/staff").status_code == 200
    assert "mfa.enrol" in _actions(app, admin.id)


def test_wrong_and_replayed_codes_are_refused_and_audited(app, client, auth, make_user, required, clock):
    admin = make_user("admin")
    totp, _codes = _enrol(client, auth, admin)
    used = totp.now()  # spent by the enrolment
    _sign_out_and_in(client, auth, admin)
    for wrong in ("000000" if used != "000000" else "111111", used, "not a code"):
        refused = client.post(VERIFY, data={"code": wrong})
        assert refused.status_code == 200 and "That code is not right" in refused.get_data(as_text=True)
    assert client.get("/account/staff").status_code == 302
    assert _actions(app, admin.id).count("mfa.failed") == 3


def test_wrong_codes_lock_the_account_like_wrong_passwords(app, client, auth, make_user, required, clock):
    admin = make_user("admin")
    totp, _codes = _enrol(client, auth, admin)
    _sign_out_and_in(client, auth, admin)
    wrong = "000000" if totp.now() != "000000" else "111111"
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        client.post(VERIFY, data={"code": wrong})
    # the failure that locks sends them back to sign in at once
    assert client.post(VERIFY, data={"code": wrong}).headers["Location"].endswith("/account/login")
    clock.shift(30)
    assert client.post(VERIFY, data={"code": totp.now()}).headers["Location"].endswith("/account/login")
    assert "user.locked" in _actions(app, admin.id)
    assert client.get("/account/staff").status_code == 302


def test_the_code_step_is_rate_limited(app, client, auth, make_user, required, clock, monkeypatch):
    admin = make_user("admin")
    _enrol(client, auth, admin)
    _sign_out_and_in(client, auth, admin)
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    answers = [client.post(VERIFY, data={"code": "123456"}).status_code for _ in range(4)]
    assert answers[-1] == 429


def test_a_recovery_code_works_once(app, client, auth, make_user, required, clock):
    admin = make_user("admin")
    _totp, codes = _enrol(client, auth, admin)
    _sign_out_and_in(client, auth, admin)
    signed_in = client.post(VERIFY, data={"code": codes[0].upper()}, follow_redirects=True)
    assert "9 are left" in signed_in.get_data(as_text=True)
    assert client.get("/account/staff").status_code == 200
    _sign_out_and_in(client, auth, admin)
    assert "That code is not right" in client.post(VERIFY, data={"code": codes[0]}).get_data(as_text=True)
    assert "mfa.recovery_used" in _actions(app, admin.id)


def test_a_remembered_device_skips_the_code_for_30_days_at_most(app, client, auth, make_user, required, clock):
    admin = make_user("admin")
    totp, _codes = _enrol(client, auth, admin)
    clock.shift(30)
    _sign_out_and_in(client, auth, admin)
    client.post(VERIFY, data={"code": totp.now(), "remember_device": "y"})
    assert client.get_cookie("mexiles_device", domain="mexiles.test") is not None
    assert _sign_out_and_in(client, auth, admin).endswith("/")  # straight in
    assert client.get("/account/staff").status_code == 200
    clock.shift(dt.timedelta(days=30, minutes=1))
    assert _sign_out_and_in(client, auth, admin).endswith(VERIFY)


def test_an_admin_resets_another_persons_second_factor_but_not_their_own(
    app, client, auth, make_user, required, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_FOR_COORDINATORS", True)
    coordinator, admin = make_user("coordinator"), make_user("admin")
    other = app.test_client()
    from tests.conftest import AuthActions

    coordinator_totp, _ = _enrol(other, AuthActions(other), coordinator)
    clock.shift(30)
    other.post("/account/logout")
    other.post("/account/login", data={"email": coordinator.email, "password": coordinator.password})
    other.post(VERIFY, data={"code": coordinator_totp.now(), "remember_device": "y"})

    _enrol(client, auth, admin)
    page = client.get(f"/account/staff/{coordinator.id}").get_data(as_text=True)
    assert "Reset the second factor" in page
    assert client.post(f"/account/staff/{coordinator.id}/second-factor").status_code == 302
    assert "mfa.reset" in _actions(app, coordinator.id)
    # Their remembered device is forgotten too: the next sign-in enrols again.
    other.post("/account/logout")
    response = other.post("/account/login", data={"email": coordinator.email, "password": coordinator.password})
    assert response.headers["Location"].endswith(ENROL)

    refused = client.post(f"/account/staff/{admin.id}/second-factor", follow_redirects=True)
    assert "with a recovery code" in refused.get_data(as_text=True)
    assert "mfa.reset" not in _actions(app, admin.id)


def test_ones_own_reset_needs_a_recovery_code(app, client, auth, make_user, required, clock):
    admin = make_user("admin")
    _totp, codes = _enrol(client, auth, admin)
    client.post("/account/second-factor/reset", data={"code": "aaaa-bbbb-cccc-dddd"})
    assert client.get("/account/staff").status_code == 200 and "mfa.reset" not in _actions(app, admin.id)
    assert client.post("/account/second-factor/reset", data={"code": codes[3]}).headers["Location"].endswith(ENROL)
    assert "mfa.reset" in _actions(app, admin.id)
    assert client.get("/account/staff").status_code == 302  # held until enrolled again
    assert client.get(ENROL).status_code == 200


def test_coordinators_need_it_only_where_the_setting_says_so(app, client, auth, make_user, required, monkeypatch):
    coordinator = make_user("coordinator")
    monkeypatch.setitem(app.config, "MFA_REQUIRED_FOR_COORDINATORS", False)
    assert auth.login(coordinator).headers["Location"].endswith("/")
    auth.logout()
    monkeypatch.setitem(app.config, "MFA_REQUIRED_FOR_COORDINATORS", True)
    assert auth.login(coordinator).headers["Location"].endswith(ENROL)


def _walk(app, client):
    """Every non-public route, every method: what each answers."""
    for rule, method, access in _guarded_rules(app):
        if access == PUBLIC or rule.endpoint == "accounts.logout":
            continue
        response = client.open(_url(app, rule, method), method=method)
        yield rule.rule, method, response.status_code, response.headers.get("Location", "")


def test_no_page_opens_before_the_second_factor(app, client, auth, make_user, required, clock):
    admin = make_user("admin")
    totp, _codes = _enrol(client, auth, admin)
    clock.shift(30)
    _sign_out_and_in(client, auth, admin)  # password given, code not yet
    for rule, method, status, location in _walk(app, client):
        assert status == 302 and "/account/login" in location, (rule, method, status)
    assert client.get(VERIFY).status_code == 200


def test_a_session_without_the_second_factor_is_held_on_every_page(app, client, auth, make_user, monkeypatch):
    """A session begun before the requirement (or restored by a remember-me cookie) is held at once."""
    auth.login(make_user("admin"))
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)
    first = client.get("/people/")
    assert first.status_code == 302 and first.headers["Location"].endswith(ENROL)
    for rule, method, status, location in _walk(app, client):
        assert status == 302 and ("/account/login" in location or "/account/second-factor" in location), (
            rule,
            method,
            status,
        )


def test_the_pages_read_in_spanish(app, client, auth, make_user, required):
    auth.login(make_user("admin", locale="es"))
    page = client.get(ENROL, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Configure su segundo factor" in page and 'name="viewport"' in page


@pytest.mark.committed
def test_one_code_sent_twice_at_once_signs_in_once(app, make_user, required):
    """Two requests with the same code at the same moment (PostgreSQL): one wins, one is refused."""
    import threading

    from mexiles.accounts.models import User

    admin = make_user("admin")
    secret = pyotp.random_base32()
    with app.app_context():
        user = db.session.get(User, admin.id)
        user.mfa_secret, user.mfa_enrolled_at = secret, dt.datetime(2026, 12, 1)
        db.session.commit()
    clients = [app.test_client(), app.test_client()]
    for each in clients:
        assert (
            each.post("/account/login", data={"email": admin.email, "password": admin.password})
            .headers["Location"]
            .endswith(VERIFY)
        )
    code, ready, answers = pyotp.TOTP(secret).now(), threading.Barrier(2, timeout=10), []

    def send(each):
        ready.wait()
        answers.append(each.post(VERIFY, data={"code": code}).status_code)

    threads = [threading.Thread(target=send, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(answers) == [200, 302]
