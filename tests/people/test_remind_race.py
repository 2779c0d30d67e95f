"""Two crons running ``flask people remind`` at the same moment still send one email per user."""

import datetime as dt
import threading

import pytest

from mexiles.extensions import db
from mexiles.people import services


@pytest.mark.committed
def test_two_reminder_runs_at_once_send_each_email_once(app, make_user, make_person, mailbox):
    users = [make_user("coordinator") for _ in range(3)]
    day = dt.date(2026, 7, 25)
    for user in users:
        make_person([user.id], alias=f"Alias {user.id}", arrival_date=dt.date(2025, 8, 1))  # I-589 in 7 days
    start = threading.Barrier(2, timeout=10)
    sent = []

    def run():
        with app.app_context():
            start.wait()
            try:
                sent.append(services.reminders.remind(day))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(sent) == 3
    assert sorted(m["To"] for m in mailbox.messages) == sorted(u.email for u in users)


@pytest.mark.committed
def test_two_corrections_of_one_note_at_once_keep_one(app, make_user, make_person):
    from sqlalchemy import select

    from mexiles.accounts.models import User
    from mexiles.people.models import CaseNote

    coordinator = make_user("coordinator")
    person_id = make_person([coordinator.id])
    with app.app_context():
        note_id = services.notes.add(
            services.get(person_id), "Hearing on the 3rd", by=db.session.get(User, coordinator.id)
        ).id
    start = threading.Barrier(2, timeout=10)
    results = []

    def correct(text):
        with app.app_context():
            person, by = services.get(person_id), db.session.get(User, coordinator.id)
            services.notes.find(person, note_id)
            start.wait()
            try:
                services.notes.correct(person, note_id, text, by=by)
                results.append("done")
            except services.CaseFileRefused as refusal:
                results.append(refusal.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=correct, args=(text,)) for text in ("On the 13th", "On the 23rd")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["This note was corrected already: correct the newer note instead.", "done"]
    with app.app_context():
        assert len(db.session.scalars(select(CaseNote).where(CaseNote.supersedes_id == note_id)).all()) == 1
