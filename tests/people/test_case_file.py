"""The case file through its pages: the timeline from every domain, notes, the immigration case,
and who may see any of it."""

import datetime as dt

import pytest
from sqlalchemy import select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.people.models import CaseNote


def _audit(app, action):
    with app.app_context():
        return [
            (e.subject_id, e.actor_id, e.details)
            for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        ]


def test_the_timeline_tells_the_story_from_every_domain(client, auth, case_file):
    case_file.referral()
    case_file.housing()
    case_file.talk()
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(f"/people/{pid}/notes", data={"body": "Called about the hearing"})
    client.post(
        f"/people/{pid}/immigration",
        data={"stage": "i589_filed", "i589_filed_on": "2026-01-10", "a_number": "A 123-456-789"},
    )
    client.post(
        f"/people/{pid}/immigration/detentions",
        data={
            "facility": "Otero County Processing Center",
            "from_on": "2025-08-02",
            "to_on": "2025-09-20",
            "released_how": "parole",
        },
    )
    page = client.get(f"/people/{pid}").data.decode()
    for text in (
        "Called about the hearing",
        "Carmen Coordinadora",  # a note and its author
        "Asylum application (I-589) filed",  # a milestone
        "Deadline met",  # the I-589, met by the filing
        "Detained at Otero County Processing Center",
        "Released on parole",
        "Referred to Clínica Esperanza",
        "Clínica Esperanza: Sent",  # counseling and its steps
        "Placed at Casa Prueba",  # housing
        "Voices from Guerrero",
    ):  # a talk they gave
        assert text in page, text
    assert "1 Calle Secreta" not in page  # a site's address never reaches the case file
    # Each entry links to its record.
    assert f'href="/people/{pid}/immigration"' in page and 'href="/care/referrals/' in page
    assert 'href="/housing/placements/' in page and 'href="/tours/manage/events/' in page


def test_the_newest_entry_comes_first(client, auth, case_file, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, 17, tzinfo=dt.UTC), tick=False)
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(f"/people/{pid}/notes", data={"body": "The older note"})
    time_machine.move_to(dt.datetime(2026, 3, 1, 17, 5, tzinfo=dt.UTC), tick=False)
    client.post(f"/people/{pid}/notes", data={"body": "The newer note"})
    page = client.get(f"/people/{pid}").data.decode()
    assert page.index("The newer note") < page.index("The older note")


@pytest.mark.parametrize("role", ["coordinator", "counselor", "speaker", "donor"])
def test_no_one_outside_the_case_team_sees_any_of_it(app, client, auth, make_user, case_file, role):
    pid = case_file.person_id
    with app.app_context():
        note = case_file.run(case_file.people.notes.add, "Sleeps at her cousin's")
        note_id = note.id
        case_file.run(case_file.people.deadlines.add_task, {"title": "Call Lic. Ramos", "due_on": dt.date(2026, 5, 1)})
        case_file.run(case_file.people.immigration.save_case, {"stage": "hearings", "attorney": "Lic. Ramos"})
        detention = case_file.run(
            case_file.people.immigration.save_detention,
            {"facility": "El Paso Processing Center", "from_on": dt.date(2025, 8, 2)},
        )
        task_id = case_file.people.deadlines.deadlines_of(case_file.people.get(pid))[0].task.id
    auth.login(make_user(role))
    urls = {
        "get": [
            f"/people/{pid}/notes/{note_id}",
            f"/people/{pid}/immigration",
            f"/people/{pid}/deadlines",
            f"/people/{pid}/immigration/detentions/{detention.id}",
        ],
        "post": [
            f"/people/{pid}/notes",
            f"/people/{pid}/notes/{note_id}/correct",
            f"/people/{pid}/notes/{note_id}/pin",
            f"/people/{pid}/immigration",
            f"/people/{pid}/immigration/detentions",
            f"/people/{pid}/immigration/dates",
            f"/people/{pid}/deadlines",
            f"/people/{pid}/deadlines/{task_id}/done",
        ],
    }
    for url in urls["get"]:
        assert client.get(url).status_code == 403, url
    for url in urls["post"]:
        assert client.post(url, data={"body": "x", "stage": "denied", "done": "1"}).status_code == 403, url
    page = client.get(f"/people/{pid}")
    if role == "coordinator":
        text = page.data.decode()
        assert "La Maestra" in text and "has a case file" in text
        for secret in ("Sleeps at her cousin", "Lic. Ramos", "El Paso Processing", "Graciela", "Timeline"):
            assert secret not in text, secret
    else:
        assert page.status_code == 403
    with app.app_context():  # nothing was changed by any of it
        assert [n.body for n in db.session.scalars(select(CaseNote))] == ["Sleeps at her cousin's"]


def test_the_case_page_runs_the_same_queries_for_5_and_500_entries(app, client, auth, case_file, count_queries):
    from mexiles.people.models import CaseNote, CaseTask
    from mexiles.people.views.timeline_sources import PROVIDERS

    # Five entries, one from each kind of record: a note, a referral, a bed asked for and given, a talk.
    pid = case_file.person_id
    with app.app_context():  # no arrival date: no I-589 deadline in this story
        case_file.people.update(case_file.people.get(pid), {"arrival_date": None}, [], by=None)
    case_file.referral(sent=False)
    case_file.housing()
    case_file.talk()
    auth.login(case_file.coordinator)

    def story_length() -> int:
        with app.test_request_context(), app.app_context():
            person = case_file.people.get(pid)
            pages = [case_file.people.timeline.page_of(person, None, PROVIDERS, page) for page in range(1, 12)]
            return sum(len(p.entries) for p in pages)

    def add_entries(notes, tasks):
        with app.app_context():
            for n in range(notes):
                db.session.add(CaseNote(person_id=pid, body=f"Note number {n}", author_id=case_file.coordinator.id))
            for n in range(tasks):
                db.session.add(
                    CaseTask(
                        person_id=pid,
                        source="hand",
                        title=f"Task {n}",
                        due_on=dt.date(2026, 1, 1),
                        done_on=dt.date(2026, 1, 2),
                    )
                )
            db.session.commit()

    add_entries(1, 0)
    assert story_length() == 5
    client.get(f"/people/{pid}")
    with count_queries() as few:
        assert client.get(f"/people/{pid}").status_code == 200
    add_entries(249, 246)
    assert story_length() == 500
    with count_queries() as many:
        page = client.get(f"/people/{pid}").data.decode()
    assert "Note number 248" in page and "Older" in page  # paged past 50 entries
    assert len(many) == len(few), "\n".join(many.statements)
    older = client.get(f"/people/{pid}?page=2").data.decode()
    assert "Note number 248" not in older and "Newer" in older


def test_a_correction_supersedes_a_note_that_stays_visible_struck(app, client, auth, case_file):
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(f"/people/{pid}/notes", data={"body": "Hearing moved to 3 March", "pinned": "y"})
    with app.app_context():
        old_id = db.session.scalar(select(CaseNote.id))
    response = client.post(f"/people/{pid}/notes/{old_id}/correct", data={"body": "Hearing moved to 13 March"})
    assert response.status_code == 302
    old = client.get(f"/people/{pid}/notes/{old_id}").data.decode()
    assert "<s>Hearing moved to 3 March</s>" in old and "Read the correction" in old
    assert "Correct this note" not in old  # the correction is corrected, not the old note again
    again = client.post(f"/people/{pid}/notes/{old_id}/correct", data={"body": "Other"}, follow_redirects=True)
    assert "was corrected already" in again.data.decode()
    page = client.get(f"/people/{pid}").data.decode()
    assert "<s>Hearing moved to 3 March" in page  # the timeline keeps it, struck
    pinned = page[page.index('id="notes"') : page.index('id="timeline"')]
    assert "Hearing moved to 13 March" in pinned and " 3 March" not in pinned  # the pin moved to the correction
    with app.app_context():
        assert [n.body for n in db.session.scalars(select(CaseNote).order_by(CaseNote.id))] == [
            "Hearing moved to 3 March",
            "Hearing moved to 13 March",
        ]
    assert (str(pid), case_file.coordinator.id, {"note": old_id}) in _audit(app, "case_note.view")


def test_pin_and_unpin_add_facts_and_change_no_note(app, client, auth, case_file):
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(f"/people/{pid}/notes", data={"body": "Allergic to penicillin"})
    with app.app_context():
        note_id = db.session.scalar(select(CaseNote.id))

    def pinned_part():
        page = client.get(f"/people/{pid}").data.decode()
        return page[page.index('id="notes"') : page.index("<form", page.index('id="notes"'))]

    assert "Allergic" not in pinned_part()
    client.post(f"/people/{pid}/notes/{note_id}/pin", data={"pinned": "1"})
    assert "Allergic" in pinned_part()
    client.post(f"/people/{pid}/notes/{note_id}/pin", data={"pinned": "0"})
    assert "Allergic" not in pinned_part()
    assert [a[2] for a in _audit(app, "case_note.pin")] == [{"note": note_id}]


def test_an_empty_note_is_refused_with_a_message(client, auth, case_file):
    auth.login(case_file.coordinator)
    page = client.post(f"/people/{case_file.person_id}/notes", data={"body": "  "}, follow_redirects=True)
    assert "Write the note first" in page.data.decode()


def test_the_immigration_case_is_audited_with_what_changed(app, client, auth, case_file):
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    form = {
        "stage": "removal_proceedings",
        "a_number": "A-987 654 321",
        "attorney": "Lic. Ana Ramos",
        "court": "El Paso Immigration Court",
        "hearing_location": "700 E San Antonio Ave",
    }
    assert client.post(f"/people/{pid}/immigration", data=form).status_code == 302
    client.post(f"/people/{pid}/immigration", data=dict(form, stage="hearings", attorney="Lic. Beto Ruiz"))
    page = client.get(f"/people/{pid}/immigration").data.decode()
    assert 'value="987654321"' in page and "Lic. Beto Ruiz" in page
    created, updated = _audit(app, "immigration.create")[0], _audit(app, "immigration.update")[0]
    assert created[2]["codes"] == {"stage": [None, "removal_proceedings"]}
    assert updated[2] == {"fields": ["stage", "attorney"], "codes": {"stage": ["removal_proceedings", "hearings"]}}
    assert (str(pid), case_file.coordinator.id, {}) in _audit(app, "immigration.view")


@pytest.mark.parametrize("a_number", ["1234567", "1234567890", "A12345678X"])
def test_an_a_number_has_8_or_9_digits(client, auth, case_file, a_number):
    auth.login(case_file.coordinator)
    response = client.post(
        f"/people/{case_file.person_id}/immigration", data={"stage": "arrived", "a_number": a_number}
    )
    assert response.status_code == 200 and "An A-number has 8 or 9 digits" in response.data.decode()


def test_a_decision_needs_its_date_and_bad_dates_get_messages(client, auth, case_file):
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    page = client.post(f"/people/{pid}/immigration", data={"stage": "denied", "decision": "denied"}).data.decode()
    assert "Give both the decision and its date" in page
    page = client.post(f"/people/{pid}/immigration", data={"stage": "x", "decision_on": "nonsense"}).data.decode()
    assert "Not a valid choice" in page and "Not a valid date" in page
    page = client.post(
        f"/people/{pid}/immigration/detentions",
        data={"facility": "Otero", "from_on": "2025-08-02", "to_on": "2025-08-01"},
    ).data.decode()
    assert "before the first day in detention" in page


def test_the_case_file_in_spanish(client, auth, make_user, case_file):
    auth.login(case_file.coordinator)
    client.post("/language", data={"locale": "es"})
    pid = case_file.person_id
    client.post(f"/people/{pid}/immigration", data={"stage": "hearings"})
    page = client.get(f"/people/{pid}").data.decode()
    assert "Plazos" in page and "Caso migratorio" in page and "Cronología" in page
    assert "Solicitud de asilo (I-589)" in client.get(f"/people/{pid}/deadlines").data.decode()


def test_the_demo_gives_three_people_a_full_case(app, runner, client, auth):
    from mexiles.people.services import deadlines

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        from mexiles.people.models import Person

        people = {p.alias: p for p in db.session.scalars(select(Person))}
        mari = {d.task.source: d for d in deadlines.deadlines_of(people["Mari"])}
        hector = {d.task.source: d for d in deadlines.deadlines_of(people["Héctor V."])}
        assert mari["i589"].days_left == 20 and mari["i589"].state == "warning"
        assert hector["appeal"].state == "warning" and hector["appeal"].days_left == 18
        tomas, maestro = people["Don Tomás"].id, people["El Maestro"].id
    from types import SimpleNamespace

    from mexiles.accounts.demo import PASSWORD

    auth.login(SimpleNamespace(email="coordinator2@example.org", password=PASSWORD))
    page = client.get(f"/people/{tomas}").data.decode()
    assert "Released on parole" in page and "Otero County Processing Center" in page and "<s>" in page
    client.post("/account/logout")
    auth.login(SimpleNamespace(email="admin@example.org", password=PASSWORD))
    assert 'href="/tours/manage/events/' in client.get(f"/people/{maestro}").data.decode()  # talks as El Cronista


def test_a_speaker_is_linked_to_their_case_file_by_their_case_team(app, client, auth, make_user, case_file):
    from mexiles.tours.models import SpeakerPerson

    case_file.talk()
    with app.app_context():
        speaker_id = db.session.scalar(select(SpeakerPerson.speaker_id))
    pid = case_file.person_id
    auth.login(case_file.coordinator)
    client.post(f"/tours/manage/speakers/{speaker_id}/person", data={"person_id": ""})  # unlinked
    assert "Voices from Guerrero" not in client.get(f"/people/{pid}").data.decode()
    client.post("/account/logout")
    auth.login(make_user("coordinator"))  # not on the case team: may not say who the speaker is
    refused = client.post(f"/tours/manage/speakers/{speaker_id}/person", data={"person_id": pid}, follow_redirects=True)
    assert "a person on your case team" in refused.data.decode()
    huge = client.post(f"/tours/manage/speakers/{speaker_id}/person", data={"person_id": 2**40}, follow_redirects=True)
    assert huge.status_code == 200 and "a person on your case team" in huge.data.decode()
    client.post("/account/logout")
    auth.login(case_file.coordinator)
    client.post(f"/tours/manage/speakers/{speaker_id}/person", data={"person_id": pid})
    assert "Voices from Guerrero" in client.get(f"/people/{pid}").data.decode()
    assert f'value="{pid}"' in client.get(f"/tours/manage/speakers/{speaker_id}").data.decode()


def test_admins_see_the_whole_case_file_of_any_person(app, client, auth, make_user, case_file):
    pid = case_file.person_id
    with app.app_context():
        note_id = case_file.run(case_file.people.notes.add, "Sleeps at her cousin's").id
        case_file.run(case_file.people.immigration.save_case, {"stage": "hearings", "attorney": "Lic. Ramos"})
    auth.login(make_user("admin"))
    assert "Sleeps at her cousin" in client.get(f"/people/{pid}/notes/{note_id}").data.decode()
    assert "Lic. Ramos" in client.get(f"/people/{pid}/immigration").data.decode()
    assert client.get(f"/people/{pid}/deadlines").status_code == 200
    assert "Sleeps at her cousin" in client.get(f"/people/{pid}").data.decode()


def test_a_detention_is_edited_when_the_person_is_released(app, client, auth, case_file):
    from mexiles.people.models import Detention

    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(
        f"/people/{pid}/immigration/detentions",
        data={"facility": "Otero County Processing Center", "from_on": "2025-08-02"},
    )
    with app.app_context():
        stay_id = db.session.scalar(select(Detention.id))
    assert "still detained" in client.get(f"/people/{pid}/immigration").data.decode()
    form = client.get(f"/people/{pid}/immigration/detentions/{stay_id}").data.decode()
    assert 'value="Otero County Processing Center"' in form
    refused = client.post(
        f"/people/{pid}/immigration/detentions/{stay_id}",
        data={"facility": "Otero County Processing Center", "from_on": "2025-08-02", "released_how": "parole"},
    )
    assert refused.status_code == 400 and "Give the date of release" in refused.data.decode()
    client.post(
        f"/people/{pid}/immigration/detentions/{stay_id}",
        data={
            "facility": "Otero County Processing Center",
            "from_on": "2025-08-02",
            "to_on": "2025-10-01",
            "released_how": "parole",
        },
    )
    assert "Released on parole" in client.get(f"/people/{pid}").data.decode()
    updated = _audit(app, "detention.update")[0][2]
    assert updated == {
        "detention": stay_id,
        "fields": ["to_on", "released_how"],
        "codes": {"released_how": [None, "parole"]},
    }
