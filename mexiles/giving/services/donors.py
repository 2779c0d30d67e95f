"""Donors: one per email address, found or created on each gift, merged when staff find duplicates."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ...access import Role
from ...accounts import services as accounts
from ...audit import services as audit
from ...extensions import db
from ...refusals import Refusal
from ...timeutil import utcnow
from ..models import Donor, Gift, RecurringGift, Thanks

PAGE_SIZE = 50


def email_key(email: str) -> str:
    return (email or "").strip().lower()


def find(email: str) -> Donor | None:
    return db.session.scalar(select(Donor).where(Donor.email_key == email_key(email)))


def get(donor_id: int) -> Donor | None:
    return db.session.get(Donor, donor_id)


def get_or_404(donor_id: int) -> Donor:
    return get(donor_id) or abort(404)


def find_or_create(
    email: str,
    name: str | None = None,
    address: str | None = None,
    locale: str = "en",
    listed: bool | None = None,
    trusted: bool = True,
    opted_in: bool = False,
) -> Donor:
    """The donor with this email, created if new.

    ``trusted`` (staff, or the donor signed in as themselves) updates an existing donor's name,
    address, language and listing. Anyone else typing a donor's email on the public form only
    fills what the donor left blank: their name, address and listing are theirs to change.
    ``opted_in`` (the donate form's box) consents to appeals; only the donor themself, or a new
    donor, can take back an unsubscribe that way.
    """
    donor = find(email)
    if donor is None:
        donor = Donor(
            email_key=email_key(email),
            name=name or None,
            address=address or None,
            locale=locale,
            listed=bool(listed),
            opted_in_at=utcnow() if opted_in else None,
        )
        try:
            with db.session.begin_nested():  # two first gifts at once: the second finds the first
                db.session.add(donor)
                db.session.flush()
        except IntegrityError:
            donor = find(email)
            if donor is None:  # not the other gift's donor that stood in the way
                raise
        else:
            audit.record("donor.create", "donor", donor.id)
            return donor
    if opted_in and (trusted or not donor.unsubscribed_at):
        donor.opted_in_at, donor.unsubscribed_at = donor.opted_in_at or utcnow(), None
    if not trusted:
        donor.name = donor.name or name or None
        donor.address = donor.address or address or None
        return donor
    if name and name != donor.name:
        donor.name = name
    if address and address != donor.address:
        donor.address = address
    donor.locale = locale or donor.locale
    if listed is not None:
        donor.listed = donor.listed or listed
    return donor


def for_user(user) -> Donor | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Donor).where(Donor.user_id == user.id))


def lock_unlinked(donor: Donor) -> None:
    """Hold the row of a donor who has no account yet (PostgreSQL), so that first gifts paid at once
    make the account one after the other. Taken before the transaction writes a gift of the donor:
    a written gift holds a share lock on its donor, which linking the account waits for, and two
    such waits deadlock."""
    if donor.user_id is None:
        with db.session.no_autoflush:
            db.session.scalar(
                select(Donor).where(Donor.id == donor.id).with_for_update().execution_options(populate_existing=True)
            )


def ensure_account(donor: Donor):
    """A donor gets an account (role donor) with their first gift, to sign in to the portal."""
    if donor.user_id:
        return accounts.get_user(donor.user_id)
    user = accounts.find_by_email(donor.email_key)
    if user is None:
        try:
            with db.session.begin_nested():  # two first gifts paid at once: the second finds the first's
                user = accounts.create_user(donor.email_key, [Role.DONOR], full_name=donor.name, locale=donor.locale)
        except (IntegrityError, accounts.AccountError):
            user = accounts.find_by_email(donor.email_key)
            if user is None:  # not the other gift's account that stood in the way
                raise
    if db.session.scalar(select(Donor.id).where(Donor.user_id == user.id)) is None:
        donor.user_id = user.id
    return user


def listing(page: int, query: str, actor):
    """A page of donors and {donor id: (gifts, net cents, last gift)}: two queries whatever the size.
    Each donor shown (with their name) is audited."""
    statement = select(Donor).order_by(Donor.email_key)
    if query:
        statement = statement.where(Donor.email_key.contains(email_key(query), autoescape=True))
    found = db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False, count=True)
    ids = [d.id for d in found.items]
    audit.record_each("donors.search" if query else "donors.list", "donor", ids, actor=actor)
    db.session.commit()
    totals = (
        {
            row[0]: row[1:]
            for row in db.session.execute(
                select(
                    Gift.donor_id,
                    func.count(Gift.id),
                    func.coalesce(func.sum(Gift.net_cents), 0),
                    func.max(Gift.received_at),
                )
                .where(Gift.status == "succeeded", Gift.donor_id.in_(ids))
                .group_by(Gift.donor_id)
            )
        }
        if ids
        else {}
    )
    return found, totals


def history(donor: Donor) -> list[Gift]:
    return list(
        db.session.scalars(
            select(Gift).where(Gift.donor_id == donor.id).order_by(Gift.received_at.desc(), Gift.id.desc())
        )
    )


def recurring_of(donor: Donor) -> list[RecurringGift]:
    return list(
        db.session.scalars(
            select(RecurringGift).where(RecurringGift.donor_id == donor.id).order_by(RecurringGift.id.desc())
        )
    )


def view(donor: Donor, actor) -> None:
    audit.record("donor.view", "donor", donor.id, actor=actor)
    db.session.commit()


class MergeError(Refusal):
    pass


def merge(duplicate: Donor, into: Donor, actor) -> None:
    """Move every gift, monthly gift and thanks of ``duplicate`` to ``into`` and remove the duplicate.
    The kept donor's consent to appeals stays theirs (it is their address mail goes to), and an
    unsubscribe on either record stands."""
    if duplicate.id == into.id:
        raise MergeError("same donor")
    if duplicate.stripe_customer_id:
        # Its subscriptions go on billing the duplicate's Stripe customer (and card): they keep it.
        db.session.execute(
            update(RecurringGift)
            .where(RecurringGift.donor_id == duplicate.id, RecurringGift.stripe_customer_id.is_(None))
            .values(stripe_customer_id=duplicate.stripe_customer_id)
        )
    for model in (Gift, RecurringGift, Thanks):
        db.session.execute(update(model).where(model.donor_id == duplicate.id).values(donor_id=into.id))
    into.unsubscribed_at = into.unsubscribed_at or duplicate.unsubscribed_at
    into.name = into.name or duplicate.name
    into.address = into.address or duplicate.address
    into.listed = into.listed or duplicate.listed
    if not into.stripe_customer_id and duplicate.stripe_customer_id:
        customer, duplicate.stripe_customer_id = duplicate.stripe_customer_id, None
        db.session.flush()
        into.stripe_customer_id = customer
    if not into.user_id and duplicate.user_id:
        user_id, duplicate.user_id = duplicate.user_id, None
        db.session.flush()
        into.user_id = user_id
    audit.record("donor.merge", "donor", into.id, actor=actor, merged_donor_id=duplicate.id)
    db.session.delete(duplicate)
    db.session.commit()


DONOR_EMAIL_CHANGE = "donor-email-change"


def _taken_by_another_donor(donor: Donor):
    def taken(email: str) -> bool:
        holder = find(email)
        return holder is not None and holder.id != donor.id

    return taken


def update_profile(donor: Donor, email: str, locale: str, listed: bool, actor) -> bool:
    """The donor's own change of language and listing, at once. A new email address only takes
    effect once the link mailed to it is followed (``confirm_email_change``): otherwise anyone who
    gave once could take a stranger's address, and with it the stranger's later gifts.

    True when the new address was mailed; the same whether or not it is taken."""
    user = accounts.get_user(donor.user_id) if donor.user_id else None
    changed = []
    if locale != donor.locale:
        donor.locale = locale
        changed.append("locale")
        if user is not None:
            accounts.set_locale(user, locale, commit=False)
    if listed != donor.listed:
        donor.listed = listed
        changed.append("listed")
    if changed:
        audit.record("donor.update", "donor", donor.id, actor=actor, fields=changed)
    db.session.commit()
    if user is None or email_key(email) == donor.email_key:
        return False
    return accounts.request_change(
        user, email, DONOR_EMAIL_CHANGE, "giving.portal_confirm_email", also_taken=_taken_by_another_donor(donor)
    )


def pending_email_change(token: str) -> tuple[Donor, str]:
    user, new = accounts.pending_change(token, DONOR_EMAIL_CHANGE)
    donor = for_user(user)
    if donor is None:
        raise accounts.AccountError(_l("This link is not valid. Ask for a new one."))
    return donor, new


def confirm_email_change(token: str) -> Donor:
    """Follow the link mailed to the new address: the donor and their account take it together."""
    donor, new = pending_email_change(token)
    user = accounts.get_user(donor.user_id) if donor.user_id else None
    if user is None:  # the account was removed since the link was sent
        raise accounts.AccountError(_l("This link is not valid. Ask for a new one."))
    accounts.apply_change(user, new, also_taken=_taken_by_another_donor(donor))
    donor.email_key = new
    audit.record("donor.update", "donor", donor.id, fields=["email"])
    try:
        db.session.commit()
    except IntegrityError:  # another donor took the address a moment ago
        db.session.rollback()
        raise accounts.AccountError(
            _l("That address now belongs to another account, so nothing was changed. Write to us if both are yours.")
        ) from None
    return donor
