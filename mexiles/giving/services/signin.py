"""The donor's way in: a single-use sign-in link, mailed on request or carried by an email (the
card-update link of a failed monthly payment), that only a donor-only account may use."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from ... import mail
from ...access import Role
from ...accounts import services as accounts
from ...audit import services as audit
from ...extensions import db
from ...jobs import services as jobs
from ..models import Donor
from . import donors

PURPOSE = "donor-signin"


def link_max_age() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["DONOR_LINK_HOURS"])


def donor_only(user) -> bool:
    """Sign-in links are for donors alone: staff sign in on the usual page, with their password
    (and whatever else protects their accounts), never by an emailed link."""
    return user is not None and user.roles == frozenset({Role.DONOR})


def signin_link(donor: Donor, next_endpoint: str = "giving.portal") -> str | None:
    """A single-use sign-in link, or None when the donor's account is also a staff account."""
    user = donors.ensure_account(donor)
    db.session.commit()
    if not donor_only(user):
        return None
    return url_for(
        "giving.portal_signin", token=accounts.make_token(user, PURPOSE), next=url_for(next_endpoint), _external=True
    )


def card_update_link(donor: Donor) -> str:
    return signin_link(donor, "giving.portal") or url_for("accounts.login", _external=True)


SIGNIN_JOB = "giving.signin_link"


def request_signin_link(email: str, site: str | None) -> None:
    """Queue a sign-in link for the donor with this address, if any. The request writes the same
    job, in the same time, whether or not a donor has the address: the job looks it up."""
    request_id = secrets.token_hex(16)
    jobs.enqueue(SIGNIN_JOB, {"email": email, "request": request_id, "site": site}, key=f"{SIGNIN_JOB}:{request_id}")
    db.session.commit()


@jobs.handler(SIGNIN_JOB, commits=True)
def _send_signin_link(payload: dict) -> None:
    with jobs.links_to(payload["site"]):
        send_signin_link(payload["email"], payload["request"])


def send_signin_link(email: str, request_id: str) -> None:
    """Mail a sign-in link to the donor with this address, if there is one (a donor-only account);
    once per request, however often the job runs."""
    donor = donors.find(email)
    link = signin_link(donor) if donor is not None else None
    if (
        donor is not None
        and link is not None
        and mail.send(
            donor.email_key,
            _l("Your sign-in link"),
            "giving/email/signin.txt",
            locale=donor.locale,
            link=link,
            hours=current_app.config["DONOR_LINK_HOURS"],
            key=f"donor-signin:{request_id}",
        )
    ):
        audit.record("donor.signin_link", "donor", donor.id)
    db.session.commit()


def peek_signin_token(token: str):
    """The donor-only user a sign-in link is for, without spending it (the confirm page)."""
    user = accounts.user_for_token(token, PURPOSE, link_max_age())
    if not donor_only(user):
        raise accounts.AccountError(_l("Staff accounts sign in on the usual sign-in page."))
    return user


def use_signin_token(token: str):
    """The user behind a sign-in link; the link is spent (the session token changes, which also
    ends the donor's sessions on other devices, as a password change does)."""
    user = peek_signin_token(token)
    accounts.renew_session_token(user)
    audit.record("donor.signin", "user", user.id, actor=user)
    db.session.commit()
    return user
