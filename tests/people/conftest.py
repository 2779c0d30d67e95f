import pytest

FULL_RECORD = {
    "legal_name": "Graciela Montoya Fuentes",
    "alias": "La Maestra",
    "phone": "+1 915 555 0199",
    "email": "graciela@example.org",
    "current_city": "Sunland Park",
    "state_of_origin": "Guerrero",
    "language": "es",
    "arrival_date": "2025-08-01",
    "in_hiding": "y",
    "safety_notes": "Cartel threats by phone",
    "consent_date": "2025-08-02",
    "consent_scopes": ["counseling", "housing"],
    "household-0-name": "Pablo Montoya",
    "household-0-relationship": "child",
    "household-0-birth_year": "2015",
}


@pytest.fixture
def add_person(make_person):
    return make_person


@pytest.fixture
def case_file(app, make_user, make_person):
    """A coordinator and a person on their case team, with helpers that add to the story through
    each domain's own services (as staff would)."""
    import datetime as dt
    from types import SimpleNamespace

    from mexiles.accounts.models import User
    from mexiles.extensions import db
    from mexiles.people import services as people

    coordinator = make_user("coordinator", name="Carmen Coordinadora")
    person_id = make_person(
        [coordinator.id],
        legal_name="Graciela Montoya Fuentes",
        alias="La Maestra",
        arrival_date=dt.date(2025, 8, 1),
        consent_date=dt.date(2025, 8, 2),
        consent_scopes=["counseling", "housing"],
    )

    def run(action, *args, **kwargs):
        with app.app_context():
            return action(people.get(person_id), *args, by=db.session.get(User, coordinator.id), **kwargs)

    def referral(sent=True):
        from mexiles.care import services as care

        with app.app_context():
            by = db.session.get(User, coordinator.id)
            provider = care.directory.save(
                None,
                dict(
                    name="Clínica Esperanza",
                    kind="clinic",
                    cost_model="fee",
                    fee_cents=5000,
                    capacity_available=3,
                    capacity_maximum=5,
                    capacity_confirmed_on=care.today(),
                    city="El Paso",
                    contact_name=None,
                    contact_phone=None,
                    contact_email=None,
                    active=True,
                    languages=["es"],
                    modalities=["in_person"],
                    specialties=["trauma"],
                ),
                by=None,
            )
            made = care.create(
                dict(
                    person_id=person_id,
                    provider_id=provider.id,
                    urgency="routine",
                    reason="Nightmares",
                    contact_preference="whatsapp",
                    org_pays=True,
                ),
                by=by,
            )
            if sent:
                care.move(care.find(by, made.id), "sent", by=by)
            return made.id

    def housing():
        from mexiles.housing import services as housing_services

        with app.app_context():
            by = db.session.get(User, coordinator.id)
            today = housing_services.today()
            site = housing_services.sites.create(
                {
                    "name": "Casa Prueba",
                    "kind": "shelter",
                    "capacity": 2,
                    "accepts": [],
                    "languages": ["es"],
                    "available_from": today - dt.timedelta(days=365),
                    "available_until": None,
                    "vetting_status": "verified",
                    "home_visit_on": today - dt.timedelta(days=400),
                    "background_check_on": today - dt.timedelta(days=400),
                    "paused": False,
                    "address": "1 Calle Secreta",
                },
                by=by,
            )
            req = housing_services.waitlist.open_request(
                people.get(person_id),
                {"household_size": 1, "needs": [], "urgency": "normal", "wanted_from": today},
                by=by,
            )
            return housing_services.placements.place(req, site.id, today, today + dt.timedelta(days=30), by=by).id

    def talk():
        from mexiles.tours.services import events as tours
        from mexiles.tours.services import speakers, timing

        speaker_user = make_user("speaker", name="Graciela Montoya Fuentes")
        with app.app_context():
            by = db.session.get(User, coordinator.id)
            speaker = speakers.create(
                speaker_user.id,
                dict(
                    legal_name="Graciela Montoya Fuentes",
                    name_choice="alias",
                    alias="La Voz",
                    time_zone="America/Denver",
                    languages=["es"],
                ),
                by=by,
            )
            speakers.link_person(speaker, person_id, by=by)
            starts_at = timing.to_utc(dt.date(2026, 11, 2), dt.time(19), "America/Denver")
            event = tours.save(
                None,
                dict(
                    speaker_id=speaker.id,
                    title="Voices from Guerrero",
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(minutes=90),
                    time_zone="America/Denver",
                    city="Denver, CO",
                    venue="Demo Hall",
                    listed=True,
                    organisation="Demo College",
                    host_name="Pat Host",
                    host_email="host@example.org",
                    host_locale="en",
                    language="es",
                ),
                by=by,
                override_reason="set up by the test",
            )
            tours.move(event, "offered", by=by, override_reason="set up by the test")
            tours.move(event, "accepted", by=db.session.get(User, speaker_user.id), override_reason="test")
            tours.move(event, "confirmed", by=by, override_reason="set up by the test")
            return event.id

    return SimpleNamespace(
        coordinator=coordinator,
        person_id=person_id,
        run=run,
        referral=referral,
        housing=housing,
        talk=talk,
        people=people,
    )
