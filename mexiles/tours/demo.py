import datetime as dt

from sqlalchemy import func, select

from ..access import Role
from ..accounts import services as accounts
from ..demo import PASSWORD
from ..extensions import db
from ..people import services as people
from ..timeutil import today, utcnow
from .models import BookingRequest, EventStep, Speaker, TimeProposal
from .services import events as services
from .services import speakers, timing

# Invented people, hosts and places only. One speaker for each choice of public name.
SPEAKERS = (
    (
        "speaker@example.org",
        None,
        dict(
            legal_name="Sergio Aurelio Demo Varela",
            name_choice="alias",
            alias="El Cronista",
            bio_en="A reporter from the north of Mexico who left after his newsroom was threatened.",
            bio_es="Periodista del norte de México que se fue después de que amenazaron a su redacción.",
            topics="Press freedom, asylum hearings",
            languages=["en", "es"],
            home_city="El Paso, TX",
            public_city="The borderland (El Paso, TX)",
            time_zone="America/Denver",
        ),
    ),
    (
        "speaker2@example.org",
        "Lucía Demo Fernández",
        dict(
            legal_name="Lucía Demo Fernández",
            name_choice="first",
            bio_en="A teacher who rebuilt her classroom in exile.",
            bio_es="Maestra que rehízo su salón de clases en el exilio.",
            topics="Education, families in exile",
            languages=["es"],
            home_city="Albuquerque, NM",
            time_zone="America/Denver",
        ),
    ),
    (
        "speaker3@example.org",
        "Ramiro Demo Castañeda",
        dict(
            legal_name="Ramiro Demo Castañeda",
            name_choice="full",
            bio_en="A former town councillor who speaks openly about the drug war.",
            bio_es="Exregidor municipal que habla abiertamente de la guerra contra el narco.",
            topics="Local government, the drug war",
            languages=["en", "es"],
            home_city="Chicago, IL",
            public_city="Chicago, IL",
            time_zone="America/Chicago",
        ),
    ),
)
HOST = dict(host_name="Pat Demo Host", host_email="host@example.org", host_locale="en", language="en")
# (speaker index, days from today, local start hour, zone, city, venue, organisation, title, steps)
EVENTS = (
    (
        0,
        -30,
        19,
        "America/Denver",
        "Denver, CO",
        "Demo Hall, Front Range Demo College",
        "Front Range Demo College",
        "Reporting under threat",
        ("offered", "accepted", "confirmed", "done"),
    ),
    (
        1,
        -12,
        18,
        "America/Phoenix",
        "Tucson, AZ",
        "Parish hall of Demo Community Church",
        "Demo Community Church",
        "Una maestra en el exilio",
        ("offered", "accepted", "confirmed", "done"),
    ),
    (
        2,
        21,
        19,
        "America/Chicago",
        "Chicago, IL",
        "Auditorium B, Lakeside Demo University",
        "Lakeside Demo University",
        "What the drug war does to a town",
        ("offered", "accepted", "confirmed"),
    ),
    (
        0,
        35,
        18,
        "America/Denver",
        "Albuquerque, NM",
        "Demo Civic Center",
        "Demo Interfaith Council",
        "Asylum, told from inside",
        ("offered", "accepted", "confirmed"),
    ),
    (
        1,
        50,
        17,
        "America/Chicago",
        "Austin, TX",
        "Room 12, Demo Library",
        "Demo Teachers Union",
        "Teaching far from home",
        ("offered",),
    ),
    (
        2,
        64,
        19,
        "America/New_York",
        "Boston, MA",
        "Demo Meeting House",
        "Demo Friends Meeting",
        "Speaking openly",
        ("offered", "accepted", "cancelled"),
    ),
)


def seed() -> list[str]:
    if db.session.scalar(select(func.count()).select_from(Speaker)):
        return []
    coordinator = accounts.find_by_email("coordinator@example.org")
    profiles = []
    for email, name, profile in SPEAKERS:
        user = accounts.find_by_email(email) or accounts.create_user(
            email, [Role.SPEAKER], full_name=name, password=PASSWORD, locale="es"
        )
        profiles.append(speakers.create(user.id, profile, by=coordinator))
    first = today()
    for index, days, hour, zone, city, venue, organisation, title, steps in EVENTS:
        day = first + dt.timedelta(days=days)
        starts_at = timing.to_utc(day, dt.time(hour), zone)
        event = services.save(
            None,
            dict(
                HOST,
                speaker_id=profiles[index].id,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=90),
                time_zone=zone,
                city=city,
                venue=venue,
                listed=True,
                organisation=organisation,
                expected_audience=80,
                honorarium_offered_cents=50000,
            ),
            by=coordinator,
            override_reason="Demo data, recorded after the fact.",
        )
        _walk(event, steps, coordinator, profiles[index].user)
        if "done" in steps:
            services.record_outcome(
                event,
                {"attendance": 64, "honorarium_received_cents": 50000, "travel_costs_cents": 31250},
                by=coordinator,
            )
    _requests()
    _link_to_a_person_served(profiles[0])
    return [f"Demo speakers: {len(SPEAKERS)} (speaker2@ and speaker3@example.org added), tour events: {len(EVENTS)}"]


def _link_to_a_person_served(speaker) -> None:
    """El Cronista is also El Maestro, a person served whose asylum was granted: his talks join his case file."""
    admin = accounts.find_by_email("admin@example.org")
    found = [row.person for row in people.search(admin, "El Maestro") if row.person.alias == "El Maestro"]
    if found:
        speakers.link_person(speaker, found[0].id, by=admin)


def _walk(event, steps, coordinator, speaker_user) -> None:
    """Take the demo event through its steps quietly (no emails to invented addresses)."""
    for to in steps:
        by = speaker_user if to in ("accepted", "declined") else coordinator
        event.steps.append(
            EventStep(
                from_status=event.status,
                to_status=to,
                actor_id=by.id,
                reason="Demo: the host moved the date." if to == "cancelled" else None,
            )
        )
        event.status = to
        event.offered_at = event.offered_at or utcnow()
        event.sequence += 1
    db.session.commit()


def _requests() -> None:
    day = today() + dt.timedelta(days=80)
    for organisation, city, zone, locale in (
        ("Demo Student Coalition", "Tempe, AZ", "America/Phoenix", "en"),
        ("Colectivo Demo de Migrantes", "Los Angeles, CA", "America/Los_Angeles", "es"),
    ):
        starts_at = timing.to_utc(day, dt.time(18, 30), zone)
        request = BookingRequest(
            organisation=organisation,
            contact_name="Alex Demo Contact",
            contact_email="contact@example.org",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            time_zone=zone,
            city=city,
            venue="Demo Hall",
            expected_audience=120,
            topic="Life after asylum",
            language="es",
            host_locale=locale,
            honorarium_cents=30000,
            travel_support="partial",
        )
        db.session.add(request)
    # The second host proposed another time through their link, a week later: for a coordinator to answer.
    request.proposals.append(
        TimeProposal(starts_at=starts_at + dt.timedelta(days=7), ends_at=request.ends_at + dt.timedelta(days=7))
    )
    db.session.commit()
