"""A staff visit to the home page writes one audit entry, naming every record its lists showed."""

from sqlalchemy import func, select

from mexiles.accounts.demo import PASSWORD
from mexiles.audit.models import AuditEntry
from mexiles.extensions import db


def test_one_visit_to_the_home_page_is_one_entry_naming_what_it_showed(app, client, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    client.post("/account/login", data={"email": "coordinator@example.org", "password": PASSWORD})
    with app.app_context():
        before = db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))
    page = client.get("/").data.decode()
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert (entry.action, entry.subject_type, entry.subject_id) == ("home.view", "page", "home")
    shown = entry.details["shown"]
    assert shown["person"] and shown["referral"]  # the agenda's cases and the referrals that need attention
    for referral in shown["referral"]:
        assert f"/care/referrals/{referral}" in page
