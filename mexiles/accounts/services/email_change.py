"""A change of email address, proven by a link sent to the new address.

Nothing changes until the link is followed; the old address is then told. Whether the new address
is already taken is never said to the one asking: the new address gets a mail either way (a link,
or word that it is in use), and merging two accounts stays a staff task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ... import mail
from ...audit import services as audit
from ...extensions import db
from ..models import User
from . import users as services

STAFF = "email-change"


def max_age() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["EMAIL_CHANGE_HOURS"])


def _taken_by_another(user: User, email: str, also_taken: Callable[[str], bool]) -> bool:
    holder = services.find_by_email(email)
    return (holder is not None and holder.id != user.id) or also_taken(email)


def request_change(
    user: User,
    new_email: str,
    purpose: str = STAFF,
    confirm_endpoint: str = "accounts.confirm_email",
    also_taken: Callable[[str], bool] = lambda email: False,
) -> bool:
    """Mail the new address; False when it is already the user's own (nothing to do).

    ``also_taken`` lets a domain with addresses of its own (giving's donors) refuse them too."""
    new = services.normalise_email(new_email)
    if new == user.email:
        return False
    taken = _taken_by_another(user, new, also_taken)
    token = services.make_token(user, purpose, session_bound=False, e=new)
    key = f"{purpose}:{services.token_id(token)}"
    if taken:
        mail.send(
            new,
            _l("This address already has a mexiles account"),
            "accounts/email/email_taken.txt",
            locale=user.locale,
            key=key,
        )
    else:
        link = url_for(confirm_endpoint, token=token, _external=True)
        mail.send(
            new,
            _l("Confirm your new email address"),
            "accounts/email/confirm_email.txt",
            locale=user.locale,
            link=link,
            hours=current_app.config["EMAIL_CHANGE_HOURS"],
            key=key,
        )
    audit.record("user.email_change_requested", services.SUBJECT, user.id, actor=user, taken=taken)
    db.session.commit()
    return True


def pending_change(token: str, purpose: str = STAFF) -> tuple[User, str]:
    """The user and the new address a link is for, without using it (the confirm page)."""
    user, claims = services.token_claims(token, purpose, max_age(), session_bound=False)
    new = claims.get("e")
    if not isinstance(new, str) or not new:
        raise services.AccountError(_l("This link is not valid. Ask for a new one."))
    return user, new


def apply_change(user: User, new_email: str, also_taken: Callable[[str], bool] = lambda email: False) -> str:
    """Give the account its new address (the caller commits, with its own changes); the old
    address is told. Returns the old address."""
    refused = services.AccountError(
        _l("That address now belongs to another account, so nothing was changed. Write to us if both are yours.")
    )
    if _taken_by_another(user, new_email, also_taken):
        raise refused
    old = user.email
    user.email = new_email
    try:
        with db.session.begin_nested():  # the unique address decides a race between two accounts
            db.session.flush()
    except IntegrityError:
        user.email = old
        raise refused from None
    mail.send(
        old,
        _l("Your mexiles email address was changed"),
        "accounts/email/email_changed.txt",
        locale=user.locale,
        old=old,
        new=new_email,
        key=f"email-changed:{services.token_id(f'{user.id}:{old}:{new_email}')}",
    )
    audit.record("user.email_changed", services.SUBJECT, user.id, actor=user)
    return old


def confirm(token: str) -> User:
    """Follow a staff member's link: the account takes the new address."""
    user, new = pending_change(token)
    apply_change(user, new)
    db.session.commit()
    return user
