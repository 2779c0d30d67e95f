from sqlalchemy import select

from mexiles.accounts.models import User
from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from tests.accounts.test_tokens import _link


def test_admin_invites_staff_who_set_their_password(app, client, auth, mailbox, make_user):
    admin = make_user("admin")
    auth.login(admin)
    response = client.post(
        "/account/staff",
        data={"email": "new.coordinator@example.org", "full_name": "Nueva", "locale": "es", "roles": ["coordinator"]},
    )
    assert response.status_code == 302
    [message] = mailbox.to("new.coordinator@example.org")
    assert "invitación" in message["Subject"]
    auth.logout()
    link = _link(message)
    assert (
        client.post(link, data={"password": "chosen passphrase 1", "confirm": "chosen passphrase 1"}).status_code == 302
    )
    assert client.get("/people/").status_code == 200  # signed in, as a coordinator


def test_invite_needs_a_role_and_a_new_address(client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin)
    response = client.post("/account/staff", data={"email": "x@example.org", "locale": "en"})
    assert b"Choose at least one role" in response.data
    response = client.post("/account/staff", data={"email": admin.email, "locale": "en", "roles": ["donor"]})
    assert b"already exists" in response.data


def test_admin_gives_and_takes_roles(app, client, auth, make_user):
    admin, other = make_user("admin"), make_user("donor")
    auth.login(admin)
    client.post(f"/account/staff/{other.id}", data={"roles": ["coordinator", "speaker"]})
    with app.app_context():
        assert db.session.get(User, other.id).roles == {"coordinator", "speaker"}
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.roles")).one()
        assert entry.details == {"added": ["coordinator", "speaker"], "removed": ["donor"]}


def test_admin_cannot_remove_their_own_admin_role(client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin)
    response = client.post(f"/account/staff/{admin.id}", data={"roles": ["coordinator"]})
    assert b"cannot take the admin role from yourself" in response.data


def test_deactivation_ends_the_session_at_once(app, make_user):
    admin, staff = make_user("admin"), make_user("coordinator")
    admin_client, staff_client = app.test_client(), app.test_client()
    admin_client.post("/account/login", data={"email": admin.email, "password": admin.password})
    staff_client.post("/account/login", data={"email": staff.email, "password": staff.password})
    assert staff_client.get("/people/").status_code == 200
    admin_client.post(f"/account/staff/{staff.id}/active", data={"active": "0"})
    assert staff_client.get("/people/").status_code == 302
    assert (
        staff_client.post("/account/login", data={"email": staff.email, "password": staff.password}).status_code == 200
    )


def test_staff_list_shows_everyone(client, auth, make_user):
    admin = make_user("admin")
    others = [make_user("speaker") for _ in range(3)]
    auth.login(admin)
    page = client.get("/account/staff").data.decode()
    assert all(o.email in page for o in others)


def test_cli_creates_an_admin(app, runner):
    result = runner.invoke(
        args=["users", "create", "Boss@Example.org", "--role", "admin", "--password", "a cli password 123"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert user.roles == {"admin"}
    result = runner.invoke(args=["users", "create", "boss@example.org", "--role", "admin", "--password", "x" * 12])
    assert result.exit_code != 0 and "already exists" in result.output


def test_cli_refuses_a_short_password(runner):
    result = runner.invoke(args=["users", "create", "short@example.org", "--role", "admin", "--password", "short"])
    assert result.exit_code != 0 and "12" in result.output
