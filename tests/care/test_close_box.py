"""The close box says what the referral's appointments allow: nothing made, one not yet recorded,
every one missed."""

from mexiles.accounts.models import User
from mexiles.care import services
from mexiles.extensions import db

NONE_TOOK_PLACE = "No appointment took place"
NOT_RECORDED = "An appointment is not yet recorded as held or missed."
ALL_MISSED = "Every appointment was missed"


def _close_box(client, referral_id) -> str:
    page = client.get(f"/care/referrals/{referral_id}").data.decode()
    return page.split("Close the referral</h2>")[1].split("</section>")[0]


def test_the_close_box_follows_the_appointments(app, client, auth, world, make_referral):
    accepted = make_referral(world.person_id, world.provider_id, world.coordinator, status="accepted")
    scheduled = make_referral(world.person_id, world.provider_id, world.coordinator, status="intake_scheduled")
    auth.login(world.coordinator)
    box = _close_box(client, accepted)
    assert NONE_TOOK_PLACE in box and NOT_RECORDED not in box
    box = _close_box(client, scheduled)
    assert NOT_RECORDED in box and NONE_TOOK_PLACE not in box
    with app.app_context():
        user = db.session.get(User, world.coordinator.id)
        access = services.find(user, scheduled)
        services.record_attendance(access, access.referral.appointments[0].id, False, by=user)
    box = _close_box(client, scheduled)
    assert ALL_MISSED in box and NOT_RECORDED not in box and NONE_TOOK_PLACE not in box
    client.post("/language", data={"locale": "es"})
    assert "Se faltó a todas las citas" in client.get(f"/care/referrals/{scheduled}").data.decode()
