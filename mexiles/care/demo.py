"""Demo providers and referrals at every stage, built through the services (invented names only)."""

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ..accounts import services as accounts
from ..extensions import db
from ..people import services as people
from . import services
from .models import Provider, Referral, ReferralEvent
from .services import directory

# Invented providers: no real counselor, clinic or hospital.
PROVIDERS = (
    dict(
        name="Centro de Sanación Fronteriza",
        kind="clinic",
        cost_model="sliding_scale",
        fee_cents=4000,
        capacity_available=3,
        capacity_maximum=10,
        confirmed_days_ago=10,
        city="El Paso",
        contact_name="Mtra. Lidia Escobedo",
        contact_phone="+1 915 555 0170",
        contact_email="intake@sanacion.example.org",
        languages=["es", "en"],
        modalities=["in_person", "telehealth"],
        specialties=["trauma", "torture", "children"],
    ),
    dict(
        name="Dra. Inés Calderón Vega, LPC",
        kind="individual",
        cost_model="fee",
        fee_cents=9000,
        capacity_available=1,
        capacity_maximum=6,
        confirmed_days_ago=95,
        city="Las Cruces",
        contact_phone="+1 575 555 0144",
        languages=["es"],
        modalities=["telehealth"],
        specialties=["trauma", "grief"],
    ),
    dict(
        name="Programa Raíces, Hospital Sierra Clara",
        kind="hospital_program",
        cost_model="pro_bono",
        fee_cents=None,
        capacity_available=0,
        capacity_maximum=4,
        confirmed_days_ago=3,
        city="Albuquerque",
        contact_email="raices@sierraclara.example.org",
        languages=["es", "en", "indigenous"],
        modalities=["in_person"],
        specialties=["torture", "trauma"],
    ),
    dict(
        name="Consejería Amanecer",
        kind="individual",
        cost_model="pro_bono",
        fee_cents=None,
        capacity_available=2,
        capacity_maximum=5,
        confirmed_days_ago=30,
        city="El Paso",
        contact_phone="+1 915 555 0188",
        languages=["es"],
        modalities=["in_person"],
        specialties=["children", "grief"],
    ),
)


def seed() -> list[str]:
    if db.session.scalar(select(func.count()).select_from(Provider)):
        return []
    admin = accounts.find_by_email("admin@example.org")
    carmen = accounts.find_by_email("coordinator@example.org")
    diego = accounts.find_by_email("coordinator2@example.org")
    counselor = accounts.find_by_email("counselor@example.org")
    today = services.today()
    made = []
    for record in PROVIDERS:
        data: dict[str, Any] = dict(record)
        data["capacity_confirmed_on"] = today - dt.timedelta(days=data.pop("confirmed_days_ago"))
        made.append(directory.save(None, dict(data, active=True), by=admin))
    clinic, ines, raices, amanecer = made
    directory.link_counselor(clinic, counselor, by=admin)

    by_alias = {p.alias: p for p in people.get_many(db.session.scalars(people.full_view_ids(admin))).values()}
    stories = _referrals(by_alias, carmen, diego, counselor, clinic, ines, raices, amanecer)
    return [f"Demo care: {len(made)} providers, {stories} referrals (counselor@example.org works at {clinic.name})"]


def _refer(person, provider, by, urgency, reason, contact="through_coordinator"):
    referral = services.create(
        dict(
            person_id=person.id,
            provider_id=provider.id,
            urgency=urgency,
            reason=reason,
            contact_preference=contact,
            cost_per_session_cents=provider.fee_cents,
            org_pays=bool(provider.fee_cents),
        ),
        by=by,
    )
    return referral.id


def _as(user, referral_id):
    return services.find(user, referral_id)


def _backdate(referral_id: int, days: int) -> None:
    """Make a referral look as if it had been made ``days`` ago (appointments keep their dates)."""
    shift = dt.timedelta(days=days)
    referral = db.session.get_one(Referral, referral_id)
    referral.created_at -= shift
    referral.status_changed_at -= shift
    if referral.sent_at:
        referral.sent_at -= shift
    for event in db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)):
        event.occurred_at -= shift
    db.session.commit()


def _referrals(by_alias, carmen, diego, counselor, clinic, ines, raices, amanecer) -> int:
    today = services.today()
    ten = dt.time(10, 0)

    def ago(days):
        return today - dt.timedelta(days=days)

    # Completed: intake and three sessions at the clinic, paid by the organisation.
    rosa = _refer(
        by_alias["Rosa T."],
        clinic,
        carmen,
        "urgent",
        "Nightmares and panic since the attack on her family; the children ask for help too.",
    )
    services.move(_as(carmen, rosa), "sent", by=carmen)
    services.move(_as(counselor, rosa), "accepted", by=counselor)
    services.schedule(_as(counselor, rosa), "intake", ago(70), ten, True, by=counselor)
    for days in (63, 56, 49):
        services.schedule(_as(counselor, rosa), "session", ago(days), ten, True, by=counselor)
    services.move(_as(counselor, rosa), "completed", by=counselor)
    _backdate(rosa, 80)

    # In care by telehealth, with the next session on the calendar.
    maestro = _refer(
        by_alias["El Maestro"],
        ines,
        diego,
        "routine",
        "Grief after the murder of his brother; cannot sleep or work.",
        contact="phone_call",
    )
    services.move(_as(diego, maestro), "sent", by=diego)
    services.move(_as(diego, maestro), "accepted", by=diego)
    services.schedule(_as(diego, maestro), "intake", ago(20), ten, True, by=diego)
    services.schedule(_as(diego, maestro), "session", ago(13), ten, True, by=diego)
    services.schedule(_as(diego, maestro), "session", today + dt.timedelta(days=2), ten, None, by=diego)
    _backdate(maestro, 30)

    # A crisis sent two days ago and not yet accepted: on Carmen's needs-attention list.
    mari = _refer(
        by_alias["Mari"],
        clinic,
        carmen,
        "crisis",
        "Threatened again by phone last week; says she cannot go on.",
        contact="whatsapp",
    )
    services.move(_as(carmen, mari), "sent", by=carmen)
    _backdate(mari, 2)

    # Sent nine days ago and unanswered.
    hector = _refer(
        by_alias["Héctor V."],
        raices,
        diego,
        "routine",
        "Survived torture in detention in Veracruz; asks for a specialised program.",
    )
    services.move(_as(diego, hector), "sent", by=diego)
    _backdate(hector, 9)

    # No consent for counseling recorded: it cannot be sent until there is consent or an override.
    _refer(by_alias["Don Tomás"], clinic, diego, "urgent", "Detained; lawyer asks for an evaluation after release.")

    # Accepted, and the follow-up date passed without news.
    rosa_kids = _refer(
        by_alias["Rosa T."],
        amanecer,
        carmen,
        "routine",
        "Support for the children's grief, alongside their mother's care.",
    )
    services.move(_as(carmen, rosa_kids), "sent", by=carmen)
    services.move(_as(carmen, rosa_kids), "accepted", by=carmen)
    _backdate(rosa_kids, 12)
    db.session.get_one(Referral, rosa_kids).follow_up_on = ago(4)
    db.session.commit()

    # Closed without care: the provider could not take her and she withdrew.
    xime = _refer(by_alias["Xime"], amanecer, carmen, "routine", "Asked for help for her son's fear of strangers.")
    services.move(
        _as(carmen, xime),
        "closed",
        by=carmen,
        outcome=services.Outcome(succeeded=False, failure_reason="no_longer_needed", closure_reason="withdrawn"),
    )
    _backdate(xime, 40)
    return 7
