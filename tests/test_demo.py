from sqlalchemy import func, select

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.people.models import Person


def test_demo_seed_is_idempotent_and_makes_every_role(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org" in first.output and "demo-password" in first.output
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        roles = set().union(*(u.roles for u in db.session.scalars(select(User))))
        assert roles == {"admin", "coordinator", "counselor", "speaker", "donor"}
        assert db.session.scalar(select(func.count()).select_from(User)) >= 6
        assert db.session.scalar(select(func.count()).select_from(Person)) >= 5
