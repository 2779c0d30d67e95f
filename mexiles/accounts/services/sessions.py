"""Starting a session: every sign-in path (password, donor link, reset, invitation) comes here.

Nothing from before sign-in survives it (the cookie is emptied: a value planted in it, or its CSRF
token, is gone). A user who needs a second factor is only *held* after their password: the session
names them as pending, Flask-Login does not know them, and no page but the second-factor step opens
until the code is given.
"""

from __future__ import annotations

import time

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ...http import for_a_machine
from . import second_factor
from . import users as services

PENDING = "mfa_pending"
PASSED = "mfa_passed"
PENDING_SECONDS = 10 * 60


def begin_session(user, remember: bool = False, second_factor_passed: bool = False) -> None:
    session.clear()
    login_user(user, remember=remember)
    session[PASSED] = second_factor_passed


def start_sign_in(user, remember: bool = False, next_url: str | None = None):
    """After the first proof of identity: None when the user is signed in, or the redirect to
    the second-factor step they must pass first."""
    if not second_factor.needed(user):
        begin_session(user, remember)
        return None
    if second_factor.device_remembered(user, request.cookies.get(second_factor.DEVICE_COOKIE)):
        begin_session(user, remember, second_factor_passed=True)
        return None
    hold(user, remember, next_url)
    return redirect(url_for("accounts.second_factor" if user.mfa_enrolled else "accounts.enrol_second_factor"))


def hold(user, remember: bool = False, next_url: str | None = None) -> None:
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    session[PENDING] = {
        "token": user.session_token,
        "remember": bool(remember),
        "next": next_url or "",
        "since": int(time.time()),
    }


def pending():
    """The user waiting to give their second factor, or None (none, or too long ago)."""
    held = session.get(PENDING)
    if not isinstance(held, dict) or time.time() - held.get("since", 0) > PENDING_SECONDS:
        return None
    user = services.load_user(held.get("token", ""))
    return user if user is not None and second_factor.needed(user) else None


def pending_next(default: str) -> str:
    held = session.get(PENDING) or {}
    return held.get("next") or default


def finish_sign_in(user, remember_device: bool = False, response=None):
    """The second factor was given: the session starts (fresh again); the device is remembered
    if asked. Returns the response, with the device cookie set when asked for."""
    remember = bool((session.get(PENDING) or {}).get("remember"))
    begin_session(user, remember, second_factor_passed=True)
    if remember_device and response is not None:
        config = current_app.config
        response.set_cookie(
            second_factor.DEVICE_COOKIE,
            second_factor.device_token(user),
            max_age=second_factor.remember_days() * 24 * 3600,
            httponly=True,
            secure=config["SESSION_COOKIE_SECURE"],
            samesite="Lax",
        )
    return response


EXEMPT = {"static", "accounts.logout"}


def require_second_factor():
    """Before every request: a signed-in user who needs a second factor and has not given it in
    this session (a role granted meanwhile, a remember-me cookie) is held until they do."""
    if request.endpoint in EXEMPT or for_a_machine() or not current_user.is_authenticated or session.get(PASSED):
        return None
    user = current_user._get_current_object()
    if not second_factor.needed(user):
        return None
    if second_factor.device_remembered(user, request.cookies.get(second_factor.DEVICE_COOKIE)):
        session[PASSED] = True
        return None
    hold(user, next_url=request.full_path if request.method == "GET" else None)
    return redirect(url_for("accounts.second_factor" if user.mfa_enrolled else "accounts.enrol_second_factor"))
