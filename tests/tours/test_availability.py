"""The public availability of speakers: the free days the tour page shows are the days the
coordinators' conflict check finds nothing against, and a request for a day taken since is refused."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.tours.models import BookingRequest, Speaker
from mexiles.tours.services import availability, speakers, timing
from mexiles.tours.services.events import find_conflicts
from tests.tours.conftest import LEGAL_NAME
from tests.tours.public_data import BOOKING

ZONE = "America/Denver"
FIRST_DAY = dt.date(2030, 9, 2)  # NOW (15:00 UTC) is 09:00 on 2 September in Denver
WINDOW = [FIRST_DAY + dt.timedelta(days=n) for n in range(availability.WEEKS * 7)]


def free_days_on_page(page: str) -> set[dt.date]:
    """The days the page offers as links to ask for them."""
    return {dt.date.fromisoformat(day) for day in re.findall(r'href="/tours/book\?[^"]*day=(\d{4}-\d\d-\d\d)', page)}


def coordinator_finds_nothing(app, speaker_ids, day) -> bool:
    """The coordinators' check, for a talk at any time of the day's talk hours in a city not yet
    known: nothing against at least one of the speakers."""
    with app.app_context():
        starts_at, ends_at = availability.talk_hours(day, ZONE)
        return any(not find_conflicts(db.session.get(Speaker, i), starts_at, ends_at, ZONE, None) for i in speaker_ids)


def unavailable(app, coordinator, speaker, first, last):
    with app.app_context():
        speakers.add_unavailable(
            db.session.get(Speaker, speaker.id), first, last, "a hearing", by=db.session.get(User, coordinator.id)
        )


def speaks_only(app, coordinator, speaker, languages):
    with app.app_context():
        speakers.update(
            db.session.get(Speaker, speaker.id), {"languages": languages}, by=db.session.get(User, coordinator.id)
        )


@pytest.fixture
def busy_speakers(app, frozen, coordinator, make_speaker, make_event):
    """Two speakers with notice, unavailable days and travel buffers in play, and one who gives
    talks in English only and is free every day."""
    ana = make_speaker(alias="Voz Ana", topics="Asylum today, Family separation")
    beto = make_speaker(alias="Voz Beto", topics="Asylum today")
    solo_english = make_speaker(alias="Voz Carla")
    speaks_only(app, coordinator, solo_english, ["en"])
    # Ana: a confirmed talk in Denver (its day taken, the next morning inside the travel buffer),
    # an offer in Tucson, an early talk (the evening before inside the buffer), a cancelled one (no
    # matter), and unavailable days; all inside the notice for the first fortnight too.
    make_event(ana, day=dt.date(2030, 9, 10), steps=("offered", "accepted", "confirmed"), title="In the notice")
    make_event(ana, day=dt.date(2030, 9, 20), steps=("offered", "accepted", "confirmed"))
    make_event(ana, day=dt.date(2030, 10, 5), hour=10, zone="America/Phoenix", city="Tucson, AZ", steps=("offered",))
    make_event(ana, day=dt.date(2030, 10, 25), hour=6, minutes=60)
    make_event(ana, day=dt.date(2030, 10, 10), steps=("cancelled",), title="Cancelled")
    unavailable(app, coordinator, ana, dt.date(2030, 10, 14), dt.date(2030, 10, 16))
    # Beto: away the days Ana is booked on 20 September, and a talk on 5 October too.
    unavailable(app, coordinator, beto, dt.date(2030, 9, 19), dt.date(2030, 9, 21))
    make_event(beto, day=dt.date(2030, 10, 5), hour=12, city="Boulder, CO")
    return ana, beto, solo_english


def test_the_free_days_shown_are_the_days_the_conflict_check_finds_nothing_against(app, client, busy_speakers):
    ana, beto, _ = busy_speakers
    page = client.get(f"/tours/?speaker={ana.id}&time_zone={ZONE}").data.decode()
    shown = free_days_on_page(page)
    for day in WINDOW:
        assert (day in shown) == coordinator_finds_nothing(app, [ana.id], day), day
    # A free day is free for a real talk at any time of it, in a real city: the earliest and the latest.
    with app.app_context():
        profile = db.session.get(Speaker, ana.id)
        for day in shown:
            for start, end in ((dt.time(8), dt.time(9, 30)), (dt.time(20, 30), dt.time(22))):
                starts_at, ends_at = timing.to_utc(day, start, ZONE), timing.to_utc(day, end, ZONE)
                assert find_conflicts(profile, starts_at, ends_at, ZONE, "Santa Fe, NM") == [], (day, start)
    # The rules are in play: the notice, a booking and its travel buffer on both sides, an offer in
    # another zone, unavailable days; a day between bookings stays free.
    assert not shown & set(WINDOW[:14])
    for taken in ("2030-09-20", "2030-09-21", "2030-10-05", "2030-10-14", "2030-10-16", "2030-10-24", "2030-10-25"):
        assert dt.date.fromisoformat(taken) not in shown
    assert {dt.date(2030, 9, 19), dt.date(2030, 9, 22), dt.date(2030, 10, 10), dt.date(2030, 10, 17)} <= shown
    assert "Too soon" in page and "Not available" in page


def test_any_speaker_is_the_days_at_least_one_who_fits_is_free(app, client, busy_speakers):
    ana, beto, solo_english = busy_speakers
    spanish = free_days_on_page(client.get(f"/tours/?language=es&time_zone={ZONE}").data.decode())
    for day in WINDOW:
        assert (day in spanish) == coordinator_finds_nothing(app, [ana.id, beto.id], day), day
    assert dt.date(2030, 9, 20) not in spanish  # Ana is booked, Beto away: nobody who speaks Spanish
    assert dt.date(2030, 10, 14) in spanish  # Ana is away, Beto free
    english = free_days_on_page(client.get(f"/tours/?language=en&time_zone={ZONE}").data.decode())
    # Carla, in English only, is free every day past the notice (the 16th at 8 am is an hour short of it)
    assert english == set(WINDOW[15:])
    by_topic = free_days_on_page(
        client.get(f"/tours/?language=es&topic=Family+separation&time_zone={ZONE}").data.decode()
    )
    for day in WINDOW:
        assert (day in by_topic) == coordinator_finds_nothing(app, [ana.id], day), day


def test_a_day_taken_between_viewing_and_asking_is_refused_with_the_reason(app, client, busy_speakers, make_event):
    ana, beto, _ = busy_speakers
    page = client.get(f"/tours/?speaker={ana.id}&time_zone={ZONE}").data.decode()
    day = dt.date(2030, 9, 25)
    assert day in free_days_on_page(page)
    link = re.search(rf'href="(/tours/book\?[^"]*day={day.isoformat()}[^"]*)"', page).group(1).replace("&amp;", "&")
    form = client.get(link).data.decode()
    assert re.search(rf'<option selected value="{ana.id}">Voz Ana</option>', form)
    assert 'value="2030-09-25"' in form
    make_event(ana, day=day, hour=18, city="Santa Fe, NM", title="Booked meanwhile")  # someone else got there first
    asked = dict(BOOKING, speaker=str(ana.id), day=day.isoformat(), organisation="Demo Late College")
    response = client.post("/tours/book", data=asked)
    assert response.status_code == 409
    refused = response.data.decode()
    assert "The speaker is already booked at that time." in refused
    assert "Booked meanwhile" not in refused and "Santa Fe" not in refused.split("<form")[0]  # nothing of the other
    assert 'value="Demo Late College"' in refused and "We have a projector." in refused  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BookingRequest)) == 0
    assert day not in free_days_on_page(client.get(f"/tours/?speaker={ana.id}&time_zone={ZONE}").data.decode())
    # Any speaker who gives talks in Spanish: Beto is free that day, so the request is kept, for anyone.
    assert client.post("/tours/book", data=dict(asked, speaker="")).status_code == 302
    with app.app_context():
        booking = db.session.scalar(select(BookingRequest))
        assert booking.speaker_id is None and booking.organisation == "Demo Late College"


def test_a_request_names_the_speaker_asked_for(app, client, auth, coordinator, busy_speakers):
    ana, _, _ = busy_speakers
    assert client.post("/tours/book", data=dict(BOOKING, speaker=str(ana.id), day="2030-09-25")).status_code == 302
    with app.app_context():
        booking = db.session.scalar(select(BookingRequest))
        assert booking.speaker_id == ana.id
    auth.login(coordinator)
    assert "Voz Ana" in client.get(f"/tours/manage/requests/{booking.id}").data.decode()


@pytest.mark.parametrize(
    ("locale", "notice"),
    [("en", "less than 14 days away"), ("es", "Faltan menos de 14 días")],
)
def test_a_date_inside_the_notice_is_refused_in_the_visitors_language(app, client, frozen, locale, notice):
    soon = dict(BOOKING, day="2030-09-07", organisation="Demo Hurry College")  # five days away
    response = client.post("/tours/book", data=soon, headers={"Accept-Language": locale})
    assert response.status_code == 409
    page = response.data.decode()
    assert notice in page and 'value="Demo Hurry College"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BookingRequest)) == 0


def test_a_speaker_is_not_asked_for_a_language_they_do_not_speak(app, client, busy_speakers):
    _, _, solo_english = busy_speakers
    response = client.post("/tours/book", data=dict(BOOKING, speaker=str(solo_english.id), language="es"))
    assert response.status_code == 409 and "Voz Carla does not give talks in Spanish" in response.data.decode()
    response = client.post("/tours/book", data=dict(BOOKING, speaker="999999"))
    assert response.status_code == 409 and "Choose a speaker from the list." in response.data.decode()
    assert client.post("/tours/book", data=dict(BOOKING, speaker="x' OR 1")).status_code == 409


@pytest.mark.parametrize(("locale", "language"), [("en", "en"), ("es", "es")])
def test_the_talk_language_defaults_to_the_pages(client, frozen, locale, language):
    form = client.get("/tours/book", headers={"Accept-Language": locale}).data.decode()
    select_html = re.search(r'<select[^>]*name="language".*?</select>', form, re.S).group(0)
    assert re.search(rf'<option selected value="{language}">', select_html)


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_public_profiles_never_show_a_legal_name_or_home_city(app, client, coordinator, busy_speakers, locale):
    ana, _, _ = busy_speakers
    with app.app_context():
        speakers.update(
            db.session.get(Speaker, ana.id),
            {"home_city": "Secretville", "public_city": "Denver area", "bio_en": "Bio"},
            by=db.session.get(User, coordinator.id),
        )
    headers = {"Accept-Language": locale}
    pages = [
        client.get("/tours/", headers=headers).data.decode(),
        client.get(f"/tours/?speaker={ana.id}", headers=headers).data.decode(),
        client.get(f"/tours/book?speaker={ana.id}", headers=headers).data.decode(),
        client.post(
            "/tours/book", data=dict(BOOKING, speaker=str(ana.id), day="2030-09-20"), headers=headers
        ).data.decode(),
    ]
    assert "Voz Ana" in pages[0] and "Denver area" in pages[0] and "Family separation" in pages[0]
    assert ("Spanish" if locale == "en" else "Español") in pages[0]
    assert ("Free" if locale == "en" else "Libre") in pages[1]
    for page in pages:
        assert "Secretville" not in page
        for part in LEGAL_NAME.split():
            assert part not in page


def test_a_deactivated_or_demoted_speaker_is_not_offered(app, client, frozen, make_user, make_speaker):
    from mexiles.accounts import services as accounts

    admin = make_user("admin")
    gone, demoted = make_speaker(alias="Gone"), make_speaker(alias="Demoted")
    make_speaker(alias="Staying")
    with app.app_context():
        by = db.session.get(User, admin.id)
        accounts.set_active(db.session.get(User, gone.user.id), False, actor=by)
        accounts.set_roles(db.session.get(User, demoted.user.id), [], actor=by)
        db.session.commit()
    page = client.get("/tours/").data.decode()
    assert "Staying" in page and "Gone" not in page and "Demoted" not in page
    assert client.post("/tours/book", data=dict(BOOKING, speaker=str(gone.id))).status_code == 409


def test_with_no_speaker_who_fits_the_request_goes_to_the_coordinators(app, client, frozen):
    page = client.get("/tours/").data.decode()
    assert "a coordinator will look for one" in page
    assert client.post("/tours/book", data=BOOKING).status_code == 302


@pytest.mark.parametrize("choice", ["any", "one"])
def test_the_tour_page_does_not_grow_with_the_speakers_and_events(
    app, client, frozen, coordinator, make_speaker, make_event, count_queries, choice
):
    first = make_speaker(alias="Voz 0")
    make_event(first, day=dt.date(2030, 9, 25), steps=("offered", "accepted", "confirmed"))
    url = "/tours/" if choice == "any" else f"/tours/?speaker={first.id}"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(1, 6):
        speaker = make_speaker(alias=f"Voz {n}")
        make_event(first, day=dt.date(2030, 9, 25) + dt.timedelta(days=2 * n), hour=10)
        make_event(speaker, day=dt.date(2030, 10, 1) + dt.timedelta(days=n), steps=("offered",))
        unavailable(app, coordinator, speaker, dt.date(2030, 10, 10), dt.date(2030, 10, 12 + n))
    with count_queries() as many:
        page = client.get(url).data.decode()
    assert "Voz 5" in page
    assert len(many) == len(few), "\n".join(many.statements)


def test_a_speaker_chooses_the_city_the_public_page_shows(app, client, auth, frozen, make_speaker):
    speaker = make_speaker(alias="Voz Propia", home_city="Secret Home Town")
    assert "Secret Home Town" not in client.get("/tours/").data.decode()
    auth.login(speaker.user)
    data = {"name_choice": "alias", "alias": "Voz Propia", "time_zone": "America/Denver", "languages": ["es"]}
    client.post("/tours/me/profile", data=dict(data, public_city="Southern New Mexico"))
    auth.logout()
    page = client.get("/tours/").data.decode()
    assert "Southern New Mexico" in page and "Secret Home Town" not in page


def test_the_event_made_from_a_request_starts_with_the_speaker_asked_for(app, client, auth, coordinator, busy_speakers):
    _, beto, _ = busy_speakers
    client.post("/tours/book", data=dict(BOOKING, speaker=str(beto.id), day="2030-09-25"))
    with app.app_context():
        booking_id = db.session.scalar(select(BookingRequest.id))
    auth.login(coordinator)
    form = client.get(f"/tours/manage/events/new?request={booking_id}").data.decode()
    assert re.search(rf'<option selected value="{beto.id}">Voz Beto</option>', form)


@pytest.mark.parametrize(
    "query",
    ["?speaker=abc", "?speaker=99999999999999", "?language=xx&time_zone=Mars/Base", "?topic=" + "x" * 5000],
)
def test_odd_choices_fall_back_and_never_fail(client, busy_speakers, query):
    assert client.get("/tours/" + query).status_code == 200
    assert client.get("/tours/book" + query + "&day=2030-99-99").status_code == 200
