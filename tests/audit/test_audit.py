import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from mexiles.audit.models import AuditEntry, AuditEntryImmutable
from mexiles.extensions import db
from tests.conftest import on_postgres
from tests.people.conftest import FULL_RECORD, add_person  # noqa: F401 (fixture)


def _entries(app, **where):
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEntry, key) == value)
        return [(e.action, e.subject_id, e.actor_id, e.ip_address, e.details) for e in db.session.scalars(query)]


def test_views_changes_and_exports_of_a_person_are_recorded(app, client, auth, make_user):
    coordinator = make_user("coordinator")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    auth.login(coordinator)
    person_id = client.post("/people/new", data=FULL_RECORD).headers["Location"].split("/")[-1]
    client.get(f"/people/{person_id}")
    client.post(f"/people/{person_id}/edit", data=dict(FULL_RECORD, current_city="Changed"))
    client.get("/people/export.csv")
    entries = _entries(app, subject_type="person")
    actions = [e[0] for e in entries]
    assert actions[:2] == ["person.create", "person.view"]
    assert "person.update" in actions and "people.export" in actions
    create, view = entries[0], entries[1]
    assert create[1] == person_id and create[2] == coordinator.id and create[3] == "203.0.113.9"
    assert view[4] == {"level": "full"}
    update_entry = next(e for e in entries if e[0] == "person.update")
    assert update_entry[4] == {"fields": ["current_city"]}  # field names, never the values
    export = next(e for e in entries if e[0] == "people.export")
    assert export[1] == person_id


def test_an_alias_only_view_is_recorded_too(app, client, auth, make_user, add_person):  # noqa: F811
    person_id = add_person([make_user("coordinator").id])
    other = make_user("coordinator")
    auth.login(other)
    client.get(f"/people/{person_id}")
    assert ("person.view", str(person_id), other.id) in [e[:3] for e in _entries(app, action="person.view")]


def test_the_orm_refuses_to_change_or_delete_entries(app):
    with app.app_context():
        entry = AuditEntry(action="test", subject_type="test")
        db.session.add(entry)
        db.session.commit()
        entry.action = "tampered"
        with pytest.raises(AuditEntryImmutable):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(AuditEntryImmutable):
            db.session.commit()


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'tampered'", "DELETE FROM audit_entries"])
def test_the_database_refuses_to_change_or_delete_entries(app, owner_engine, statement):
    if on_postgres():  # as the owner: the app's role may not even try (see below)
        with owner_engine.connect() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_entries (occurred_at, action, subject_type, details) "
                    "VALUES (now(), 'test', 'test', '{}')"
                )
            )
            with pytest.raises(DBAPIError, match="cannot be changed or deleted"):
                conn.execute(text(statement))
            conn.rollback()
        return
    with app.app_context():
        db.session.add(AuditEntry(action="test", subject_type="test"))
        db.session.commit()
        with pytest.raises(DBAPIError, match="cannot be changed or deleted"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalars(select(AuditEntry.action)).all()[-1] == "test"


def test_admins_browse_and_filter_the_trail(app, client, auth, make_user, add_person):  # noqa: F811
    coordinator = make_user("coordinator")
    person_id = add_person([coordinator.id])
    auth.login(coordinator)
    client.get(f"/people/{person_id}")
    client.post("/account/logout")
    admin = make_user("admin")
    auth.login(admin)
    page = client.get("/audit/", query_string={"action": "person.view", "actor": coordinator.id}).data.decode()
    assert "person.view" in page and coordinator.email in page and f"#{person_id}" in page
    page = client.get("/audit/", query_string={"action": "person.view", "actor": admin.id}).data.decode()
    assert "No entries match" in page
    bad = client.get("/audit/", query_string={"since": "2026-12-01", "until": "2026-11-01"}).data.decode()
    assert "The end date is before the start date" in bad


def test_the_app_offers_no_way_to_edit_entries(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}


def test_opening_the_edit_form_is_a_view(app, client, auth, make_user, add_person):  # noqa: F811
    coordinator = make_user("coordinator")
    person_id = add_person([coordinator.id])
    auth.login(coordinator)
    client.get(f"/people/{person_id}/edit")
    assert [e[:3] for e in _entries(app, action="person.view")] == [("person.view", str(person_id), coordinator.id)]


def test_who_saw_a_record_includes_lists_and_searches(app, client, auth, make_user, add_person):  # noqa: F811
    coordinator = make_user("coordinator")
    person_id = add_person([coordinator.id])
    auth.login(coordinator)
    client.get("/people/")
    client.post("/people/", data={"q": "Maestra"})
    seen = [e[0] for e in _entries(app, subject_id=str(person_id)) if e[2] == coordinator.id]
    assert "people.list" in seen and "people.search" in seen


def test_no_protected_value_reaches_the_audit_trail(app, client, auth, make_user):
    auth.login(make_user("coordinator"))
    person_id = client.post("/people/new", data=FULL_RECORD).headers["Location"].split("/")[-1]
    client.post(f"/people/{person_id}/edit", data=dict(FULL_RECORD, current_city="Secret new city"))
    client.post(f"/people/{person_id}/notes", data={"body": "Secret new note"})
    client.post(
        f"/people/{person_id}/immigration",
        data={"stage": "arrived", "a_number": "123456789", "attorney": "Secret Attorney"},
    )
    client.post("/people/", data={"q": "Montoya"})
    with app.app_context():
        dump = " ".join(repr(tuple(r)) for r in db.session.execute(text("SELECT * FROM audit_entries")))
    for secret in (
        "Graciela",
        "Montoya",
        "Maestra",
        "Secret new city",
        "Secret new note",
        "123456789",
        "Secret Attorney",
        "555 0199",
    ):
        assert secret not in dump


@pytest.mark.postgres
def test_postgres_refuses_to_truncate_the_trail_even_to_its_owner(owner_engine):
    with owner_engine.connect() as conn:
        with pytest.raises(DBAPIError, match="cannot be changed or deleted"):
            conn.execute(text("TRUNCATE audit_entries"))


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET action = 'x'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries",
        "DROP TRIGGER audit_entries_append_only ON audit_entries",
        "DROP TRIGGER audit_entries_no_truncate ON audit_entries",
        "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
        "DROP FUNCTION audit_entries_append_only() CASCADE",
    ],
)
def test_the_app_role_cannot_change_the_trail_nor_its_triggers(app, statement):
    """The app runs as the README's role: the database, not only the triggers, refuses it."""
    with app.app_context():
        with db.engine.connect() as conn:
            with pytest.raises(DBAPIError) as refused:
                conn.execute(text(statement))
    assert refused.value.orig.sqlstate == "42501", refused.value  # insufficient_privilege


@pytest.mark.postgres
def test_the_app_role_reads_and_appends_to_the_trail(app):
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar().startswith("mexiles_app_")
            conn.execute(
                text(
                    "INSERT INTO audit_entries (occurred_at, action, subject_type, details) "
                    "VALUES (now(), 'test.append', 'test', '{}')"
                )
            )
            assert conn.execute(text("SELECT count(*) FROM audit_entries WHERE action = 'test.append'")).scalar() == 1
            conn.rollback()


def test_grant_app_role_refuses_what_it_cannot_do(runner):
    result = runner.invoke(args=["db", "grant-app-role", 'app"; DROP TABLE audit_entries; --'])
    assert result.exit_code != 0
    if not on_postgres():
        assert "PostgreSQL only" in result.output
    else:
        assert "not a plain role name" in result.output
