"""Tours speak in words: time zones by name, lengths of time and dates as people say them, one
choice of zone on the staff and the public forms."""

import html
import re

import pytest

from tests.tours.public_data import BOOKING
from tests.tours.test_events import EVENT_FORM


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.data.decode()))


def test_a_thirty_minute_gap_between_cities_is_said_in_minutes(
    client, auth, frozen, coordinator, make_speaker, make_event
):
    speaker = make_speaker()
    make_event(speaker, hour=17, minutes=90, title="Early talk in Boulder", city="Boulder, CO")  # ends 18:30
    auth.login(coordinator)
    page = _text(client.post("/tours/manage/events/new", data=dict(EVENT_FORM, speaker_id=speaker.id)))
    assert "Only 30 minutes to travel between Denver, CO and “Early talk in Boulder”" in page
    assert "0 hours" not in page and "at least 12 hours are needed" in page


def test_unavailable_days_are_written_as_dates(client, auth, frozen, coordinator, make_speaker):
    speaker = make_speaker()
    auth.login(speaker.user)
    client.post("/tours/me/unavailable", data={"first_day": "2030-11-01", "last_day": "2030-11-03", "note": "x"})
    auth.logout()
    auth.login(coordinator)
    page = _text(client.post("/tours/manage/events/new", data=dict(EVENT_FORM, speaker_id=speaker.id)))
    assert "marked November 1, 2030 to November 3, 2030 as unavailable" in page
    assert "2030-11-01" not in page


@pytest.mark.parametrize(
    ("locale", "zone"), [("en", "Mountain Time (Denver)"), ("es", "hora de las Montañas Rocosas (Denver)")]
)
def test_the_speaker_reads_their_zone_in_words(client, auth, frozen, make_speaker, locale, zone):
    speaker = make_speaker(locale=locale)
    auth.login(speaker.user)
    page = _text(client.get("/tours/me/"))
    assert zone in page and "America/Denver" not in page


@pytest.mark.parametrize("url", ["/tours/manage/events/new", "/tours/book"])
def test_staff_and_public_forms_offer_the_same_choice_of_zones(client, auth, coordinator, url):
    if "manage" in url:
        auth.login(coordinator)
    page = client.get(url).data.decode()
    assert re.search(r'<select[^>]*name="time_zone"', page)
    assert '<option selected value="America/Denver">Mountain Time (Denver)</option>' in page
    assert "Pacific Time (Los Angeles)" in page


def test_a_zone_typed_in_words_is_refused_with_a_message(client, auth, frozen, coordinator, make_speaker):
    auth.login(coordinator)
    speaker = make_speaker()
    response = client.post(
        "/tours/manage/events/new", data=dict(EVENT_FORM, speaker_id=speaker.id, time_zone="Mountain")
    )
    assert response.status_code == 200 and "Choose a time zone from the list." in _text(response)
    public = client.post("/tours/book", data=dict(BOOKING, time_zone="Mars/Olympus"))
    assert public.status_code == 200 and "Choose a time zone from the list." in _text(public)


def test_a_zone_outside_the_common_list_is_kept(client, auth, frozen, coordinator, make_speaker):
    auth.login(coordinator)
    speaker = make_speaker()
    response = client.post(
        "/tours/manage/events/new", data=dict(EVENT_FORM, speaker_id=speaker.id, time_zone="Europe/Madrid")
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"] + "/edit").data.decode()
    assert '<option selected value="Europe/Madrid">Central European Time (Madrid)</option>' in page
