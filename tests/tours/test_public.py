"""The public side: the tour page, event pages and booking requests from hosts."""

import datetime as dt
import re

from sqlalchemy import select

from mexiles.extensions import db
from mexiles.tours.models import BookingRequest
from tests.mailbox import body
from tests.tours.conftest import LEGAL_NAME, feed_url
from tests.tours.public_data import BOOKING


def test_the_tour_page_lists_confirmed_events_in_local_time_by_public_name(client, frozen, make_speaker, make_event):
    speaker = make_speaker("alias", alias="La Voz")
    make_event(speaker, steps=("offered", "accepted", "confirmed"), title="Listed talk")
    make_event(speaker, day=dt.date(2030, 11, 9), steps=("offered",), title="Only offered")
    make_event(
        speaker, day=dt.date(2030, 11, 16), steps=("offered", "accepted", "confirmed"), title="Unlisted", listed=False
    )
    page = client.get("/tours/").data.decode()
    assert "Listed talk" in page and "La Voz" in page
    assert "7:00\u202fPM" in page or "7:00 PM" in page  # local time in Denver, not UTC (01:00)
    assert "MDT" in page
    assert "Only offered" not in page and "Unlisted" not in page


def test_an_alias_speakers_legal_name_appears_nowhere_public(
    app, client, auth, frozen, mailbox, make_speaker, make_event
):
    speaker = make_speaker("alias", alias="La Voz")
    event_id = make_event(speaker, steps=("offered", "accepted", "confirmed"), host_email="host-alias@example.org")
    pages = [client.get("/tours/").data.decode(), client.get(f"/tours/events/{event_id}").data.decode()]
    assert "La Voz" in pages[1]
    confirmation = mailbox.wait_for("host-alias@example.org")
    texts = [body(confirmation)] + [
        part.get_content() if isinstance(part.get_content(), str) else part.get_content().decode()
        for part in confirmation.iter_attachments()
    ]
    assert "La Voz" in texts[0] and "BEGIN:VCALENDAR" in texts[1]
    auth.login(speaker.user)
    texts.append(client.get(f"/tours/me/events/{event_id}.ics").data.decode())
    url = feed_url(client)
    auth.logout()
    feed = client.get(url)
    assert feed.status_code == 200
    texts.append(feed.data.decode())
    for text in pages + texts:
        for part in LEGAL_NAME.split():
            assert part not in text


def test_the_first_name_choice_shows_only_the_first_name(client, frozen, make_speaker, make_event):
    speaker = make_speaker("first", legal_name="Nayeli Demo Zamudio", alias=None)
    event_id = make_event(speaker, steps=("offered", "accepted", "confirmed"))
    page = client.get(f"/tours/events/{event_id}").data.decode()
    assert "Nayeli" in page and "Zamudio" not in page


def test_the_full_name_choice_shows_the_full_name(client, frozen, make_speaker, make_event):
    speaker = make_speaker("full", legal_name="Bernardo Demo Quintanilla", alias=None)
    event_id = make_event(speaker, steps=("offered", "accepted", "confirmed"))
    assert "Bernardo Demo Quintanilla" in client.get(f"/tours/events/{event_id}").data.decode()


def test_events_not_confirmed_have_no_public_page(client, frozen, make_speaker, make_event):
    speaker = make_speaker()
    assert client.get(f"/tours/events/{make_event(speaker, steps=('offered',))}").status_code == 404
    assert client.get("/tours/events/999999").status_code == 404


def test_a_booking_request_is_kept_confirmed_by_email_and_in_the_inbox(app, client, auth, frozen, mailbox, coordinator):
    response = client.post("/tours/book", data=BOOKING, headers={"Accept-Language": "es"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tours/book/thanks")
    with app.app_context():
        booking = db.session.scalar(select(BookingRequest))
        assert booking.host_locale == "es" and booking.honorarium_cents == 50000
        assert booking.starts_at == dt.datetime(2030, 11, 3, 1, 0)  # 19:00 MDT is 01:00 UTC the next day
    message = mailbox.wait_for("robin@example.org")
    assert "Recibimos su solicitud" in body(message) or "recibimos" in body(message).lower()
    alert = mailbox.wait_for(coordinator.email)  # the coordinators hear of it, in their own language
    assert "A new request for a speaker" in alert["Subject"] and "Demo Valley College" in body(alert)
    assert f"/tours/manage/requests/{booking.id}" in body(alert)
    auth.login(coordinator)
    inbox = client.get("/tours/manage/requests").data.decode()
    assert "Demo Valley College" in inbox
    detail = client.get(f"/tours/manage/requests/{booking.id}").data.decode()
    assert "Any Saturday in November" in detail and "robin@example.org" in detail


def test_the_honeypot_keeps_the_request_aside_and_sends_nothing(app, client, auth, frozen, mailbox, coordinator):
    form = client.get("/tours/book").data.decode()
    trap = re.search(r'<input[^>]*name="fax_number_confirm"[^>]*>', form).group(0)
    assert 'autocomplete="off"' in trap and 'tabindex="-1"' in trap
    assert re.search(r'<div class="trap" aria-hidden="true">[^<]*<label for="fax_number_confirm"', form)
    assert 'name="website"' not in form  # browsers autofill that one with a real person's site
    response = client.post(
        "/tours/book", data=dict(BOOKING, fax_number_confirm="555-0199", organisation="Robot Widgets Inc")
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/tours/book/thanks")
    with app.app_context():
        booking = db.session.scalar(select(BookingRequest))
        assert booking.flagged_spam and booking.organisation == "Robot Widgets Inc"
    assert mailbox.to("robin@example.org") == [] and mailbox.to(coordinator.email) == []
    auth.login(coordinator)
    assert "Robot Widgets" not in client.get("/tours/manage/requests").data.decode()
    assert "Robot Widgets" in client.get("/tours/manage/requests?flagged=1").data.decode()
    assert "Flagged as spam" in client.get(f"/tours/manage/requests/{booking.id}").data.decode()
    client.post(f"/tours/manage/requests/{booking.id}/not-spam")
    assert "Robot Widgets" in client.get("/tours/manage/requests").data.decode()
    assert "Robot Widgets" not in client.get("/tours/manage/requests?flagged=1").data.decode()


def test_the_confirmation_repeats_no_free_text_but_the_organisation(app, client, frozen, mailbox):
    data = dict(
        BOOKING,
        contact_name="Cheap pills at spam.example",
        venue="Visit spam.example now",
        topic="Buy at spam.example",
        message="spam.example",
        other_dates="spam.example",
        city="spam.example City",
    )
    assert client.post("/tours/book", data=data).status_code == 302
    text = body(mailbox.wait_for("robin@example.org"))
    assert "Demo Valley College" in text and "spam.example" not in text


def test_the_booking_form_is_rate_limited_on_requests_received_not_on_typos(client, frozen):
    for _ in range(8):  # more mistakes than the limit allows requests
        assert client.post("/tours/book", data=dict(BOOKING, contact_email="bad")).status_code == 200
    for _ in range(5):
        assert client.post("/tours/book", data=BOOKING).status_code == 302
    assert client.post("/tours/book", data=BOOKING).status_code == 429
    assert client.get("/tours/book").status_code == 200  # reading the form stays open


def test_bad_booking_input_gets_clear_messages_and_keeps_what_was_typed(app, client, frozen):
    data = dict(BOOKING, day="2030-08-01", contact_email="not-an-email", ends="18:00", organisation="")
    page = client.post("/tours/book", data=data).data.decode()
    assert "This date is in the past" in page
    assert "Invalid email address" in page
    assert "The end must come after the start" in page
    assert "This field is required" in page
    assert "Any Saturday in November" in page and "We have a projector." in page and 'value="Santa Fe, NM"' in page
    with app.app_context():
        assert db.session.scalar(select(BookingRequest)) is None


def test_a_time_skipped_by_the_clock_change_is_refused(client, frozen):
    page = client.post("/tours/book", data=dict(BOOKING, day="2031-03-09", starts="02:30", ends="04:00")).data.decode()
    assert "does not exist on that day" in page


def test_booking_errors_in_spanish(client, frozen):
    page = client.post(
        "/tours/book", data=dict(BOOKING, day="2030-08-01", ends="18:00"), headers={"Accept-Language": "es"}
    ).data.decode()
    assert 'lang="es"' in page
    assert "Esta fecha ya pasó" in page and "El final debe ser después del inicio" in page


def test_public_pages_in_spanish(client, frozen, make_speaker, make_event):
    speaker = make_speaker(bio_es="Periodista en el exilio.", bio_en="A journalist in exile.")
    event_id = make_event(speaker, steps=("offered", "accepted", "confirmed"))
    tour = client.get("/tours/", headers={"Accept-Language": "es"}).data.decode()
    assert "Gira de conferencias" in tour and "sábado" in tour
    page = client.get(f"/tours/events/{event_id}", headers={"Accept-Language": "es"}).data.decode()
    assert "Periodista en el exilio." in page and "A journalist" not in page
    assert "Invitar a" in client.get("/tours/book", headers={"Accept-Language": "es"}).data.decode()


def test_a_far_future_date_gets_a_message_not_an_error(app, client, frozen):
    response = client.post("/tours/book", data=dict(BOOKING, day="9999-12-31", starts="22:00", ends="23:00"))
    assert response.status_code == 200
    assert "Choose a date within the next 5 years" in response.data.decode()
    page = client.post(
        "/tours/book", data=dict(BOOKING, day="2036-01-01"), headers={"Accept-Language": "es"}
    ).data.decode()
    assert "Elija una fecha dentro de los próximos 5 años" in page
    with app.app_context():
        assert db.session.scalar(select(BookingRequest)) is None


def test_an_amount_that_is_no_number_gets_a_message_not_an_error(app, client, frozen):
    for amount in ("NaN", "sNaN", "-nan", "Infinity", "-Infinity", "inf"):
        response = client.post("/tours/book", data=dict(BOOKING, honorarium=amount))
        page = response.data.decode()
        assert response.status_code == 200, amount
        assert "Give an amount in dollars and cents" in page, amount
        assert f'value="{amount}"' in page  # what was typed comes back to be corrected
    with app.app_context():
        assert db.session.scalar(select(BookingRequest)) is None


def test_a_utc_instant_beyond_the_calendar_is_refused_as_out_of_range():
    import pytest

    from mexiles.tours.services import timing

    with pytest.raises(timing.OutOfRange):
        timing.to_utc(dt.date(9999, 12, 31), dt.time(22), "America/Denver")


def test_reading_a_request_is_audited(app, client, auth, frozen, coordinator):
    client.post("/tours/book", data=BOOKING)
    with app.app_context():
        booking_id = db.session.scalar(select(BookingRequest.id))
    auth.login(coordinator)
    assert client.get(f"/tours/manage/requests/{booking_id}").status_code == 200
    with app.app_context():
        from mexiles.audit.models import AuditEntry

        (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tour_booking_request.view")).all()
        assert (entry.subject_type, entry.subject_id, entry.actor_id) == (
            "tour_booking_request",
            str(booking_id),
            coordinator.id,
        )
        assert "robin" not in str(entry.details)


def test_the_past_is_judged_by_the_hosts_own_calendar(app, client, time_machine):
    # 03:00 UTC on 3 September is still the evening of 2 September in Denver.
    time_machine.move_to(dt.datetime(2030, 9, 3, 3, 0, tzinfo=dt.UTC), tick=False)
    tonight = dict(BOOKING, day="2030-09-02", starts="22:00", ends="23:00", time_zone="America/Denver")
    tonight_page = client.post("/tours/book", data=tonight).data.decode()
    assert "This date is in the past" not in tonight_page  # refused for the notice speakers need instead
    assert "less than 14 days away" in tonight_page
    page = client.post("/tours/book", data=dict(tonight, day="2030-09-01")).data.decode()
    assert "This date is in the past" in page
