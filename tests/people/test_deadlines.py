"""Deadlines: derived from the law on both sides of their dates (frozen time), the daily reminder,
the home page and the private calendar feed."""

import datetime as dt

import icalendar
import pytest
import vobject
from sqlalchemy import select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db


def _at(time_machine, day: dt.date, hour=12):
    """Noon in El Paso (the organisation's zone in tests is America/Denver)."""
    time_machine.move_to(dt.datetime.combine(day, dt.time(hour + 7), tzinfo=dt.UTC), tick=False)


def _i589(client, person_id) -> str:
    page = client.get(f"/people/{person_id}/deadlines").data.decode()
    start = page.index("Asylum application (I-589)")
    return page[start : page.index("</li>", start)]


@pytest.mark.parametrize(
    "day, shown",
    [
        (dt.date(2026, 5, 2), "91 days left"),  # before the first warning
        (dt.date(2026, 5, 3), "90 days left"),  # the 90-day warning
        (dt.date(2026, 7, 2), "30 days left"),
        (dt.date(2026, 7, 25), "7 days left"),
        (dt.date(2026, 7, 31), "1 day left"),
        (dt.date(2026, 8, 1), "Due today"),  # one year from arrival on 1 August 2025
        (dt.date(2026, 8, 2), "Missed: the date passed 1 day ago"),
    ],
)
def test_the_one_year_deadline_on_both_sides_of_the_date(client, auth, case_file, time_machine, day, shown):
    _at(time_machine, day)
    auth.login(case_file.coordinator)
    assert shown in _i589(client, case_file.person_id)


def test_the_warning_levels(app, case_file, time_machine):
    from mexiles.people.services import deadlines

    levels = {}
    with app.app_context():
        person = case_file.people.get(case_file.person_id)
        for day in (
            dt.date(2026, 5, 2),
            dt.date(2026, 5, 3),
            dt.date(2026, 7, 2),
            dt.date(2026, 6, 1),
            dt.date(2026, 7, 25),
            dt.date(2026, 8, 2),
        ):
            _at(time_machine, day)
            found = next(d for d in deadlines.deadlines_of(person) if d.task.source == "i589")
            levels[day.isoformat()] = (found.state, found.warning_level)
    assert levels == {
        "2026-05-02": ("open", None),
        "2026-05-03": ("warning", 90),
        "2026-07-02": ("warning", 30),
        "2026-06-01": ("warning", 90),
        "2026-07-25": ("warning", 7),
        "2026-08-02": ("missed", None),
    }


def test_the_deadline_moves_when_the_arrival_date_is_corrected(client, auth, case_file, time_machine):
    from tests.people.conftest import FULL_RECORD

    _at(time_machine, dt.date(2026, 7, 1))
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    assert "31 days left" in _i589(client, pid)
    form = dict(FULL_RECORD, legal_name="Graciela Montoya Fuentes", alias="La Maestra", arrival_date="2025-06-20")
    assert client.post(f"/people/{pid}/edit", data=form).status_code == 302
    assert "Missed: the date passed 11 days ago" in _i589(client, pid)


def test_filing_meets_the_deadline_and_a_denial_opens_the_appeal(client, auth, case_file, time_machine):
    _at(time_machine, dt.date(2026, 7, 1))
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(f"/people/{pid}/immigration", data={"stage": "i589_filed", "i589_filed_on": "2026-06-15"})
    assert "Done on Jun 15, 2026" in _i589(client, pid)
    client.post(
        f"/people/{pid}/immigration",
        data={"stage": "denied", "i589_filed_on": "2026-06-15", "decision": "denied", "decision_on": "2026-06-25"},
    )
    page = client.get(f"/people/{pid}/deadlines").data.decode()
    assert "Appeal to the Board of Immigration Appeals" in page and "24 days left" in page  # due 25 July
    # The appeal is met by recording its filing, not by a click.
    assert "This deadline is met when its filing date is recorded" in _done_of(client, pid, "appeal")
    client.post(
        f"/people/{pid}/immigration",
        data={
            "stage": "appeal_filed",
            "i589_filed_on": "2026-06-15",
            "decision": "denied",
            "decision_on": "2026-06-25",
            "appeal_filed_on": "2026-07-01",
        },
    )
    assert "Done on Jul 1, 2026" in client.get(f"/people/{pid}/deadlines").data.decode()


def _done_of(client, pid, source):
    from mexiles.people.models import CaseTask

    with client.application.app_context():
        task_id = db.session.scalar(select(CaseTask.id).where(CaseTask.person_id == pid, CaseTask.source == source))
    return client.post(
        f"/people/{pid}/deadlines/{task_id}/done", data={"done": "1"}, follow_redirects=True
    ).data.decode()


def test_hearings_and_check_ins_are_deadlines_and_go_when_removed(app, client, auth, case_file, time_machine):
    _at(time_machine, dt.date(2026, 7, 1))
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(
        f"/people/{pid}/immigration/dates", data={"kind": "hearing", "day": "2026-07-06", "time_of_day": "09:30"}
    )
    client.post(f"/people/{pid}/immigration/dates", data={"kind": "check_in", "day": "2026-08-20"})
    page = client.get(f"/people/{pid}/deadlines").data.decode()
    assert "Hearing" in page and "09:30" in page and "5 days left" in page and "ICE check-in" in page
    from mexiles.people.models import CaseDate

    with app.app_context():
        hearing_id = db.session.scalar(select(CaseDate.id).where(CaseDate.kind == "hearing"))
    client.post(f"/people/{pid}/immigration/dates/{hearing_id}/remove")
    assert "09:30" not in client.get(f"/people/{pid}/deadlines").data.decode()
    bad = client.post(
        f"/people/{pid}/immigration/dates", data={"kind": "hearing", "day": "soon"}, follow_redirects=True
    ).data.decode()
    assert "Give a date" in bad


def test_hand_made_tasks_have_an_owner_on_the_team_and_are_done_or_open(
    client, auth, make_user, case_file, time_machine
):
    _at(time_machine, dt.date(2026, 7, 1))
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    outsider = make_user("coordinator")
    refused = client.post(
        f"/people/{pid}/deadlines", data={"title": "Call the attorney", "due_on": "2026-07-03", "owner_id": outsider.id}
    )
    assert refused.status_code == 400 and "Not a valid choice" in refused.data.decode()
    client.post(
        f"/people/{pid}/deadlines",
        data={
            "title": "Call the attorney",
            "due_on": "2026-07-03",
            "due_time": "14:00",
            "owner_id": case_file.coordinator.id,
        },
    )
    page = client.get(f"/people/{pid}/deadlines").data.decode()
    assert "Call the attorney" in page and "2 days left" in page and "Carmen Coordinadora" in page
    from mexiles.people.models import CaseTask

    with client.application.app_context():
        task_id = db.session.scalar(select(CaseTask.id).where(CaseTask.source == "hand"))
    client.post(f"/people/{pid}/deadlines/{task_id}/done", data={"done": "1"})
    assert "<s>Call the attorney</s>" in client.get(f"/people/{pid}/deadlines").data.decode()
    client.post(f"/people/{pid}/deadlines/{task_id}/done", data={"done": "0"})
    assert "<strong>Call the attorney</strong>" in client.get(f"/people/{pid}/deadlines").data.decode()


def test_the_home_page_shows_overdue_and_next_seven_days_first(
    client, auth, make_user, make_person, case_file, time_machine
):
    _at(time_machine, dt.date(2026, 7, 28))
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    for title, due in (("Overdue call", "2026-07-20"), ("Soon call", "2026-08-03"), ("Later call", "2026-08-30")):
        client.post(f"/people/{pid}/deadlines", data={"title": title, "due_on": due})
    someone_else = make_person([make_user("coordinator").id], alias="Otra Persona", arrival_date=dt.date(2025, 8, 1))
    page = client.get("/").data.decode()
    agenda = page[page.index("Your case deadlines this week") : page.index('class="tiles"')]
    assert "Overdue call" in agenda and "Soon call" in agenda and "Asylum application (I-589)" in agenda
    assert "Later call" not in agenda and "Otra Persona" not in agenda and someone_else
    assert page.index("Your case deadlines this week") < page.index('class="tiles"')


def test_remind_sends_one_email_per_user_per_day(
    app, runner, client, auth, make_user, mailbox, case_file, time_machine
):
    _at(time_machine, dt.date(2026, 7, 25))  # 7 days before the I-589 deadline
    colleague = make_user("coordinator", locale="es", name="Diego Dos")
    with app.app_context():
        from mexiles.accounts.models import User

        person = case_file.people.get(case_file.person_id)
        case_file.people.set_team(
            person, [db.session.get(User, case_file.coordinator.id), db.session.get(User, colleague.id)], by=None
        )
    result = runner.invoke(args=["people", "remind"])
    assert result.exit_code == 0 and "Sent 2 reminders" in result.output, result.output
    assert runner.invoke(args=["people", "remind"]).output.strip() == "Sent 0 reminders."  # cron ran twice
    messages = mailbox.messages
    assert sorted(m["To"] for m in messages) == sorted([case_file.coordinator.email, colleague.email])
    spanish = next(m for m in messages if m["To"] == colleague.email)
    body = spanish.get_payload(decode=True).decode()
    assert "Solicitud de asilo (I-589)" in body and "La Maestra" in body and "Graciela" not in body
    _at(time_machine, dt.date(2026, 7, 26))
    assert "Sent 2 reminders" in runner.invoke(args=["people", "remind"]).output  # the next day, again


def test_remind_skips_days_without_anything_due(runner, case_file, time_machine, mailbox):
    _at(time_machine, dt.date(2026, 6, 1))  # 61 days before: no warning day
    assert "Sent 0 reminders" in runner.invoke(args=["people", "remind"]).output
    _at(time_machine, dt.date(2026, 7, 2))  # the 30-day warning
    assert "Sent 1 reminders" in runner.invoke(args=["people", "remind"]).output


def test_the_feed_parses_shows_aliases_only_and_resets(app, client, auth, case_file, time_machine):
    _at(time_machine, dt.date(2026, 7, 1))
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(
        f"/people/{pid}/immigration",
        data={"stage": "hearings", "court": "El Paso Immigration Court", "hearing_location": "700 E San Antonio Ave"},
    )
    client.post(
        f"/people/{pid}/immigration/dates", data={"kind": "hearing", "day": "2026-07-06", "time_of_day": "09:30"}
    )
    client.post(
        f"/people/{pid}/deadlines", data={"title": "Ask Graciela for the police report", "due_on": "2026-07-03"}
    )
    page = client.post("/people/deadlines/feed").data.decode()
    url = page[page.index("http://mexiles.test/people/deadlines/feed/") : page.index(".ics") + 4]
    client.post("/account/logout")
    response = client.get(url.replace("http://mexiles.test", ""))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(response.data)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {
        "Asylum application (I-589): one year from arrival — La Maestra",
        "Hearing — La Maestra",
        "Task — La Maestra",
    }
    hearing = events["Hearing — La Maestra"].decoded("dtstart")
    assert hearing.hour == 9 and hearing.minute == 30 and str(hearing.tzinfo) == "America/Denver"
    text = response.data.decode()
    # A reader that builds the zone from the file's VTIMEZONE (yearly rules) puts it at 15:30 UTC too.
    assert "RRULE:FREQ=YEARLY" in text and "RDATE" not in text
    read = {e.summary.value: e.dtstart.value for e in vobject.readOne(text).vevent_list}
    assert read["Hearing — La Maestra"].astimezone(dt.UTC) == dt.datetime(2026, 7, 6, 15, 30, tzinfo=dt.UTC)
    for secret in ("Graciela", "Montoya", "San Antonio", "El Paso Immigration", "police report"):
        assert secret not in text
    with app.app_context():
        seen = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case_feed.view")).all()
        assert [(e.subject_id, e.actor_id) for e in seen] == [(str(pid), case_file.coordinator.id)]
    auth.login(case_file.coordinator)
    client.post("/people/deadlines/feed")
    assert client.get(url.replace("http://mexiles.test", "")).status_code == 404  # the old address stops


def test_a_feed_stops_for_a_demoted_user(app, client, auth, case_file):
    auth.login(case_file.coordinator)
    page = client.post("/people/deadlines/feed").data.decode()
    path = page[page.index("/people/deadlines/feed/") : page.index(".ics") + 4]
    assert client.get(path).status_code == 200
    with app.app_context():
        from mexiles.accounts.models import User

        db.session.get(User, case_file.coordinator.id).active = False
        db.session.commit()
    assert client.get(path).status_code == 404
    assert client.get("/people/deadlines/feed/not-a-token.ics").status_code == 404


def test_today_is_the_organisations_day_not_utcs(client, auth, case_file, time_machine):
    # 11 pm in El Paso on the deadline day is already the next day in UTC: still due today, not missed.
    time_machine.move_to(dt.datetime(2026, 8, 2, 5, 0, tzinfo=dt.UTC), tick=False)
    auth.login(case_file.coordinator)
    assert "Due today" in _i589(client, case_file.person_id)


def test_the_feed_speaks_its_owners_language(app, client, auth, make_user, case_file):
    with app.app_context():
        from mexiles.accounts.models import User

        db.session.get(User, case_file.coordinator.id).locale = "es"
        db.session.commit()
    auth.login(case_file.coordinator)
    page = client.post("/people/deadlines/feed").data.decode()
    path = page[page.index("/people/deadlines/feed/") : page.index(".ics") + 4]
    client.post("/account/logout")
    cal = icalendar.Calendar.from_ical(client.get(path).data)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == [
        "Solicitud de asilo (I-589): un año desde la llegada — La Maestra"
    ]
    assert "plazos de los casos" in str(cal["x-wr-calname"])
