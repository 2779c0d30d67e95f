"""The staff's tour calendar: a month and a week of every event, by day in the organisation's zone
(America/Denver in the tests), with the speaker filter, paging, both languages and a fixed number of
queries."""

import datetime as dt
import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "mexiles" / "static" / "css" / "app.css"
MONTH = "/tours/manage/calendar?view=month&date=2030-11-15"


def test_the_month_shows_each_event_on_its_local_day_with_its_status_in_words(
    client, auth, frozen, coordinator, make_speaker, make_event
):
    voz, eco = make_speaker(alias="La Voz"), make_speaker(alias="El Eco")
    make_event(voz, day=dt.date(2030, 11, 2), title="Before the change", steps=("offered", "accepted", "confirmed"))
    make_event(eco, day=dt.date(2030, 11, 12), hour=10, title="Requested talk")
    # 00:30 in Chicago on 1 December is 23:30 on 30 November where the organisation is.
    make_event(eco, day=dt.date(2030, 12, 1), hour=0, zone="America/Chicago", city="Chicago, IL", title="Late one")
    make_event(voz, day=dt.date(2030, 12, 5), title="December talk")
    auth.login(coordinator)
    page = client.get(MONTH).data.decode()
    assert "November 2030" in page and "December talk" not in page
    days = dict(re.findall(r'<section class="tour-cal-day" id="day-([\d-]+)">(.*?)</section>', page, re.S))
    assert set(days) == {"2030-11-02", "2030-11-12", "2030-11-30"}
    assert "Before the change" in days["2030-11-02"] and "Confirmed with the host" in days["2030-11-02"]
    assert "La Voz" in days["2030-11-02"] and re.search(r"7:00\s?PM", days["2030-11-02"])
    assert "Requested talk" in days["2030-11-12"] and ">Requested<" in days["2030-11-12"]
    assert "Late one" in days["2030-11-30"] and re.search(r"11:00\s?PM", days["2030-11-30"])
    # The legend names every status beside its colour; the grid links a busy day to its list.
    legend = re.search(r'<ul class="tour-cal-legend".*?</ul>', page, re.S).group(0)
    for label in ("Requested", "Offered to the speaker", "Confirmed with the host", "Cancelled", "Done"):
        assert label in legend
    assert 'href="#day-2030-11-12"' in page
    assert "date=2030-10-01" in page and "date=2030-12-01" in page  # previous and next month
    assert "Mountain Time" in page


def test_the_week_lists_its_seven_days_and_pages_by_week(client, auth, frozen, coordinator, make_speaker, make_event):
    speaker = make_speaker()
    make_event(speaker, day=dt.date(2030, 11, 2), title="Saturday talk")
    make_event(speaker, day=dt.date(2030, 11, 4), title="Monday talk")
    # The clocks go back at 2 a.m. on 3 November: 1:00 daylight time to 1:30 standard time is 90 minutes.
    make_event(speaker, day=dt.date(2030, 11, 3), hour=1, title="Night of the change", city="Boulder, CO")
    auth.login(coordinator)
    page = client.get("/tours/manage/calendar?view=week&date=2030-11-02").data.decode()
    assert re.search(r"1:00\s?AM MDT – 1:30\s?AM MST</span>\s*<a [^>]*>Night of the change", page)
    assert re.search(r"7:00\s?PM – 8:30\s?PM</span>\s*<a [^>]*>Saturday talk", page)
    # Weeks start on Monday (Babel's first day of the week for English and Spanish).
    assert "Oct 28\u2009–\u2009Nov 3, 2030" in page
    assert page.count('class="tour-cal-day') == 7
    assert "Saturday talk" in page and "Monday talk" not in page and "No events" in page
    assert "date=2030-10-21" in page and "date=2030-11-04" in page
    following = client.get("/tours/manage/calendar?view=week&date=2030-11-04").data.decode()
    assert "Monday talk" in following and "Saturday talk" not in following


def test_the_speaker_filter_keeps_one_speakers_events(client, auth, frozen, coordinator, make_speaker, make_event):
    voz, eco = make_speaker(alias="La Voz"), make_speaker(alias="El Eco")
    make_event(voz, day=dt.date(2030, 11, 6), title="Talk by Voz")
    make_event(eco, day=dt.date(2030, 11, 7), title="Talk by Eco")
    auth.login(coordinator)
    page = client.get(f"{MONTH}&speaker={eco.id}").data.decode()
    assert "Talk by Eco" in page and "Talk by Voz" not in page
    assert f"speaker={eco.id}" in re.search(r'<a [^>]*rel="next"[^>]*>', page).group(0)
    assert "Talk by Voz" in client.get(MONTH).data.decode()


def test_in_spanish_the_names_of_months_and_days_are_spanish(
    client, auth, frozen, coordinator, make_speaker, make_event
):
    make_event(make_speaker(), day=dt.date(2030, 11, 2), steps=("offered",))
    auth.login(coordinator)
    client.post("/language", data={"locale": "es"})
    page = client.get(MONTH).data.decode()
    assert "noviembre 2030" in page and ">lun<" in page and "Ofrecido" in page
    assert "Calendario de giras" in page
    week = client.get("/tours/manage/calendar?view=week&date=2030-11-02").data.decode()
    assert re.search(r"28 oct\s?–\s?3 nov 2030", week) and "sáb, 2 nov" in week


@pytest.mark.parametrize(
    "query", ["view=year", "date=2030-13-45", "date=9999-12-31", "speaker=abc", "speaker=99999999999999999999"]
)
def test_bad_choices_are_named_and_the_defaults_shown(client, auth, frozen, coordinator, query):
    auth.login(coordinator)
    response = client.get(f"/tours/manage/calendar?{query}")
    assert response.status_code == 200
    page = response.data.decode()
    assert 'class="error"' in page and "September 2030" in page  # today's month


def test_only_those_who_see_the_event_list_see_the_calendar(client, auth, frozen, make_user, make_speaker):
    speaker = make_speaker()
    for who in (None, speaker.user, make_user("donor", email="donor@example.org")):
        if who is not None:
            auth.login(who)
        listed, calendar = client.get("/tours/manage/events"), client.get("/tours/manage/calendar")
        assert calendar.status_code == listed.status_code != 200
        auth.logout()
    for role in ("coordinator", "admin"):
        auth.login(make_user(role, email=f"{role}@example.org"))
        home = client.get("/").data.decode()
        assert 'href="/tours/manage/calendar"' in home
        assert client.get("/tours/manage/calendar").status_code == 200
        auth.logout()


@pytest.mark.parametrize("url", [MONTH, "/tours/manage/calendar?view=week&date=2030-11-01"])
def test_the_calendar_does_not_grow_with_the_events(
    client, auth, frozen, coordinator, make_speaker, make_event, count_queries, url
):
    speakers = [make_speaker(alias=f"Voz {n}") for n in range(3)]
    make_event(speakers[0], day=dt.date(2030, 11, 1), title="Talk 0")
    auth.login(coordinator)
    client.get(url)
    with count_queries() as one:
        assert "Talk 0" in client.get(url).data.decode()
    # 30 in all (the month grid starts on Monday 28 October), three a day, by three speakers.
    for n in range(1, 30):
        make_event(
            speakers[n % 3],
            day=dt.date(2030, 10, 28) + dt.timedelta(days=n // 3),
            hour=8 + n % 3 * 4,
            title=f"Talk {n}",
        )
    with count_queries() as thirty:
        page = client.get(url).data.decode()
    assert "Talk 12<" in page and "Talk 14<" in page and "Voz 2" in page
    assert len(thirty) == len(one), "\n".join(thirty.statements)


@pytest.mark.browser
@pytest.mark.parametrize("view", ["month", "week"])
def test_the_calendar_fits_a_phone(client, auth, frozen, coordinator, make_speaker, make_event, view):
    from playwright.sync_api import sync_playwright

    speaker = make_speaker(alias="Una voz con un nombre bastante largo")
    for day in range(1, 29, 3):
        make_event(speaker, day=dt.date(2030, 11, day), title="Una charla con un título muy largo " * 3)
    auth.login(coordinator)
    html = client.get(f"/tours/manage/calendar?view={view}&date=2030-11-04").data.decode()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.set_content(re.sub(r"<link[^>]*stylesheet[^>]*>", "", html))
        page.add_style_tag(content=CSS.read_text())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        if view == "month":
            assert page.locator(".tour-cal-dots").first.is_visible()
            assert not page.locator(".tour-cal-chips").first.is_visible()
        browser.close()
