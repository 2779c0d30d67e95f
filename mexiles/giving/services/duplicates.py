"""Donors who are probably one person: the same mailbox (addresses that differ only by case, a
+tag or, at Gmail, dots) or the same normalised name at the same postal code (matched on a blind
index, never by decrypting every name). Staff see what a merge would move, then merge in one click."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ...audit import services as audit
from ...extensions import db
from ..models import Donor, Gift, RecurringGift, Thanks

MOST_GROUPS = 50  # suggestions on one page; merging them brings the next ones up


@dataclass
class Suggestion:
    keep: Donor  # the older record: its number is the one people know
    duplicate: Donor
    reason: str  # "email" or "name_postal"


def _shared(column) -> list[str]:
    return list(
        db.session.scalars(
            select(column)
            .where(column.is_not(None))
            .group_by(column)
            .having(func.count(Donor.id) > 1)
            .order_by(column)
            .limit(MOST_GROUPS)
        )
    )


def suggestions(actor) -> list[Suggestion]:
    """Pairs to merge, in three queries whatever the number of donors; every donor shown is audited."""
    emails, names = _shared(Donor.email_match), _shared(Donor.name_postal_key)
    if not emails and not names:
        return []
    found = db.session.scalars(
        select(Donor).where(or_(Donor.email_match.in_(emails), Donor.name_postal_key.in_(names))).order_by(Donor.id)
    ).all()
    pairs: list[Suggestion] = []
    seen: set[tuple[int, int]] = set()
    for reason, column, keys in (("email", "email_match", set(emails)), ("name_postal", "name_postal_key", set(names))):
        first: dict[str, Donor] = {}
        for donor in found:
            key = getattr(donor, column)
            if key not in keys:
                continue
            keep = first.setdefault(key, donor)
            if keep is not donor and (keep.id, donor.id) not in seen:
                seen.add((keep.id, donor.id))
                pairs.append(Suggestion(keep, donor, reason))
    audit.record_each("donors.duplicates", "donor", sorted({d.id for d in found}), actor=actor)
    db.session.commit()
    return pairs


@dataclass
class Preview:
    gifts: int
    monthly: int
    thanks: int
    account: bool  # the duplicate's sign-in account goes to the kept donor
    stripe_customer: bool
    fills: list[str]  # the kept donor's empty fields the duplicate fills


def preview(duplicate: Donor, into: Donor, actor) -> Preview:
    counts = {
        model: db.session.scalar(select(func.count(model.id)).where(model.donor_id == duplicate.id))
        for model in (Gift, RecurringGift, Thanks)
    }
    audit.record_each("donor.merge_preview", "donor", [duplicate.id, into.id], actor=actor)
    db.session.commit()
    return Preview(
        gifts=counts[Gift] or 0,
        monthly=counts[RecurringGift] or 0,
        thanks=counts[Thanks] or 0,
        account=bool(duplicate.user_id and not into.user_id),
        stripe_customer=bool(duplicate.stripe_customer_id and not into.stripe_customer_id),
        fills=[name for name in ("name", "address") if getattr(duplicate, name) and not getattr(into, name)],
    )
