"""Demo giving: funds, a live campaign near its goal, a year of gifts with refunds and a dispute.

Invented donors only. Rows are written directly (no emails, no new accounts). With Stripe test keys
the three monthly gifts are real subscriptions at the configured Stripe (localstripe with
``make run STRIPE=local``), so that the portal can change, pause and cancel them; without keys
they carry made-up ids, and the portal offers no changes.
"""

import datetime as dt
import random

from flask import current_app
from sqlalchemy import func, select

from ..accounts import services as accounts
from ..extensions import db
from ..timeutil import utcnow
from .models import Appeal, Campaign, Dispute, Donor, Fund, Gift, RecurringGift, Refund, Thanks
from .services import checkout
from .services.stripe_gateway import configured, idempotent, v1

FUNDS = (
    ("counseling", "Trauma counseling", "Terapia de trauma"),
    ("housing", "Housing", "Vivienda"),
    ("asylum", "Asylum case support", "Apoyo en casos de asilo"),
    ("general", "Where needed most", "Donde más se necesite"),
)
FIRST = (
    "Avery",
    "Blanca",
    "Camilo",
    "Dolores",
    "Emery",
    "Fausto",
    "Greta",
    "Hugo",
    "Inés",
    "Jonah",
    "Karina",
    "Lázaro",
    "Mireya",
    "Nolan",
    "Olga",
    "Pascual",
    "Quinn",
    "Rocío",
    "Silas",
    "Tania",
)
LAST = (
    "Demo-Arroyo",
    "Demo-Bell",
    "Demo-Cruz",
    "Demo-Dalton",
    "Demo-Esparza",
    "Demo-Finch",
    "Demo-Galván",
    "Demo-Hale",
)
STORY_EN = (
    "Families who fled threats in Mexico arrive in El Paso with nothing. This campaign pays for safe "
    "housing for a year and for the trauma counseling that helps them testify at their asylum hearings."
)
STORY_ES = (
    "Las familias que huyeron de amenazas en México llegan a El Paso sin nada. Esta campaña paga un año "
    "de vivienda segura y la terapia de trauma que les ayuda a declarar en sus audiencias de asilo."
)


def seed() -> list[str]:
    if db.session.scalar(select(func.count()).select_from(Fund)):
        return []
    rng = random.Random(2026)
    funds = [Fund(code=c, name_en=en, name_es=es, position=i) for i, (c, en, es) in enumerate(FUNDS)]
    db.session.add_all(funds)
    now = utcnow()
    today = now.date()
    campaign = Campaign(
        slug="safe-homes",
        title_en="Safe homes for exiled families",
        title_es="Hogares seguros para familias exiliadas",
        story_en=STORY_EN,
        story_es=STORY_ES,
        goal_cents=253_000_00,
        starts_on=today - dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=21),
        fund=funds[1],
    )
    db.session.add(campaign)
    donors = [
        Donor(
            email_key=f"{first.lower()}.{last.lower()}@example.org".replace("í", "i")
            .replace("é", "e")
            .replace("á", "a")
            .replace("ó", "o")
            .replace("ú", "u"),
            name=f"{first} {last}",
            locale=rng.choice(("en", "es")),
            listed=rng.random() < 0.3,
        )
        for first, last in zip(FIRST * 2, LAST * 5, strict=False)
    ][:40]
    dana = accounts.find_by_email("donor@example.org")
    donors.append(
        Donor(
            email_key="donor@example.org",
            name="Dana Demo Donor",
            locale="en",
            listed=True,
            user_id=dana.id if dana else None,
        )
    )
    db.session.add_all(donors)
    db.session.flush()

    gifts = []

    def gift(donor, cents, when, fund, **extra):
        made = Gift(
            donor_id=donor.id,
            fund_id=fund.id,
            amount_cents=cents,
            fee_cents=round(cents * 0.029) + 30,
            status="succeeded",
            source=extra.pop("source", "online"),
            received_at=when,
            receipt_sent_at=when,
            **extra,
        )
        made.settle()
        gifts.append(made)
        return made

    for day in range(365, 0, -1):
        if rng.random() < 0.35:
            donor = rng.choice(donors)
            gift(
                donor,
                rng.choice((2500, 5000, 5000, 10000, 25000)),
                now - dt.timedelta(days=day, hours=rng.randint(0, 20)),
                rng.choice(funds),
                source=rng.choice(("online",) * 6 + ("check", "cash")),
            )
    for index in range(60):  # the campaign, close to its goal
        donor = donors[index % len(donors)]
        cents = 10_000_00 if index < 20 else rng.choice((50_00, 100_00, 250_00, 500_00, 1000_00))
        gift(donor, cents, now - dt.timedelta(days=rng.randint(1, 59)), funds[1], campaign_id=campaign.id)
    for donor in (donors[0], donors[5], donors[-1]):
        monthly = RecurringGift(
            donor_id=donor.id,
            fund_id=funds[0].id,
            amount_cents=3500,
            status="active",
            stripe_subscription_id=f"sub_demo_{donor.id}",
        )
        db.session.add(monthly)
        db.session.flush()
        if _test_stripe():
            _subscribe(donor, monthly)
        for month in range(12):
            gift(
                donor,
                3500,
                now - dt.timedelta(days=30 * month + 3),
                funds[0],
                recurring_gift_id=monthly.id,
                stripe_invoice_id=f"in_demo_{donor.id}_{month}",
            )
    db.session.add_all(gifts)
    db.session.flush()
    full, partial, disputed = gifts[3], gifts[10], gifts[20]
    for target, cents in ((full, full.amount_cents), (partial, partial.amount_cents // 2)):
        db.session.add(Refund(gift_id=target.id, amount_cents=cents, reason="Demo: donor asked"))
        target.refunded_cents = cents
        target.settle()
    db.session.add(
        Dispute(
            gift_id=disputed.id,
            stripe_dispute_id="dp_demo_1",
            amount_cents=disputed.amount_cents,
            reason="fraudulent",
            status="needs_response",
        )
    )
    disputed.disputed = True
    _stewardship(donors, gifts, funds, rng)
    return [
        f"Demo giving: {len(funds)} funds, campaign /give/campaign/{campaign.slug}, {len(donors)} donors, "
        f"{len(gifts)} gifts"
    ]


def _stewardship(donors: list[Donor], gifts: list[Gift], funds: list[Fund], rng: random.Random) -> None:
    """Consent to appeals, thanks already given, a donor who typed their Gmail address another way,
    a wall of donors with some amounts shown, and an appeal written but not yet sent."""
    for donor in donors:
        donor.opted_in_at = utcnow() if rng.random() < 0.6 else None
    donors[1].unsubscribed_at, donors[2].bounced_at = utcnow(), utcnow()
    first = donors[3]
    local, _, _host = first.email_key.partition("@")
    twin = Donor(email_key=f"{local[:2]}.{local[2:]}+gifts@gmail.com", name=first.name, locale=first.locale)
    first.email_key = f"{local}@gmail.com"
    namesake = donors[4]
    namesake.address = "1200 Calle Demo, El Paso, TX 79901"
    moved = Donor(
        email_key=f"new.{namesake.email_key}",
        name=(namesake.name or "").upper(),
        address="Apt 3, 88 Demo Street, El Paso, TX 79901-2044",
        locale=namesake.locale,
    )
    db.session.add_all([twin, moved])
    db.session.flush()
    for made in gifts[::7]:
        made.amount_shown = True
    staff = accounts.find_by_email("coordinator@example.org")
    for made in gifts[:5]:
        db.session.add(Thanks(donor_id=made.donor_id, gift_id=made.id, method="phone", by_user_id=staff and staff.id))
    db.session.add(
        Appeal(
            subject_en="Winter coats for families in the shelters",
            subject_es="Abrigos de invierno para las familias de los albergues",
            body_en="Dear friend,\n\nThe nights in El Paso are cold. Help us buy coats for 40 families.",
            body_es=(
                "Querida amiga, querido amigo:\n\n"
                "Las noches en El Paso son frías. Ayúdenos a comprar abrigos para 40 familias."
            ),
            segment="fund",
            fund_id=funds[1].id,
            created_by_id=staff and staff.id,
        )
    )
    db.session.flush()


def _test_stripe() -> bool:
    """Stripe keys of test mode (or localstripe's): demo subscriptions are never made with live keys."""
    return configured() and not current_app.config["STRIPE_SECRET_KEY"].startswith(("sk_live_", "rk_live_"))


def _subscribe(donor: Donor, monthly: RecurringGift) -> None:
    """A subscription at Stripe for a demo monthly gift. Its first charge is a month away (a trial),
    so that no card is needed: the donor adds one in the portal."""
    stripe = v1()
    customer = stripe.customers.create(
        params={"email": donor.email_key, "metadata": {"donor_id": str(donor.id)}},
        options=idempotent(f"demo-{donor.email_key}-customer"),
    )
    donor.stripe_customer_id = customer.id
    monthly.stripe_plan_id = checkout.plan_for(monthly.amount_cents, monthly.currency)
    subscription = stripe.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"plan": monthly.stripe_plan_id}],
            "trial_period_days": 30,
            "metadata": {"recurring_gift_id": str(monthly.id)},
        },
        options=idempotent(f"demo-{donor.email_key}-subscription"),
    )
    monthly.stripe_subscription_id = subscription.id
