"""A few invented requests for emergency assistance, in each state, for the demo coordinators' cases."""

import datetime as dt

from sqlalchemy import func, select

from ..accounts import services as accounts
from ..extensions import db
from ..giving import services as giving
from ..people import services as people
from ..timeutil import today
from . import services
from .models import AssistanceRequest

# (category, dollars, fund code, reason, what became of it, days ago it was paid)
REQUESTS = (
    ("transport", 48, "general", "Bus fare to the immigration court hearing in El Paso and back.", "paid", 12),
    ("medicine", 65, "general", "Blood pressure medicine until the clinic appointment.", "paid", 5),
    ("filing_fee", 85, "asylum", "Fee to file a motion with the court.", "approved", None),
    ("phone", 40, "general", "A prepaid phone so the lawyer can reach her.", "requested", None),
    ("rent", 900, "housing", "First month of rent in an apartment.", "declined", None),
)


def seed() -> list[str]:
    if db.session.scalar(select(func.count()).select_from(AssistanceRequest)):
        return []
    admin = accounts.find_by_email("admin@example.org")
    coordinator = accounts.find_by_email("coordinator@example.org")
    person_ids = list(db.session.scalars(people.full_view_ids(coordinator).limit(len(REQUESTS))))
    if admin is None or coordinator is None or not person_ids:
        return []
    for index, (category, dollars, code, reason, outcome, paid_ago) in enumerate(REQUESTS):
        fund = giving.fund_by_code(code)
        if fund is None:
            continue
        request = services.requests.ask(
            people.get(person_ids[index % len(person_ids)]),
            {"category": category, "amount_cents": dollars * 100, "fund_id": fund.id, "reason": reason},
            by=coordinator,
        )
        if outcome == "requested":
            continue
        # The demo's small funds may hold less than asked: the admin says why when that happens.
        services.requests.decide(
            request,
            admin,
            approve=outcome != "declined",
            note="Demo decision.",
            override=True,
            override_reason="Demo: the board agreed to this payment.",
        )
        if outcome == "paid" and paid_ago is not None:
            services.requests.pay(request, admin, today() - dt.timedelta(days=paid_ago), "cash")
    return [f"Demo assistance: {len(REQUESTS)} requests"]
