"""What every part of the care services shares: refusals, day counts from settings, and who may see what."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ...access import Role
from ...extensions import db
from ...refusals import Refusal
from ..models import CounselorMembership, Referral

SUBJECT = "referral"


class CareError(Refusal):
    """A refusal with a message for the user (a lazy string in their language)."""


def refusals_roll_back(change):
    """A refused change leaves nothing half-done behind in the session; a change that lost a race
    with someone else's (see Referral.version) is refused too."""

    @wraps(change)
    def wrapper(*args, **kwargs):
        try:
            return change(*args, **kwargs)
        except CareError:
            db.session.rollback()
            raise
        except StaleDataError:
            db.session.rollback()
            raise CareError(
                _l("Someone else changed this referral at the same moment. Look at it again and retry.")
            ) from None

    return wrapper


def days(setting: str) -> dt.timedelta:
    return dt.timedelta(days=current_app.config[setting])


# --- Who may see what ----------------------------------------------------------------------


def counseled_provider_id(user) -> int | None:
    """The provider a counselor's account belongs to, if any."""
    if not user.has_role(Role.COUNSELOR):
        return None
    return db.session.scalar(select(CounselorMembership.provider_id).where(CounselorMembership.user_id == user.id))


def is_counselor_of(user, referral: Referral) -> bool:
    """A counselor sees a referral once it was sent to their own provider, never before."""
    return referral.sent_at is not None and referral.provider_id == counseled_provider_id(user)
