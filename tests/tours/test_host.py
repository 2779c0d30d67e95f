"""The host's own page: the private link mailed after asking, what it shows, withdrawing, proposing
another time, and the coordinator's answer to a proposal."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.tours.models import BookingRequest, TimeProposal, TourEvent
from mexiles.tours.services import events as services
from mexiles.tours.services import timing
from tests.mailbox import body
from tests.tours.conftest import event_status
from tests.tours.public_data import BOOKING

CHICAGO = "America/Chicago"  # the host's zone; the talk's own zone is Denver's, an hour behind


def ask(client, mailbox, email="robin@example.org", locale="en", **changes) -> str:
    """Send the booking form as a host; the path of the private link their confirmation carries."""
    data = {**BOOKING, "contact_email": email, "time_zone": CHICAGO, **changes}
    response = client.post("/tours/book", data=data, headers={"Accept-Language": locale})
    assert response.status_code == 302
    text = body(mailbox.wait_for(email))
    url = re.search(r"(http://mexiles\.test/tours/requests/\d+/\S+)", text).group(1)
    return url.replace("http://mexiles.test", "")


def request_id(path: str) -> int:
    return int(path.split("/")[3])


def make_event_for(app, coordinator, speaker, booking_id, steps=(), hour=18, day=dt.date(2030, 11, 2)) -> int:
    """The event a coordinator makes of the request, in Denver (18:00 there is 19:00 in Chicago)."""
    with app.app_context():
        by = db.session.get(User, coordinator.id)
        booking = db.session.get(BookingRequest, booking_id)
        starts_at = timing.to_utc(day, dt.time(hour), "America/Denver")
        event = services.save(
            None,
            dict(
                speaker_id=speaker.id,
                title="Asylum today",
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=90),
                time_zone="America/Denver",
                city="Santa Fe, NM",
                venue="Demo Hall",
                listed=True,
                organisation=booking.organisation,
                host_name=booking.contact_name,
                host_email=booking.contact_email,
                host_locale=booking.host_locale,
                language="es",
            ),
            by=by,
            override_reason="set up by the test",
            request=booking,
        )
        speaker_user = db.session.get(User, speaker.user.id)
        for to in steps:
            services.move(event, to, by=speaker_user if to == "accepted" else by, override_reason="test")
        return event.id


def confirmed_start(ics: bytes) -> dt.datetime:
    calendar = Calendar.from_ical(ics)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["STATUS"]) == "CONFIRMED"
    return vevent.decoded("DTSTART")


# --- The link ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", ("Your request for a speaker", "Received", "Central Time")), ("es", ("Su solicitud", "Recibida"))],
)
def test_the_mailed_link_opens_the_request_in_the_hosts_language(client, frozen, mailbox, coordinator, locale, words):
    path = ask(client, mailbox, locale=locale)
    page = client.get(path, headers={"Accept-Language": locale})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.data.decode()
    for word in words:
        assert word in text
    assert ("7:00" in text or "19:00" in text) and "CDT" in text  # asked for 19:00 in Chicago


def test_the_link_works_only_for_its_own_request(app, client, frozen, mailbox, coordinator):
    mine = ask(client, mailbox, email="robin@example.org")
    theirs = ask(client, mailbox, email="other-host@example.org")
    token = mine.rsplit("/", 1)[1]
    assert client.get(mine).status_code == 200
    crossed = client.get(f"/tours/requests/{request_id(theirs)}/{token}")
    assert crossed.status_code == 404 and "This link is not valid" in crossed.data.decode()
    assert client.get(f"/tours/requests/{request_id(mine)}/not-the-secret").status_code == 404
    assert client.get(f"/tours/requests/999999/{token}").status_code == 404
    with app.app_context():  # only the digest is kept
        stored = db.session.get(BookingRequest, request_id(mine)).host_token_hash
        assert stored and token not in stored and len(stored) == 64


@pytest.mark.parametrize(("locale", "word"), [("en", "expired"), ("es", "caducado")])
def test_the_link_expires_a_month_after_the_talk(client, frozen, time_machine, mailbox, coordinator, locale, word):
    path = ask(client, mailbox)
    time_machine.move_to(dt.datetime(2030, 12, 2, tzinfo=dt.UTC), tick=False)
    assert client.get(path).status_code == 200
    time_machine.move_to(dt.datetime(2030, 12, 4, tzinfo=dt.UTC), tick=False)
    refused = client.get(path, headers={"Accept-Language": locale})
    assert refused.status_code == 404 and word in refused.data.decode()


def test_a_spam_request_gets_no_link(app, client, frozen, mailbox, coordinator):
    client.post("/tours/book", data={**BOOKING, "fax_number_confirm": "x"})
    with app.app_context():
        assert db.session.scalar(select(BookingRequest)).host_token_hash is None


# --- Withdrawing ---------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "word"), [("en", "You withdrew"), ("es", "Usted retiró")])
def test_after_withdrawal_the_link_is_refused_and_the_event_cancelled(
    app, client, frozen, mailbox, coordinator, make_speaker, locale, word
):
    speaker = make_speaker()
    path = ask(client, mailbox, locale=locale)
    event_id = make_event_for(app, coordinator, speaker, request_id(path), steps=("offered",))
    mailbox.clear()
    response = client.post(f"{path}/withdraw", headers={"Accept-Language": locale})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tours/requests/withdrawn")
    assert client.get("/tours/requests/withdrawn", headers={"Accept-Language": locale}).status_code == 200
    refused = client.get(path, headers={"Accept-Language": locale})
    assert refused.status_code == 404 and word in refused.data.decode()
    assert client.post(f"{path}/withdraw").status_code == 404
    assert propose(client, path).status_code == 404
    assert event_status(app, event_id) == "cancelled"
    assert "withdrew" in body(mailbox.wait_for(coordinator.email))
    assert mailbox.wait_for(speaker.user.email)["Subject"] == "A speaking event is cancelled"
    with app.app_context():
        booking = db.session.get(BookingRequest, request_id(path))
        assert booking.withdrawn_at is not None and booking.status == "closed"


@pytest.mark.parametrize(("locale", "word"), [("en", "You withdrew"), ("es", "Usted retiró")])
def test_withdrawing_a_confirmed_talk_sends_the_host_a_file_that_cancels_it(
    app, client, frozen, mailbox, coordinator, make_speaker, locale, word
):
    speaker = make_speaker()
    path = ask(client, mailbox, locale=locale)
    make_event_for(app, coordinator, speaker, request_id(path), steps=("offered", "accepted", "confirmed"))
    mailbox.clear()
    client.post(f"{path}/withdraw")
    note = mailbox.wait_for("robin@example.org")
    assert word in body(note)
    (attachment,) = list(note.iter_attachments())
    (vevent,) = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent.decoded("DTSTART") == dt.datetime(2030, 11, 2, 18, 0, tzinfo=ZoneInfo("America/Denver"))


# --- Confirmed: the times in the host's zone and the calendar file ---------------------------


@pytest.mark.parametrize(("locale", "word"), [("en", "Confirmed"), ("es", "Confirmada")])
def test_once_confirmed_the_page_shows_the_time_in_the_hosts_zone_and_gives_an_ics(
    app, client, frozen, mailbox, coordinator, make_speaker, locale, word
):
    speaker = make_speaker()
    path = ask(client, mailbox, locale=locale)
    assert client.get(f"{path}/event.ics").status_code == 404  # nothing to put in a calendar yet
    make_event_for(app, coordinator, speaker, request_id(path), steps=("offered", "accepted", "confirmed"))
    page = client.get(path, headers={"Accept-Language": locale}).data.decode()
    assert word in page and "La Voz" in page
    # 18:00 in Denver, shown as the host's 19:00 in Chicago
    assert ("7:00" in page or "19:00" in page) and "CDT" in page
    ics = client.get(f"{path}/event.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    start = confirmed_start(ics.data)
    assert start == dt.datetime(2030, 11, 2, 18, 0, tzinfo=ZoneInfo("America/Denver"))
    # The confirmation email carries the same file.
    confirmation = [m for m in mailbox.to("robin@example.org") if m.get_filename() is None and m.is_multipart()][-1]
    (attachment,) = list(confirmation.iter_attachments())
    assert confirmed_start(attachment.get_content()) == start


# --- Proposing another time ----------------------------------------------------------------


def propose(client, path, day="2030-11-09", starts="19:00", ends="20:30", locale="en"):
    return client.post(
        f"{path}/propose", data={"day": day, "starts": starts, "ends": ends}, headers={"Accept-Language": locale}
    )


def open_proposal_id(app, booking_id) -> int:
    with app.app_context():
        return db.session.scalar(
            select(TimeProposal.id).where(TimeProposal.request_id == booking_id, TimeProposal.status == "open")
        )


def test_a_proposal_reaches_the_coordinator_and_accepting_moves_the_event(
    app, client, auth, frozen, mailbox, coordinator, make_speaker
):
    speaker = make_speaker()
    path = ask(client, mailbox)
    booking_id = request_id(path)
    event_id = make_event_for(app, coordinator, speaker, booking_id, steps=("offered", "accepted", "confirmed"))
    mailbox.clear()
    assert propose(client, path).status_code == 302
    assert "Waiting for an answer" in client.get(path).data.decode()
    assert "another time" in body(mailbox.wait_for(coordinator.email))
    auth.login(coordinator)
    request_page = client.get(f"/tours/manage/requests/{booking_id}").data.decode()
    assert "The host proposes another time" in request_page and "Times the host proposed" in request_page
    assert "The host proposes another time" in client.get(f"/tours/manage/events/{event_id}").data.decode()
    assert "Another time proposed" in client.get("/tours/manage/requests").data.decode()
    proposal_id = open_proposal_id(app, booking_id)
    mailbox.clear()
    accepted = client.post(f"/tours/manage/requests/{booking_id}/proposals/{proposal_id}/accept", follow_redirects=True)
    assert "the event has moved" in accepted.data.decode()
    with app.app_context():
        event = db.session.get(TourEvent, event_id)
        # 19:00 in Chicago on November 9 (after the change to standard time) is 01:00 UTC the next day.
        assert event.starts_at == dt.datetime(2030, 11, 10, 1, 0) and event.status == "confirmed"
        assert db.session.get(TimeProposal, proposal_id).status == "accepted"
    host_mail = mailbox.wait_for("robin@example.org")
    updated = [m for m in mailbox.to("robin@example.org") if list(m.iter_attachments())]
    assert host_mail and updated  # the updated invitation, with its calendar file
    start = confirmed_start(list(updated[0].iter_attachments())[0].get_content())
    assert start == dt.datetime(2030, 11, 9, 18, 0, tzinfo=ZoneInfo("America/Denver"))
    auth.logout()
    assert confirmed_start(client.get(f"{path}/event.ics").data) == start


def test_accepting_a_time_the_speaker_is_not_free_is_refused_with_the_reason(
    app, client, auth, frozen, mailbox, coordinator, make_speaker, make_event
):
    speaker = make_speaker()
    path = ask(client, mailbox)
    booking_id = request_id(path)
    event_id = make_event_for(app, coordinator, speaker, booking_id, steps=("offered",))
    make_event(speaker, day=dt.date(2030, 11, 9), hour=18, title="Already booked", zone="America/Denver")
    propose(client, path)
    proposal_id = open_proposal_id(app, booking_id)
    auth.login(coordinator)
    refused = client.post(f"/tours/manage/requests/{booking_id}/proposals/{proposal_id}/accept", follow_redirects=True)
    text = refused.data.decode()
    assert "already booked" in text and "Already booked" in text and "was not changed" in text
    with app.app_context():
        assert db.session.get(TourEvent, event_id).starts_at == timing.to_utc(
            dt.date(2030, 11, 2), dt.time(18), "America/Denver"
        )
        assert db.session.get(TimeProposal, proposal_id).status == "open"


@pytest.mark.parametrize(("locale", "words"), [("en", ("cannot move", "Sorry")), ("es", ("No podemos", "Sorry"))])
def test_declining_tells_the_host_in_their_language_with_the_reason(
    app, client, auth, frozen, mailbox, coordinator, locale, words
):
    path = ask(client, mailbox, locale=locale)
    booking_id = request_id(path)
    propose(client, path, locale=locale)
    proposal_id = open_proposal_id(app, booking_id)
    auth.login(coordinator)
    mailbox.clear()
    response = client.post(
        f"/tours/manage/requests/{booking_id}/proposals/{proposal_id}/decline", data={"reason": "Sorry, no car."}
    )
    assert response.status_code == 302
    text = body(mailbox.wait_for("robin@example.org"))
    for word in words:
        assert word in text
    # Answered once: a second answer is refused, with no change.
    again = client.post(f"/tours/manage/requests/{booking_id}/proposals/{proposal_id}/accept", follow_redirects=True)
    assert "already answered" in again.data.decode()


def test_a_new_proposal_replaces_the_open_one_and_past_times_are_refused(app, client, frozen, mailbox, coordinator):
    path = ask(client, mailbox)
    propose(client, path)
    propose(client, path, day="2030-11-16")
    with app.app_context():
        statuses = db.session.scalars(select(TimeProposal.status).order_by(TimeProposal.id)).all()
    assert statuses == ["replaced", "open"]
    past = propose(client, path, day="2030-08-01")
    assert past.status_code == 422 and "passed" in past.data.decode()
    bad = propose(client, path, starts="20:00", ends="19:00")
    assert bad.status_code == 422


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_coordinator_mail_about_a_proposal_is_in_their_language(client, frozen, mailbox, make_user, locale):
    coordinator = make_user("coordinator", locale=locale)
    path = ask(client, mailbox)
    mailbox.clear()
    propose(client, path)
    text = body(mailbox.wait_for(coordinator.email))
    assert ("another time" if locale == "en" else "otro horario") in text


# --- Who else may use the staff side -------------------------------------------------------


@pytest.mark.parametrize("role", ["speaker", "donor", "counselor"])
def test_other_roles_cannot_answer_a_proposal(app, client, auth, frozen, mailbox, coordinator, make_user, role):
    path = ask(client, mailbox)
    booking_id = request_id(path)
    propose(client, path)
    proposal_id = open_proposal_id(app, booking_id)
    auth.login(make_user(role))
    for action in ("accept", "decline"):
        assert client.post(f"/tours/manage/requests/{booking_id}/proposals/{proposal_id}/{action}").status_code in (
            403,
            404,
        )
    assert client.get(f"/tours/requests/{booking_id}/forged").status_code == 404
    assert open_proposal_id(app, booking_id) == proposal_id


def test_the_link_lasts_until_a_month_after_an_event_moved_later(
    app, client, frozen, time_machine, mailbox, coordinator, make_speaker
):
    speaker = make_speaker()
    path = ask(client, mailbox)
    make_event_for(app, coordinator, speaker, request_id(path), day=dt.date(2030, 12, 20))
    time_machine.move_to(dt.datetime(2031, 1, 15, tzinfo=dt.UTC), tick=False)
    assert client.get(path).status_code == 200
    time_machine.move_to(dt.datetime(2031, 1, 22, tzinfo=dt.UTC), tick=False)
    assert client.get(path).status_code == 404


# --- Every new email and page in both languages --------------------------------------------

WORDS = {
    "en": {
        "received": "Your request has its own page",
        "proposed": "The host proposes another time for their talk",
        "accepted": "We accepted the time you proposed",
        "withdrew": "The host withdrew their request",
        "staff": "The host proposes another time",
        "withdrawn": "Your request is withdrawn",
        "refused": "This link does not open a request",
    },
    "es": {
        "received": "Su solicitud tiene su propia página",
        "proposed": "El anfitrión propone otro horario para su charla",
        "accepted": "Aceptamos el horario que propuso",
        "withdrew": "El anfitrión retiró su solicitud",
        "staff": "El anfitrión propone otro horario",
        "withdrawn": "Su solicitud se retiró",
        "refused": "Este enlace no abre ninguna solicitud",
    },
}


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_hosts_and_the_coordinators_mail_and_pages_in_their_language(
    app, client, auth, frozen, mailbox, make_user, locale
):
    words = WORDS[locale]
    coordinator = make_user("coordinator", locale=locale)
    path = ask(client, mailbox, locale=locale)
    assert words["received"] in body(mailbox.wait_for("robin@example.org"))
    mailbox.clear()
    propose(client, path, locale=locale)
    assert words["proposed"] in body(mailbox.wait_for(coordinator.email))
    auth.login(coordinator)
    booking_id = request_id(path)
    assert words["staff"] in client.get(f"/tours/manage/requests/{booking_id}").data.decode()
    mailbox.clear()
    client.post(f"/tours/manage/requests/{booking_id}/proposals/{open_proposal_id(app, booking_id)}/accept")
    assert words["accepted"] in body(mailbox.wait_for("robin@example.org"))
    auth.logout()
    mailbox.clear()
    withdrawn = client.post(f"{path}/withdraw", headers={"Accept-Language": locale}, follow_redirects=True)
    assert words["withdrawn"] in withdrawn.data.decode()
    assert words["withdrew"] in body(mailbox.wait_for(coordinator.email))
    assert words["refused"] in client.get(path, headers={"Accept-Language": locale}).data.decode()
    with app.app_context():  # the accepted proposal moved the request's own time (no event yet)
        booking = db.session.get(BookingRequest, booking_id)
        assert booking.starts_at == dt.datetime(2030, 11, 10, 1, 0)


@pytest.mark.parametrize(("locale", "word"), [("en", "Here is a new link"), ("es", "Este es un enlace nuevo")])
def test_a_coordinator_can_send_a_new_link_and_the_old_one_stops_working(
    client, auth, frozen, mailbox, coordinator, make_user, locale, word
):
    old = ask(client, mailbox, locale=locale)
    booking_id = request_id(old)
    auth.login(make_user("donor"))
    assert client.post(f"/tours/manage/requests/{booking_id}/host-link").status_code == 403
    auth.logout()
    auth.login(coordinator)
    mailbox.clear()
    assert client.post(f"/tours/manage/requests/{booking_id}/host-link").status_code == 302
    auth.logout()
    text = body(mailbox.wait_for("robin@example.org"))
    assert word in text
    new = re.search(r"http://mexiles\.test(/tours/requests/\d+/\S+)", text).group(1)
    assert new != old
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200
