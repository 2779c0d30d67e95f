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
