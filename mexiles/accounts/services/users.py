"""Accounts: passwords, sign-in with lock-out, emailed single-use tokens, staff and roles."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select, update
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ... import mail
from ...access import Role
from ...audit import services as audit
from ...extensions import db
from ...jobs import services as jobs
from ...refusals import Refusal
from ...timeutil import utcnow
from ..models import RoleGrant, User, new_session_token

SUBJECT = "user"


class AccountError(Refusal):
    """A refusal with a message for the user."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"])


def set_password(user: User, password: str) -> None:
    user.password_hash = _hasher().hash(password)
    user.session_token = new_session_token()  # ends other sessions and spends outstanding tokens
    user.failed_logins = 0
    user.locked_until = None


def find_by_email(email: str) -> User | None:
    # Roles load only if asked for: a known address then costs the one statement an unknown does.
    return db.session.scalar(
        select(User).where(User.email == normalise_email(email)).options(lazyload(User.role_grants))
    )


def authenticate(email: str, password: str) -> User:
    """The user with these credentials, or AccountError. Repeated failures lock the account.

    Every refusal says the same, costs the same hashing time and writes one audit entry, so that
    neither the message nor the timing tells whether an account exists or is locked."""
    user = find_by_email(email)
    refused = AccountError(_l("That email and password do not match an active account."))
    now = utcnow()
    usable = user is not None and user.active and user.password_hash
    # (user and its hash named again only so that mypy sees what usable says)
    if user is None or not user.password_hash or not usable or (user.locked_until and user.locked_until > now):
        _spend_hashing_time(password)
        _record_failed_login(user, "locked" if usable else "unusable")
        _count_failure(email, now)  # the same statement as below; no account is counted
        raise refused
    if not password_matches(user, password):
        _record_failed_login(user, "password")
        _count_failure(email, now)
        raise refused
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("user.login", SUBJECT, user.id, actor=user)
    db.session.commit()
    return user


def password_matches(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash or "", password)
    except (VerificationError, InvalidHashError):
        return False


@functools.lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost).hash(secrets.token_urlsafe(16))


def _spend_hashing_time(password: str) -> None:
    """Verify against a hash of nothing, so that an unknown address costs what a known one does."""
    config = current_app.config
    try:
        _hasher().verify(_dummy_hash(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"]), password)
    except VerificationError:
        pass


def _record_failed_login(user: User | None, reason: str) -> None:
    # Never what was typed: an unknown address may be someone's password typed in the wrong box.
    audit.record("user.login_failed", SUBJECT, user.id if user else None, actor=user, reason=reason)


def _count_failure(email: str, now) -> None:
    """Count a failure against the active, unlocked account with this address, if there is one.

    Incremented in SQL, so that parallel attempts cannot slip past the limit; by address, so that
    a refusal for an unknown address runs the very same statement as for a known one."""
    counted = db.session.execute(
        update(User)
        .where(
            User.email == normalise_email(email),
            User.active,
            or_(User.locked_until.is_(None), User.locked_until <= now),
        )
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.id, User.failed_logins)
    ).first()
    if counted and counted.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        lock_until = now + dt.timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
        db.session.execute(update(User).where(User.id == counted.id).values(failed_logins=0, locked_until=lock_until))
        locked = db.session.get(User, counted.id)
        set_committed_value(locked, "locked_until", lock_until)  # the loaded object knows it is locked
        set_committed_value(locked, "failed_logins", 0)
        audit.record("user.locked", SUBJECT, counted.id, actor=locked)
    db.session.commit()


def count_failure(user: User) -> None:
    """A wrong second factor or current password counts towards the lock-out like a wrong password."""
    _count_failure(user.email, utcnow())


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > utcnow())


def sign_out(user: User) -> None:
    """End this user's sessions everywhere: a copied session cookie stops working too."""
    renew_session_token(user)
    db.session.commit()


def renew_session_token(user: User) -> None:
    """Ends the user's other sessions and spends their outstanding emailed links."""
    user.session_token = new_session_token()


def set_locale(user: User, locale: str, commit: bool = True) -> None:
    if user.locale != locale:
        user.locale = locale
        if commit:
            db.session.commit()


# --- Emailed single-use tokens ------------------------------------------------------------
# A token names the user and a fingerprint of their password, address and (unless the token must
# survive signing out, as an email change does) session; setting a password or changing the
# address changes it, so a token works once, and expires anyway.


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"mexiles.{purpose}")


def _fingerprint(user: User, session_bound: bool = True) -> str:
    session = user.session_token if session_bound else ""
    return hashlib.sha256(f"{user.password_hash}|{session}|{user.email}".encode()).hexdigest()[:16]


def make_token(user: User, purpose: str, session_bound: bool = True, **claims) -> str:
    return _serializer(purpose).dumps({**claims, "u": user.id, "f": _fingerprint(user, session_bound)})


def token_id(token: str) -> str:
    """A short name for a token (idempotency keys, logs) that does not reveal it."""
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def token_claims(token: str, purpose: str, max_age: dt.timedelta, session_bound: bool = True) -> tuple[User, dict]:
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise AccountError(_l("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise AccountError(_l("This link is not valid. Ask for a new one.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user, session_bound):
        raise AccountError(_l("This link has already been used. Ask for a new one."))
    return user, data


def user_for_token(token: str, purpose: str, max_age: dt.timedelta) -> User:
    return token_claims(token, purpose, max_age)[0]


def reset_max_age() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"])


def invite_max_age() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["INVITE_DAYS"])


RESET_JOB = "accounts.password_reset"


def request_password_reset(email: str, site: str | None) -> None:
    """Queue a reset for the account with this address, if any. The request writes the same job,
    in the same time, whether or not the address is known: the job looks it up."""
    request_id = secrets.token_hex(16)
    jobs.enqueue(RESET_JOB, {"email": email, "request": request_id, "site": site}, key=f"{RESET_JOB}:{request_id}")
    audit.record("user.reset_requested", SUBJECT, None)  # with the asker's address; someone may be probing
    db.session.commit()


@jobs.handler(RESET_JOB, commits=True)
def _send_password_reset(payload: dict) -> None:
    with jobs.links_to(payload["site"]):
        send_password_reset(payload["email"], payload["request"])


def send_password_reset(email: str, request_id: str) -> None:
    """Email a reset link if the account exists; once per request, however often the job runs."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    token = make_token(user, "reset")
    link = url_for("accounts.reset_password", token=token, _external=True)
    if mail.send(
        user.email,
        _l("Reset your mexiles password"),
        "accounts/email/reset_password.txt",
        locale=user.locale,
        user=user,
        link=link,
        hours=current_app.config["PASSWORD_RESET_HOURS"],
        key=f"password-reset:{request_id}",
    ):
        audit.record("user.reset_sent", SUBJECT, user.id, actor=user)
    db.session.commit()


def complete_password_reset(user: User, password: str) -> None:
    set_password(user, password)
    audit.record("user.password_set", SUBJECT, user.id, actor=user)
    db.session.commit()


def change_settings(user: User, locale: str, full_name: str | None) -> None:
    user.locale = locale
    user.full_name = full_name or None
    audit.record("user.settings", SUBJECT, user.id, actor=user)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """A new password, given the current one; every other session of the user ends."""
    check_current_password(user, current)
    complete_password_reset(user, new)


def check_current_password(user: User, password: str) -> None:
    if is_locked(user) or not password_matches(user, password):
        audit.record("user.password_check_failed", SUBJECT, user.id, actor=user)
        count_failure(user)
        raise AccountError(_l("That is not your current password."))


# --- Staff administration -----------------------------------------------------------------


def create_user(
    email: str, roles, full_name: str | None = None, password: str | None = None, locale: str = "en", actor=None
) -> User:
    email = normalise_email(email)
    if find_by_email(email):
        raise AccountError(_l("An account with this email already exists."))
    user = User(email=email, full_name=full_name or None, locale=locale)
    user.role_grants = [RoleGrant(role=r) for r in sorted(set(roles))]
    if password:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", SUBJECT, user.id, actor=actor, roles=sorted(set(roles)))
    return user


def invite(email: str, roles, full_name: str | None, locale: str, actor) -> User:
    user = create_user(email, roles, full_name=full_name, locale=locale, actor=actor)
    link = url_for("accounts.accept_invite", token=make_token(user, "invite"), _external=True)
    mail.send(
        user.email,
        _l("You are invited to mexiles"),
        "accounts/email/invite.txt",
        key=f"accounts.invite:{user.id}",
        locale=user.locale,
        user=user,
        link=link,
        days=current_app.config["INVITE_DAYS"],
    )
    db.session.commit()
    return user


def set_roles(user: User, roles, actor) -> None:
    wanted = set(roles) & set(Role.ALL)
    if user.id == actor.id and Role.ADMIN not in wanted:
        raise AccountError(_l("You cannot take the admin role from yourself."))
    before = user.roles
    user.role_grants = [g for g in user.role_grants if g.role in wanted] + [
        RoleGrant(role=r) for r in sorted(wanted - before)
    ]
    if before != wanted:
        audit.record(
            "user.roles", SUBJECT, user.id, actor=actor, added=sorted(wanted - before), removed=sorted(before - wanted)
        )
    db.session.commit()


def set_active(user: User, active: bool, actor) -> None:
    if user.id == actor.id and not active:
        raise AccountError(_l("You cannot deactivate your own account."))
    if user.active != active:
        user.active = active
        user.session_token = new_session_token()
        audit.record("user.activated" if active else "user.deactivated", SUBJECT, user.id, actor=actor)
    db.session.commit()


def staff_page(page: int, actor):
    """A page of accounts; each shown (with its name) is audited."""
    found = db.paginate(select(User).order_by(User.email), page=page, per_page=100, error_out=False)
    audit.record_each("users.list", SUBJECT, [u.id for u in found.items], actor=actor)
    db.session.commit()
    return found


def view_user(user: User, actor) -> None:
    audit.record("user.view", SUBJECT, user.id, actor=actor)
    db.session.commit()


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def load_user(session_token: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_token == session_token, User.active))


def users_with_role(role: str) -> list[User]:
    return list(
        db.session.scalars(select(User).join(RoleGrant).where(RoleGrant.role == role, User.active).order_by(User.email))
    )


def users_by_ids(ids) -> list[User]:
    return list(db.session.scalars(select(User).where(User.id.in_(list(ids))).order_by(User.id))) if ids else []
