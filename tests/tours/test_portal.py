"""The speaker's portal: only their own events, their answers, unavailable days and calendar feed."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from mexiles.extensions import db
from mexiles.tours.models import Unavailability
from tests.tours.conftest import feed_url


def test_a_speaker_sees_only_their_own_events(app, client, auth, frozen, make_speaker, make_event):
    mine, theirs = make_speaker(alias="Mine"), make_speaker(alias="Theirs")
    my_event = make_event(mine, title="My own talk", steps=("offered",))
    other_event = make_event(theirs, day=dt.date(2030, 11, 9), title="Someone else's talk", steps=("offered",))
    auth.login(mine.user)
    portal = client.get("/tours/me/").data.decode()
    assert "My own talk" in portal and "Someone else" not in portal
    assert client.get(f"/tours/me/events/{my_event}").status_code == 200
    for url in (
        f"/tours/me/events/{other_event}",
        f"/tours/me/events/{other_event}.ics",
        f"/tours/poster/{other_event}",
        f"/tours/poster/{other_event}/qr.svg",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/tours/me/events/{other_event}/respond", data={"decision": "accepted"})
    assert response.status_code == 404
    from tests.tours.conftest import event_status

    assert event_status(app, other_event) == "offered"
    for url in (
        "/tours/manage/events",
        f"/tours/manage/events/{other_event}",
        "/tours/manage/requests",
        "/tours/manage/speakers",
    ):
        assert client.get(url).status_code == 403, url


def test_an_event_not_yet_offered_is_not_shown_to_the_speaker(client, auth, frozen, make_speaker, make_event):
    speaker = make_speaker()
    event_id = make_event(speaker, title="Still a draft")
    auth.login(speaker.user)
    assert "Still a draft" not in client.get("/tours/me/").data.decode()
    assert client.get(f"/tours/me/events/{event_id}").status_code == 404


def test_the_portal_shows_times_in_the_speakers_own_zone(client, auth, frozen, make_speaker, make_event):
    speaker = make_speaker(time_zone="America/New_York")
    event_id = make_event(speaker, steps=("offered",))  # 19:00 in Denver is 21:00 in New York
    auth.login(speaker.user)
    portal = client.get("/tours/me/").data.decode()
    assert "9:00\u202fPM" in portal and "EDT" in portal
    page = client.get(f"/tours/me/events/{event_id}").data.decode()
    assert "9:00\u202fPM" in page and "7:00\u202fPM" in page and "MDT" in page


def test_a_speaker_without_a_profile_is_told_so(client, auth, make_user):
    auth.login(make_user("speaker"))
    assert "not set up yet" in client.get("/tours/me/").data.decode()
    assert client.get("/tours/me/calendar").status_code == 404


def test_unavailable_days_are_the_speakers_own(app, client, auth, frozen, make_speaker):
    mine, theirs = make_speaker(), make_speaker()
    auth.login(theirs.user)
    client.post("/tours/me/unavailable", data={"first_day": "2030-12-24", "last_day": "2030-12-26"})
    auth.logout()
    auth.login(mine.user)
    page = client.post("/tours/me/unavailable", data={"first_day": "2030-12-10", "last_day": "2030-12-01"})
    assert "cannot come before the first" in page.data.decode()
    client.post("/tours/me/unavailable", data={"first_day": "2030-12-01", "last_day": "2030-12-10", "note": "Court"})
    with app.app_context():
        rows = {r.speaker_id: r.id for r in db.session.scalars(select(Unavailability))}
    assert "Court" in client.get("/tours/me/unavailable").data.decode()
    assert client.post(f"/tours/me/unavailable/{rows[theirs.id]}/remove").status_code == 404
    assert client.post(f"/tours/me/unavailable/{rows[mine.id]}/remove").status_code == 302
    with app.app_context():
        assert [r.speaker_id for r in db.session.scalars(select(Unavailability))] == [theirs.id]


def test_the_feed_needs_its_secret_and_a_reset_invalidates_the_old_address(
    app, client, auth, frozen, make_speaker, make_event
):
    speaker = make_speaker()
    make_event(speaker, steps=("offered",))
    auth.login(speaker.user)
    first = feed_url(client)
    assert "shown only once" not in client.get("/tours/me/calendar").data.decode()
    auth.logout()
    assert client.get(first).status_code == 200
    assert client.get("/tours/feed/not-the-secret.ics").status_code == 404
    auth.login(speaker.user)
    second = feed_url(client)
    auth.logout()
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    with app.app_context():
        from mexiles.tours.models import Speaker

        stored = db.session.get(Speaker, speaker.id).feed_token_hash
        assert stored not in second and len(stored) == 64  # only a hash is kept


def test_the_feed_parses_with_local_times_across_the_clock_change(app, client, auth, frozen, make_speaker, make_event):
    speaker = make_speaker()
    before = make_event(
        speaker, day=dt.date(2030, 11, 2), steps=("offered", "accepted", "confirmed"), title="Before the change"
    )
    after = make_event(
        speaker, day=dt.date(2030, 11, 4), steps=("offered", "accepted", "confirmed"), title="After the change"
    )
    cancelled = make_event(
        speaker, day=dt.date(2030, 11, 20), steps=("offered", "accepted", "cancelled"), title="Called off"
    )
    auth.login(speaker.user)
    url = feed_url(client)
    auth.logout()
    response = client.get(url)
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert str(cal["VERSION"]) == "2.0" and "mexiles" in str(cal["PRODID"])
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/Denver"]
    events = {str(e["SUMMARY"]).split(" — ")[0]: e for e in cal.walk("VEVENT")}
    assert set(events) == {"Before the change", "After the change", "Called off"}
    denver = ZoneInfo("America/Denver")
    for title, day in (("Before the change", 2), ("After the change", 4)):
        start = events[title].decoded("DTSTART")
        assert start.astimezone(denver).replace(tzinfo=None) == dt.datetime(2030, 11, day, 19, 0)
        assert events[title]["DTSTART"].params["TZID"] == "America/Denver"
        assert str(events[title]["STATUS"]) == "CONFIRMED"
    # The same 7 p.m. is 01:00 UTC under daylight time and 02:00 UTC after the change.
    assert events["Before the change"].decoded("DTSTART").astimezone(dt.UTC).hour == 1
    assert events["After the change"].decoded("DTSTART").astimezone(dt.UTC).hour == 2
    assert str(events["Called off"]["STATUS"]) == "CANCELLED"
    uids = {title: str(e["UID"]) for title, e in events.items()}
    assert uids["Before the change"] == f"tour-event-{before}@mexiles"
    assert all(e.get("DTSTAMP") and e.get("SEQUENCE") is not None for e in events.values())
    assert (
        events["Called off"]["SEQUENCE"] > 0 and str(events["Called off"]["UID"]) == f"tour-event-{cancelled}@mexiles"
    )
    # Fetched again, the UIDs stay the same so calendars update rather than duplicate.
    again = Calendar.from_ical(client.get(url).data)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(uids.values())
    assert after


def test_each_event_downloads_as_ics(client, auth, frozen, make_speaker, make_event):
    speaker = make_speaker()
    event_id = make_event(speaker, steps=("offered",))
    auth.login(speaker.user)
    response = client.get(f"/tours/me/events/{event_id}.ics")
    assert response.mimetype == "text/calendar" and "attachment" in response.headers["Content-Disposition"]
    cal = Calendar.from_ical(response.data)
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == f"tour-event-{event_id}@mexiles" and str(event["STATUS"]) == "TENTATIVE"
    assert "pat host" in str(event["DESCRIPTION"]).lower()


def test_a_speaker_edits_their_own_public_name_but_not_the_legal_name(app, client, auth, frozen, make_speaker):
    speaker = make_speaker()
    auth.login(speaker.user)
    page = client.get("/tours/me/profile").data.decode()
    assert 'name="legal_name"' not in page and 'value="La Voz"' in page
    page = client.post("/tours/me/profile", data={"name_choice": "alias", "alias": "", "time_zone": "Mars/Base"})
    text = page.data.decode()
    assert "Give the alias to use in public" in text and "Choose a time zone from the list." in text
    client.post(
        "/tours/me/profile",
        data={
            "name_choice": "alias",
            "alias": "La Cronista",
            "time_zone": "America/Chicago",
            "legal_name": "Someone Else",
        },
    )
    with app.app_context():
        from mexiles.tours.models import Speaker

        profile = db.session.get(Speaker, speaker.id)
        assert profile.alias == "La Cronista" and profile.time_zone == "America/Chicago"
        assert profile.legal_name == "Evangelina Quetzalli Ruvalcaba Ocampo"


def test_the_portal_in_spanish(client, auth, frozen, make_speaker, make_event):
    speaker = make_speaker(locale="es")
    make_event(speaker, steps=("offered",))
    auth.login(speaker.user)
    page = client.get("/tours/me/").data.decode()
    assert "Mis charlas" in page and "Esperando su respuesta" in page


def test_a_deactivated_or_demoted_speakers_feed_stops_working(
    app, client, auth, frozen, make_user, make_speaker, make_event
):
    from mexiles.accounts import services as accounts
    from mexiles.accounts.models import User

    admin = make_user("admin")
    gone, demoted = make_speaker(alias="Gone"), make_speaker(alias="Demoted")
    urls = {}
    for speaker in (gone, demoted):
        make_event(speaker, steps=("offered",), title=f"Talk of {speaker.alias}")
        auth.login(speaker.user)
        urls[speaker.alias] = feed_url(client)
        auth.logout()
        assert client.get(urls[speaker.alias]).status_code == 200
    with app.app_context():
        by = db.session.get(User, admin.id)
        accounts.set_active(db.session.get(User, gone.user.id), False, actor=by)
        accounts.set_roles(db.session.get(User, demoted.user.id), [], actor=by)
        db.session.commit()
    assert client.get(urls["Gone"]).status_code == 404
    assert client.get(urls["Demoted"]).status_code == 404


def test_a_speaker_prints_the_qr_code_only_for_their_own_accepted_events(
    client, auth, frozen, make_speaker, make_event
):
    speaker = make_speaker()
    draft = make_event(speaker, title="Not yet offered")
    offered = make_event(speaker, day=dt.date(2030, 11, 9), steps=("offered",))
    confirmed = make_event(speaker, day=dt.date(2030, 11, 16), steps=("offered", "accepted", "confirmed"))
    auth.login(speaker.user)
    for event_id in (draft, offered):
        assert client.get(f"/tours/poster/{event_id}").status_code == 404, event_id
        assert client.get(f"/tours/poster/{event_id}/qr.svg").status_code == 404, event_id
    assert client.get(f"/tours/poster/{confirmed}").status_code == 200
    assert client.get(f"/tours/poster/{confirmed}/qr.svg").status_code == 200


def test_after_start_again_the_decliner_no_longer_sees_the_event(
    app, client, auth, frozen, coordinator, make_speaker, make_event
):
    speaker = make_speaker()
    event_id = make_event(speaker, title="Declined talk", steps=("offered", "declined"))
    auth.login(speaker.user)
    url = feed_url(client)
    assert "Declined talk" in client.get("/tours/me/").data.decode()
    auth.logout()
    auth.login(coordinator)
    client.post(f"/tours/manage/events/{event_id}/step", data={"to": "requested"})
    from tests.tours.conftest import event_status

    assert event_status(app, event_id) == "requested"
    auth.logout()
    auth.login(speaker.user)
    assert "Declined talk" not in client.get("/tours/me/").data.decode()
    assert client.get(f"/tours/me/events/{event_id}").status_code == 404
    auth.logout()
    feed = client.get(url)
    assert feed.status_code == 200 and "Declined talk" not in feed.data.decode()


def test_the_new_address_can_be_copied_or_opened_in_a_calendar_app(client, auth, frozen, make_speaker):
    speaker = make_speaker()
    auth.login(speaker.user)
    page = client.post("/tours/me/calendar").data.decode()
    address = re.search(r'value="(http://[^"]+\.ics)"[^>]*id="feed-url"', page).group(1)
    assert 'data-copy="feed-url"' in page
    assert f'href="{address.replace("http://", "webcal://")}"' in page
    again = client.get("/tours/me/calendar").data.decode()
    assert "data-confirm" in again  # making another address warns that this one stops working
