"""Giving's rules: funds, campaigns, offline gifts, refunds, and what other domains may ask.

Other domains use ``event_gift_totals`` (tours), ``raised_by_month`` (counseling, housing), and
``raised_by_fund``, ``raised_by_fund_month`` and ``lock_fund`` (emergency assistance: balances).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeGuard

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select, update

from ... import timeutil
from ...audit import services as audit
from ...extensions import db
from ...refusals import Refusal
from ..models import Campaign, Dispute, Donor, Fund, Gift, RefusedAttempt
from . import donors, ledger, localtime, receipts
from .stripe_gateway import field, idempotent, v1

COUNTED = Gift.status == "succeeded"


# --- The contract with other domains ---------------------------------------------------------


def event_gift_totals(event_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """{tour event id: (gift count, gross cents, net cents)} of counted gifts, in one query."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(Gift.tour_event_id, func.count(Gift.id), func.sum(Gift.amount_cents), func.sum(Gift.net_cents))
        .where(COUNTED, Gift.tour_event_id.in_(list(event_ids)))
        .group_by(Gift.tour_event_id)
    )
    return {
        event_id: (count, int(gross or 0), int(net or 0))
        for event_id, count, gross, net in rows
        if event_id is not None
    }  # never None: the IN leaves gifts without an event out


def raised_by_month(fund_code: str, since: dt.date, until: dt.date) -> dict[str, int]:
    """{"YYYY-MM": net cents} raised for one fund between two local dates (inclusive)."""
    month: ColumnElement[str] = localtime.month_of(Gift.received_at, since, until)
    start, end = localtime.bounds(since, until)
    rows = db.session.execute(
        select(month, func.sum(Gift.net_cents))
        .join(Fund, Fund.id == Gift.fund_id)
        .where(COUNTED, Fund.code == fund_code, Gift.received_at >= start, Gift.received_at < end)
        .group_by(month)
        .order_by(month)
    )
    return {key: int(total or 0) for key, total in rows}


def raised_by_fund_month(since: dt.date, until: dt.date, fund_id: int | None = None) -> dict[tuple[int, str], int]:
    """{(fund id, "YYYY-MM"): net cents} raised between two local dates (inclusive), net of fees,
    refunds and lost disputes, as the reports count it; one aggregate over the date index."""
    month: ColumnElement[str] = localtime.month_of(Gift.received_at, since, until)
    start, end = localtime.bounds(since, until)
    query = select(Gift.fund_id, month, func.sum(Gift.net_cents)).where(
        COUNTED, Gift.received_at >= start, Gift.received_at < end
    )
    if fund_id is not None:
        query = query.where(Gift.fund_id == fund_id)
    rows = db.session.execute(query.group_by(Gift.fund_id, month))
    return {(fund, key): int(total or 0) for fund, key, total in rows}


def raised_by_fund(fund_ids: list[int] | None = None) -> dict[int, int]:
    """{fund id: net cents} raised since the beginning, as the reports count it (counted gifts, net
    of fees, refunds and lost disputes)."""
    query = select(Gift.fund_id, func.sum(Gift.net_cents)).where(COUNTED)
    if fund_ids is not None:
        query = query.where(Gift.fund_id.in_(fund_ids))
    return {fund: int(total or 0) for fund, total in db.session.execute(query.group_by(Gift.fund_id))}


def lock_fund(fund_id: int) -> Fund | None:
    """Lock a fund's row until the transaction ends, so that decisions that spend from it happen one
    after the other (PostgreSQL: SELECT ... FOR UPDATE). On SQLite, which refuses a writer that read
    first, the transaction starts afresh with a write and waits its turn (as housing locks sites)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
        table = Fund.__table__
        db.session.execute(update(table).where(table.c.id == fund_id).values(position=table.c.position))
    query = select(Fund).where(Fund.id == fund_id).with_for_update()
    return db.session.scalar(query.execution_options(populate_existing=True))


# --- Funds and campaigns ---------------------------------------------------------------------


def funds(active_only: bool = True) -> list[Fund]:
    query = select(Fund).order_by(Fund.position, Fund.id)
    if active_only:
        query = query.where(Fund.active)
    return list(db.session.scalars(query))


def fund_by_code(code: str) -> Fund | None:
    return db.session.scalar(select(Fund).where(Fund.code == code))


def get_fund(fund_id: int) -> Fund:
    return db.session.get(Fund, fund_id) or abort(404)


def save_fund(fund: Fund | None, data: dict, actor) -> Fund:
    fund = fund or Fund()
    for name, value in data.items():
        setattr(fund, name, value)
    db.session.add(fund)
    db.session.flush()
    audit.record("fund.save", "fund", fund.id, actor=actor, fields=sorted(data))
    db.session.commit()
    return fund


def campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.ends_on.desc(), Campaign.id.desc())))


def open_campaigns() -> list[Campaign]:
    """The campaigns taking gifts today, for the links between the public pages."""
    on = timeutil.today()
    query = select(Campaign).where(Campaign.starts_on <= on, Campaign.ends_on >= on)
    return list(db.session.scalars(query.order_by(Campaign.ends_on, Campaign.id)))


def campaign_by_slug(slug: str | None) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug)) if slug else None


def get_campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def save_campaign(campaign: Campaign | None, data: dict, actor) -> Campaign:
    campaign = campaign or Campaign()
    for name, value in data.items():
        setattr(campaign, name, value)
    db.session.add(campaign)
    db.session.flush()
    audit.record("campaign.save", "campaign", campaign.id, actor=actor, fields=sorted(data))
    db.session.commit()
    return campaign


@dataclass
class Progress:
    raised_cents: int
    donors: int
    gifts: int
    goal_cents: int
    days_left: int
    ended: bool
    started: bool

    @property
    def percent(self) -> int:
        return min(100, int(self.raised_cents * 100 / self.goal_cents)) if self.goal_cents else 0


def campaign_progress(campaign: Campaign, today: dt.date | None = None) -> Progress:
    today = today or timeutil.today()
    raised, donor_count, gift_count = db.session.execute(
        select(
            func.coalesce(func.sum(Gift.net_cents), 0), func.count(func.distinct(Gift.donor_id)), func.count(Gift.id)
        ).where(Gift.campaign_id == campaign.id, COUNTED)
    ).one()
    return Progress(
        raised_cents=int(raised),
        donors=donor_count,
        gifts=gift_count,
        goal_cents=campaign.goal_cents,
        days_left=max(0, (campaign.ends_on - today).days),
        ended=today > campaign.ends_on,
        started=today >= campaign.starts_on,
    )


WALL_SIZE = 60


@dataclass
class WallEntry:
    name: str
    amount_cents: int | None  # only when the donor chose to show it
    received_at: dt.datetime


def campaign_wall(campaign: Campaign) -> list[WallEntry]:
    """The newest gifts to the campaign by donors who asked to be listed (never anonymous ones),
    in one query."""
    rows = db.session.execute(
        select(Donor.name, Gift.amount_cents, Gift.amount_shown, Gift.received_at)
        .join(Donor, Donor.id == Gift.donor_id)
        .where(Gift.campaign_id == campaign.id, COUNTED, Gift.anonymous.is_(False), Donor.listed)
        .order_by(Gift.received_at.desc(), Gift.id.desc())
        .limit(WALL_SIZE)
    )
    return [WallEntry(name, amount if shown else None, at) for name, amount, shown, at in rows if name]


def campaign_open(campaign: Campaign | None, today: dt.date | None = None) -> TypeGuard[Campaign]:
    today = today or timeutil.today()  # open until midnight of its last day, in El Paso
    return campaign is not None and campaign.starts_on <= today <= campaign.ends_on


# --- Gifts for staff -------------------------------------------------------------------------


def get_gift(gift_id: int) -> Gift:
    return db.session.get(Gift, gift_id) or abort(404)


def view_gift(gift: Gift, actor) -> None:
    """Staff opened a gift (it names the donor and any tribute): audited like every personal record."""
    audit.record("gift.view", "gift", gift.id, actor=actor)
    db.session.commit()


def record_offline_gift(data: dict, actor) -> Gift:
    """A check, cash or in-kind gift entered by staff, receipted at once."""
    donor = donors.find_or_create(data["email"], data.get("name"), data.get("address"), data.get("locale", "en"))
    gift = Gift(
        donor_id=donor.id,
        fund_id=data["fund_id"],
        campaign_id=data.get("campaign_id"),
        tour_event_id=data.get("tour_event_id"),
        amount_cents=data["amount_cents"],
        source=data["source"],
        status="succeeded",
        description=data.get("description"),
        anonymous=data.get("anonymous", False),
        received_at=localtime.utc_noon(data["received_on"]),
        recorded_by_id=actor.id,
    )
    gift.settle()
    db.session.add(gift)
    db.session.flush()
    donors.ensure_account(donor)
    audit.record("gift.offline", "gift", gift.id, actor=actor, source=gift.source)
    receipts.queue_receipt(gift)
    db.session.commit()
    return gift


class RefundError(Refusal):
    pass


class RefundWayRefused(Refusal):
    """A card refund of a gift not paid by card, or money "returned by hand" of one that was."""


def refund(gift: Gift, amount_cents: int, reason: str | None, actor, by_card: bool) -> None:
    """Refund part or all of a gift: a gift paid online goes back to the card through Stripe; for a
    check, cash or in kind, the money is returned outside the app and ``by_card=False`` records it."""
    if by_card != (gift.source == "online"):
        raise RefundWayRefused(
            _l("This gift was paid online: refund it to the card.")
            if gift.source == "online"
            else _l("This gift was not paid by card: return the money by check or transfer, then record it here.")
        )
    left = gift.amount_cents - gift.taken_back_cents
    if gift.status != "succeeded" or amount_cents <= 0 or amount_cents > left:
        raise RefundError(left)
    refund_id, status = None, "succeeded"
    if by_card:
        target = (
            {"payment_intent": gift.stripe_payment_intent_id}
            if gift.stripe_payment_intent_id
            else {"charge": gift.stripe_charge_id}
        )
        # Always name the amount: without it Stripe refunds the whole charge again.
        made = v1().refunds.create(
            params={**target, "amount": amount_cents},
            options=idempotent(f"refund-{gift.id}-{gift.refunded_cents}-{amount_cents}"),
        )
        refund_id, status = made.id, field(made, "status", "pending")
    ledger.record_refund(gift, refund_id, amount_cents, reason, by=actor, status=status)
    audit.record("gift.refund", "gift", gift.id, actor=actor, amount_cents=amount_cents, by_card=by_card)
    db.session.commit()


def gifts_page(page: int, filters: dict, actor):
    """A page of gifts, each shown with its donor's name (audited)."""
    query = select(Gift).order_by(Gift.received_at.desc(), Gift.id.desc())
    if filters.get("status"):
        query = query.where(Gift.status == filters["status"])
    if filters.get("disputed"):
        query = query.where(Gift.disputed)
    found = db.paginate(query, page=page, per_page=50, error_out=False, count=True)
    audit.record_each("gifts.list", "gift", [g.id for g in found.items], actor=actor)
    db.session.commit()
    return found


def open_disputes() -> list[Dispute]:
    return list(
        db.session.scalars(
            select(Dispute).where(Dispute.status.notin_(("won", "lost"))).order_by(Dispute.created_at.desc()).limit(50)
        )
    )


def refused_attempts(limit: int = 100) -> list[RefusedAttempt]:
    return list(
        db.session.scalars(
            select(RefusedAttempt).order_by(RefusedAttempt.occurred_at.desc(), RefusedAttempt.id.desc()).limit(limit)
        )
    )


# --- Public impact ---------------------------------------------------------------------------

PUBLIC_NAMES = 500


def impact() -> dict:
    """Totals only; names only of donors who asked to be listed, and never for anonymous gifts."""
    sums = select(Gift.fund_id, func.sum(Gift.net_cents).label("net")).where(COUNTED).group_by(Gift.fund_id).subquery()
    net: ColumnElement[int | None] = sums.c.net
    by_fund = db.session.execute(
        select(Fund, net).join(sums, sums.c.fund_id == Fund.id).order_by(Fund.position, Fund.id)
    ).all()
    raised = sum(int(net or 0) for _fund, net in by_fund)
    # Donors with a counted gift: one index probe per donor beats grouping every gift.
    gave = select(Gift.id).where(Gift.donor_id == Donor.id, COUNTED).exists()
    donor_count = db.session.scalar(select(func.count(Donor.id)).where(gave))
    named = select(Gift.id).where(Gift.donor_id == Donor.id, COUNTED, Gift.anonymous.is_(False)).exists()
    listed = db.session.scalars(
        select(Donor.name).where(Donor.listed, named).order_by(Donor.id.desc()).limit(PUBLIC_NAMES)
    )
    return {
        "raised_cents": int(raised),
        "donors": donor_count,
        "by_fund": by_fund,
        "names": sorted(name for name in listed if name),
    }
