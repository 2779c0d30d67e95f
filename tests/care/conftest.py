"""Factories for the care tests: providers, counselors linked to them, and referrals at any stage."""

import datetime as dt
from types import SimpleNamespace

import pytest

from mexiles.accounts.models import User
from mexiles.care import services
from mexiles.care.services import directory
from mexiles.extensions import db

LEGAL_NAME = "Graciela Montoya Fuentes"
PHONE = "+1 915 555 0199"
REASON = "Witnessed the killing of her brother in Iguala"
HEARING_DATE = dt.date(2027, 3, 18)
# Every confidential field of the world's person, filled with a value found nowhere else, so that a
# page showing any of them is caught (the counselor may see the alias and language only).
SENSITIVE = dict(
    phone=PHONE,
    email="graciela.privado@example.net",
    current_city="Sunland Park",
    state_of_origin="Guerrero",
    safety_notes="Never call before noon: a cousin of the husband checks her phone",
)
# A case note (notes live in the case file, not on the record).
NOTE = "Sleeps badly since the attack on the ranch"
HOUSEHOLD = [{"name": "Pablito Montoya Ruiz", "relationship": "child", "birth_year": 2015}]

# The steps that lead to each status, from "new".
PATHS = {
    "new": [],
    "sent": ["sent"],
    "accepted": ["sent", "accepted"],
    "intake_scheduled": ["sent", "accepted", "intake"],
    "in_care": ["sent", "accepted", "intake", "intake_held"],
}


@pytest.fixture
def make_provider(app):
    def make(
        name="Clínica Esperanza",
        languages=("es",),
        modalities=("in_person",),
        specialties=("trauma",),
        available=3,
        maximum=5,
        confirmed_on=None,
        cost_model="fee",
        fee_cents=5000,
        active=True,
        city="El Paso",
        contact_email=None,
    ):
        with app.app_context():
            provider = directory.save(
                None,
                dict(
                    name=name,
                    kind="clinic",
                    cost_model=cost_model,
                    fee_cents=fee_cents,
                    capacity_available=available,
                    capacity_maximum=maximum,
                    capacity_confirmed_on=confirmed_on or services.today(),
                    city=city,
                    contact_name=None,
                    contact_phone=None,
                    contact_email=contact_email,
                    active=active,
                    languages=list(languages),
                    modalities=list(modalities),
                    specialties=list(specialties),
                ),
                by=None,
            )
            return provider.id

    return make


@pytest.fixture
def link_counselor(app):
    def link(user_id, provider_id):
        with app.app_context():
            directory.link_counselor(directory.get(provider_id), db.session.get(User, user_id), by=None)

    return link


@pytest.fixture
def make_referral(app):
    """A referral made by ``by`` (a namespace from make_user), taken along PATHS to ``status``."""

    def make(person_id, provider_id, by, status="new", urgency="routine", reason=REASON, cost_cents=5000):
        with app.app_context():
            user = db.session.get(User, by.id)
            referral = services.create(
                dict(
                    person_id=person_id,
                    provider_id=provider_id,
                    urgency=urgency,
                    reason=reason,
                    contact_preference="whatsapp",
                    cost_per_session_cents=cost_cents,
                    org_pays=True,
                ),
                by=user,
            )
            yesterday = services.today() - dt.timedelta(days=1)
            for step in PATHS[status]:
                access = services.find(user, referral.id)
                if step == "intake":
                    services.schedule(access, "intake", yesterday, dt.time(10), None, by=user)
                elif step == "intake_held":
                    services.record_attendance(access, access.referral.appointments[0].id, True, by=user)
                else:
                    services.move(access, step, by=user)
            return referral.id

    return make


def _add_note_and_hearing(app, person_id, author_id):
    from mexiles.people import services as people

    with app.app_context():
        person, by = people.get(person_id), db.session.get(User, author_id)
        people.notes.add(person, NOTE, by=by)
        people.immigration.add_date(person, {"kind": "hearing", "day": HEARING_DATE}, by=by)


@pytest.fixture
def world(app, make_user, make_person, make_provider, link_counselor):
    """A coordinator with a consenting person, a provider with a linked counselor, and another provider."""
    coordinator = make_user("coordinator", name="Carmen Coordinadora")
    counselor = make_user("counselor", name="Consuelo Consejera")
    person_id = make_person(
        [coordinator.id],
        legal_name=LEGAL_NAME,
        alias="La Maestra",
        household=HOUSEHOLD,
        consent_date=dt.date(2026, 1, 5),
        consent_scopes=["counseling"],
        **SENSITIVE,
    )
    _add_note_and_hearing(app, person_id, coordinator.id)
    provider_id = make_provider()
    other_provider_id = make_provider(name="Consultorio Otro")
    link_counselor(counselor.id, provider_id)
    return SimpleNamespace(
        coordinator=coordinator,
        counselor=counselor,
        person_id=person_id,
        provider_id=provider_id,
        other_provider_id=other_provider_id,
    )
