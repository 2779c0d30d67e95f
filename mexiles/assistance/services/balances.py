"""What each fund holds: raised (net gifts, as giving reports them) minus what it paid for, to the cent.

The counseling fund pays for the counseling sessions the organisation pays for (care); housing is
given as nights in host homes and shelters, with no money recorded against the housing fund; every
fund pays the emergency assistance charged to it. Approved assistance not paid yet is promised
already, and is taken from what is left to approve.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ...care import services as care
from ...extensions import db
from ...giving import services as giving
from ..models import AssistanceRequest

COUNSELING_FUND = "counseling"


@dataclass(frozen=True)
class Balance:
    raised_cents: int
    counseling_cents: int  # sessions the organisation paid for (the counseling fund only)
    assistance_paid_cents: int
    promised_cents: int  # approved, not paid yet

    @property
    def spent_cents(self) -> int:
        return self.counseling_cents + self.assistance_paid_cents

    @property
    def balance_cents(self) -> int:
        """Raised minus spent."""
        return self.raised_cents - self.spent_cents

    @property
    def available_cents(self) -> int:
        """What is left to approve: the balance less what was approved and not paid yet."""
        return self.balance_cents - self.promised_cents


def balances(fund_ids: list[int] | None = None) -> dict[int, Balance]:
    """{fund id: Balance} of every fund (or of those given), in a fixed number of queries."""
    funds = [f for f in giving.funds(active_only=False) if fund_ids is None or f.id in fund_ids]
    raised = giving.raised_by_fund([f.id for f in funds])
    query = (
        select(AssistanceRequest.fund_id, AssistanceRequest.status, func.sum(AssistanceRequest.amount_cents))
        .where(AssistanceRequest.status.in_(("approved", "paid")))
        .group_by(AssistanceRequest.fund_id, AssistanceRequest.status)
    )
    if fund_ids is not None:
        query = query.where(AssistanceRequest.fund_id.in_(fund_ids))
    assistance = {(fund, status): int(total or 0) for fund, status, total in db.session.execute(query)}
    counseling = care.counseling_spent() if any(f.code == COUNSELING_FUND for f in funds) else 0
    return {
        f.id: Balance(
            raised_cents=raised.get(f.id, 0),
            counseling_cents=counseling if f.code == COUNSELING_FUND else 0,
            assistance_paid_cents=assistance.get((f.id, "paid"), 0),
            promised_cents=assistance.get((f.id, "approved"), 0),
        )
        for f in funds
    }


def balance(fund_id: int) -> Balance:
    return balances([fund_id])[fund_id]
