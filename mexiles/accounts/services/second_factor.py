"""The second factor for staff: a TOTP authenticator app, with single-use recovery codes.

Required of admins and, where MFA_REQUIRED_FOR_COORDINATORS says so, of coordinators; anyone
enrolled is asked for it. A wrong code counts towards the sign-in lock-out. A device can be
remembered for at most 30 days by a signed cookie bound to the user and to their enrolment, so
that resetting the second factor forgets every device.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import NoReturn, cast

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ...access import Role
from ...audit import services as audit
from ...extensions import db
from ...timeutil import utcnow
from ..models import RecoveryCode, User
from . import users as services

SUBJECT = services.SUBJECT
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32: no 0/1/8/9 to mistake for o/l/b/g
DEVICE_COOKIE = "mexiles_device"


def required_of(user: User) -> bool:
    config = current_app.config
    if not config["MFA_REQUIRED"]:
        return False
    return user.has_role(Role.ADMIN) or (user.has_role(Role.COORDINATOR) and config["MFA_REQUIRED_FOR_COORDINATORS"])


def needed(user: User) -> bool:
    """Whether this user must give a second factor to be signed in."""
    return user.mfa_enrolled or required_of(user)


# --- Enrolment ----------------------------------------------------------------------------


def begin_enrolment(user: User) -> str:
    """The secret to enrol, kept (encrypted) until a first code confirms it."""
    if user.mfa_enrolled:
        raise services.AccountError(_l("Your second factor is already set up."))
    if not user.mfa_secret:
        user.mfa_secret = pyotp.random_base32()
        db.session.commit()
    return user.mfa_secret


def provisioning_qr(user: User) -> str:
    """The enrolment QR code as a data: URL (the page's policy allows data: images only)."""
    if not user.mfa_secret:
        raise ValueError("no secret to show: enrolment_secret() makes it")
    uri = pyotp.TOTP(user.mfa_secret).provisioning_uri(name=user.email, issuer_name=current_app.config["MFA_ISSUER"])
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Check a first code against the new secret; returns the recovery codes, to show once."""
    if user.mfa_enrolled or not user.mfa_secret:
        raise services.AccountError(_l("Start again: open the page to set up your second factor."))
    if services.is_locked(user) or not _take_totp(user, code):
        _refuse(user, "enrolment")
    user.mfa_enrolled_at = utcnow()
    codes = _new_recovery_codes(user)
    audit.record("mfa.enrol", SUBJECT, user.id, actor=user)
    db.session.commit()
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes)
    return codes


def _recovery_code() -> str:
    # 80 random bits, in four groups that are easy to copy by hand.
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- Sign-in ------------------------------------------------------------------------------


def check(user: User, code: str) -> str:
    """Accept an authenticator code or an unused recovery code; "totp" or "recovery".

    Anything else is refused, audited and counted towards the lock-out."""
    if not user.mfa_enrolled or services.is_locked(user):
        _refuse(user, "locked" if user.mfa_enrolled else "not enrolled")
    if _take_totp(user, code):
        user.failed_logins = 0
        db.session.commit()
        return "totp"
    if _take_recovery_code(user, code):
        user.failed_logins = 0
        audit.record("mfa.recovery_used", SUBJECT, user.id, actor=user, left=recovery_codes_left(user))
        db.session.commit()
        return "recovery"
    _refuse(user, "code")


def _refuse(user: User, reason: str) -> NoReturn:
    audit.record("mfa.failed", SUBJECT, user.id, actor=user, reason=reason)
    services.count_failure(user)
    raise services.AccountError(_l("That code is not right. Try the current code from your app, or a recovery code."))


def _take_totp(user: User, code: str) -> bool:
    """A current code (one step of clock drift either way), never one already used."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code) or not user.mfa_secret:
        return False
    totp = pyotp.TOTP(user.mfa_secret)
    now = totp.timecode(dt.datetime.now(dt.UTC))
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            # In SQL, so that two requests cannot both spend the same code.
            taken = (
                cast(
                    CursorResult,
                    db.session.execute(
                        update(User).where(User.id == user.id, User.mfa_last_step < step).values(mfa_last_step=step)
                    ),
                ).rowcount
                == 1
            )
            if taken:
                set_committed_value(user, "mfa_last_step", step)  # the object knows what SQL did
            return taken
    return False


def _take_recovery_code(user: User, code: str | None) -> bool:
    normalised = re.sub(r"[^a-z2-7]", "", (code or "").lower())
    if len(normalised) != 16:
        return False
    spelled = "-".join(normalised[i : i + 4] for i in range(0, 16, 4))
    taken = cast(
        CursorResult,
        db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _digest(spelled),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
        ),
    ).rowcount
    return taken == 1


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# --- Reset --------------------------------------------------------------------------------


def reset(user: User, actor: User, recovery_code: str | None = None) -> None:
    """Remove the second factor (the user enrols again at their next sign-in). An admin resets
    another user's; one's own only with a recovery code, so a stolen session cannot do it."""
    if actor.id == user.id:
        if not user.mfa_enrolled or services.is_locked(user) or not _take_recovery_code(user, recovery_code):
            _refuse(user, "reset")
    elif not actor.has_role(Role.ADMIN):
        raise services.AccountError(_l("Only an admin can reset another person's second factor."))
    user.mfa_secret = None
    user.mfa_enrolled_at = None
    user.mfa_last_step = 0
    services.renew_session_token(user)  # whoever holds their sessions now (a stolen phone's) is out
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("mfa.reset", SUBJECT, user.id, actor=actor)
    db.session.commit()


# --- Remembered devices -------------------------------------------------------------------


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="mexiles.mfa-device")


def _enrolment_fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}|{user.mfa_secret}|{user.mfa_enrolled_at}".encode()).hexdigest()[:24]


def remember_days() -> int:
    return min(current_app.config["MFA_REMEMBER_DAYS"], 30)


def device_token(user: User) -> str:
    return _device_serializer().dumps({"u": user.id, "f": _enrolment_fingerprint(user)})


def device_remembered(user: User, token: str | None) -> bool:
    if not token or not user.mfa_enrolled:
        return False
    try:
        data = _device_serializer().loads(token, max_age=remember_days() * 24 * 3600)
    except BadSignature:
        return False
    return data.get("u") == user.id and data.get("f") == _enrolment_fingerprint(user)
