"""Two people taking a step on the same referral at the same moment: one wins, the other is told."""

import threading

import pytest
from sqlalchemy import select

from mexiles.accounts.models import User
from mexiles.care import services
from mexiles.care.models import Referral, ReferralEvent
from mexiles.extensions import db


@pytest.mark.committed
def test_the_counselor_and_the_coordinator_answer_at_once(app, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    both_loaded = threading.Barrier(2, timeout=10)
    results = {}

    def act(user_id, step, outcome=None):
        with app.app_context():
            user = db.session.get(User, user_id)
            access = services.find(user, referral_id)
            both_loaded.wait()
            try:
                services.move(access, step, by=user, outcome=outcome)
                results[step] = "done"
            except services.CareError as refusal:
                results[step] = str(refusal)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=act, args=(world.counselor.id, "accepted")),
        threading.Thread(
            target=act,
            args=(world.coordinator.id, "declined", services.Outcome(succeeded=False, failure_reason="no_capacity")),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    outcomes = sorted(results.values(), key=lambda result: result != "done")
    assert outcomes[0] == "done" and "at the same moment" in outcomes[1], results
    winner = next(step for step, result in results.items() if result == "done")
    with app.app_context():
        assert db.session.scalar(select(Referral.status).where(Referral.id == referral_id)) == winner
        steps = db.session.scalars(
            select(ReferralEvent.to_status).where(
                ReferralEvent.referral_id == referral_id, ReferralEvent.from_status == "sent"
            )
        ).all()
    assert steps == [winner]
