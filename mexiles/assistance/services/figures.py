"""What each fund raised and what it paid for, by month: in full for staff (one page and its CSV),
and for the public with every cell of fewer than ``PUBLIC_MINIMUM`` people left out.

Each figure is one aggregate query (gifts, paid sessions, assistance) or a walk over the few
placements (nights of shelter), so the pages cost the same whatever the number of gifts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select

from ...audit import services as audit
from ...care import services as care
from ...extensions import db
from ...giving import services as giving
from ...housing import services as housing
from ...timeutil import today
from ..models import AssistanceRequest
from ..vocabulary import CATEGORIES
from .balances import COUNSELING_FUND, balances

HOUSING_FUND = "housing"
# A public figure about fewer people than this could point at one of them: it is left out.
PUBLIC_MINIMUM = 5
MONTHS = 12


@dataclass(frozen=True)
class Cell:
    """A count (sessions, nights, payments), the cents it cost (None for nights) and how many
    different people (for nights: households) it was for."""

    count: int
    cents: int | None
    people: int


@dataclass
class FundMonth:
    fund: Any  # giving's Fund
    month: dt.date  # its first day
    raised_cents: int = 0
    counseling: Cell | None = None
    shelter: Cell | None = None
    assistance: dict[str, Cell] = field(default_factory=dict)

    @property
    def assistance_cents(self) -> int:
        return sum(c.cents or 0 for c in self.assistance.values())

    @property
    def spent_cents(self) -> int:
        return (self.counseling.cents or 0 if self.counseling else 0) + self.assistance_cents


@dataclass
class PublicMonth:
    """A fund's month as the public sees it: a cell about too few people is None with its name in
    ``hidden``, so that the page can say a figure was left out without showing anything of it."""

    fund: Any
    month: dt.date
    raised_cents: int
    counseling: Cell | None
    shelter: Cell | None
    assistance: dict[str, Cell]
    hidden: list[str]


def period(months: int = MONTHS) -> tuple[dt.date, dt.date]:
    """The last ``months`` months, this one included, to today."""
    until = today()
    since = until.replace(day=1)
    for _i in range(months - 1):
        since = (since - dt.timedelta(days=1)).replace(day=1)
    return since, until


def _month_of_day(column, since: dt.date, until: dt.date):
    """The month ('YYYY-MM') of a date column, as SQL that reads the same on PostgreSQL and SQLite."""
    month, whens = since.replace(day=1), []
    while month <= until:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        whens.append((column < following, literal(month.strftime("%Y-%m"))))
        month = following
    return case(*whens, else_=literal(until.strftime("%Y-%m")))


def assistance_by_month(since: dt.date, until: dt.date, fund_id: int | None = None) -> dict[tuple[int, str, str], Cell]:
    """{(fund id, "YYYY-MM", category): Cell} of the assistance paid from ``since`` to ``until``."""
    month: ColumnElement[str] = _month_of_day(AssistanceRequest.paid_on, since, until)
    query = select(
        AssistanceRequest.fund_id,
        month,
        AssistanceRequest.category,
        func.count(AssistanceRequest.id),
        func.sum(AssistanceRequest.amount_cents),
        func.count(AssistanceRequest.person_id.distinct()),
    ).where(AssistanceRequest.status == "paid", AssistanceRequest.paid_on >= since, AssistanceRequest.paid_on <= until)
    if fund_id is not None:
        query = query.where(AssistanceRequest.fund_id == fund_id)
    rows = db.session.execute(query.group_by(AssistanceRequest.fund_id, month, AssistanceRequest.category))
    return {(f, m, c): Cell(int(n), int(cents or 0), int(p)) for f, m, c, n, cents, p in rows}


def _months(since: dt.date, until: dt.date) -> list[str]:
    months, month = [], since.replace(day=1)
    while month <= until:
        months.append(month.strftime("%Y-%m"))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def by_fund_and_month(since: dt.date, until: dt.date, fund_id: int | None = None) -> list[FundMonth]:
    """Every fund (or one), month by month, newest month first: what it raised beside what it paid
    for. Months with nothing at all are left out."""
    funds = [f for f in giving.funds(active_only=False) if fund_id is None or f.id == fund_id]
    codes = {f.code for f in funds}
    raised = giving.raised_by_fund_month(since, until, fund_id)
    sessions = care.paid_sessions_by_month(since, until) if COUNSELING_FUND in codes else {}
    shelter = housing.shelter_by_month(since, until) if HOUSING_FUND in codes else {}
    assistance = assistance_by_month(since, until, fund_id)
    rows = []
    for month in reversed(_months(since, until)):
        for fund in funds:
            row = FundMonth(fund, dt.date.fromisoformat(f"{month}-01"), raised.get((fund.id, month), 0))
            if fund.code == COUNSELING_FUND and month in sessions:
                count, cents, persons = sessions[month]
                row.counseling = Cell(count, cents, persons)
            if fund.code == HOUSING_FUND and shelter.get(month, (0, 0))[0]:
                nights, households = shelter[month]
                row.shelter = Cell(nights, None, households)
            row.assistance = {
                c: assistance[(fund.id, month, c)] for c in CATEGORIES if (fund.id, month, c) in assistance
            }
            if row.raised_cents or row.counseling or row.shelter or row.assistance:
                rows.append(row)
    return rows


@dataclass
class StaffFigures:
    since: dt.date
    until: dt.date
    rows: list[FundMonth]
    balances: list  # (giving's Fund, Balance), since the beginning


def chosen_period(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked for, from the first day of its first month to today at the latest; the last
    ``MONTHS`` months for what is not given."""
    default_since, default_until = period()
    until = min(until or default_until, default_until)
    since = (since or default_since).replace(day=1)
    return (since, until) if since <= until else (default_since, default_until)


def staff_figures(user, since: dt.date | None = None, until: dt.date | None = None) -> StaffFigures:
    """The full figures on one page for staff, every cell however few people it is about: each
    fund's balance since the beginning, and by fund and month what it raised beside the sessions,
    nights and assistance it paid for. The view is audited (no record is named in it)."""
    since, until = chosen_period(since, until)
    held = balances()
    funds = [(f, held[f.id]) for f in giving.funds(active_only=False)]
    figures = StaffFigures(since, until, by_fund_and_month(since, until), funds)
    audit.record("assistance.figures.viewed", "fund_figures", None, actor=user)
    db.session.commit()
    return figures


def _shown(cell: Cell | None, name: str, hidden: list[str]) -> Cell | None:
    if cell is None:
        return None
    if cell.people < PUBLIC_MINIMUM:
        hidden.append(name)
        return None
    return cell


def public_impact(fund_id: int | None = None) -> list[PublicMonth]:
    """For the public impact page (and a campaign's page, for its fund): money raised beside what it
    paid for, counts and sums only, and none about fewer than ``PUBLIC_MINIMUM`` people."""
    since, until = period()
    public = []
    for row in by_fund_and_month(since, until, fund_id):
        hidden: list[str] = []
        counseling = _shown(row.counseling, "counseling", hidden)
        shelter = _shown(row.shelter, "shelter", hidden)
        assistance = {c: cell for c, cell in row.assistance.items() if _shown(cell, c, hidden) is not None}
        public.append(PublicMonth(row.fund, row.month, row.raised_cents, counseling, shelter, assistance, hidden))
    return public


CSV_COLUMNS = (
    "fund",
    "month",
    "raised_usd",
    "counseling_sessions",
    "counseling_people",
    "counseling_usd",
    "shelter_nights",
    "shelter_households",
    *(f"assistance_{c}_{part}" for c in CATEGORIES for part in ("payments", "people", "usd")),
)


def _usd(cents: int | None) -> str:
    return f"{(cents or 0) / 100:.2f}"


def export_rows(user, since: dt.date | None = None, until: dt.date | None = None) -> tuple[tuple[str, ...], list[list]]:
    """The staff figures as a spreadsheet, audited (who exported what period)."""
    since, until = chosen_period(since, until)
    rows = []
    for row in by_fund_and_month(since, until):
        counseling, shelter = row.counseling or Cell(0, 0, 0), row.shelter or Cell(0, None, 0)
        cells = [row.assistance.get(c, Cell(0, 0, 0)) for c in CATEGORIES]
        rows.append(
            [
                row.fund.code,
                row.month.strftime("%Y-%m"),
                _usd(row.raised_cents),
                counseling.count,
                counseling.people,
                _usd(counseling.cents),
                shelter.count,
                shelter.people,
                *(value for cell in cells for value in (cell.count, cell.people, _usd(cell.cents))),
            ]
        )
    audit.record(
        "assistance.figures.export", "fund_figures", None, actor=user, since=since.isoformat(), until=until.isoformat()
    )
    db.session.commit()
    return CSV_COLUMNS, rows
