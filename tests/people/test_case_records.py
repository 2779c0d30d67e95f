"""The case file in the database itself: notes append-only, ciphertext only, and the migration
that moved the old free-text notes."""

import datetime as dt
import os
import secrets

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from mexiles.extensions import db
from mexiles.people.models import CaseNote, CaseNotePin, CaseRecordImmutable
from tests.conftest import on_postgres


def _note(case_file, body="Prefers to be called after six"):
    return case_file.run(case_file.people.notes.add, body, pinned=True).id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_notes SET body = 'tampered'",
        "UPDATE case_notes SET supersedes_id = NULL",
        "DELETE FROM case_notes",
        "UPDATE case_note_pins SET pinned = false",
        "DELETE FROM case_note_pins",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_note(app, case_file, statement):
    _note(case_file)
    with app.app_context():
        with pytest.raises(DBAPIError, match="case notes cannot be changed or deleted"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalar(select(CaseNote)).body == "Prefers to be called after six"


def test_the_orm_refuses_too(app, case_file):
    note_id = _note(case_file)
    with app.app_context():
        note = db.session.get(CaseNote, note_id)
        note.body = "tampered"
        with pytest.raises(CaseRecordImmutable):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(CaseNotePin)))
        with pytest.raises(CaseRecordImmutable):
            db.session.flush()
        db.session.rollback()


def test_key_rotation_still_rewrites_the_notes_ciphertext(app, runner, case_file, monkeypatch):
    from cryptography.fernet import Fernet

    from mexiles import crypto

    note_id = _note(case_file)
    new_key = Fernet.generate_key().decode()
    keys = [new_key, *app.config["FIELD_ENCRYPTION_KEYS"]]
    monkeypatch.setitem(
        app.extensions, "mexiles.field_cipher", crypto.FieldCipher(keys, app.config["SEARCH_INDEX_KEY"])
    )
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    monkeypatch.setitem(
        app.extensions, "mexiles.field_cipher", crypto.FieldCipher([new_key], app.config["SEARCH_INDEX_KEY"])
    )
    with app.app_context():
        assert db.session.get(CaseNote, note_id).body == "Prefers to be called after six"
        assert db.session.execute(text("SELECT count(*) FROM key_rotations")).scalar() == 0
        with pytest.raises(DBAPIError, match="cannot be changed"):  # and the door is shut again
            db.session.execute(text("UPDATE case_notes SET body = 'x'"))
        db.session.rollback()


SECRETS = (
    "Prefers to be called",
    "987654321",
    "Ana Ramos",
    "Otero County",
    "El Paso Immigration",
    "Antonio Ave",
    "Call the consulate",
    "asylum in 2019",
    "2027-03-18",
)


def test_raw_rows_hold_no_plaintext_of_the_case_file(app, client, auth, case_file):
    auth.login(case_file.coordinator)
    pid = case_file.person_id
    client.post(f"/people/{pid}/notes", data={"body": "Prefers to be called after six"})
    client.post(
        f"/people/{pid}/immigration",
        data={
            "stage": "hearings",
            "a_number": "987654321",
            "attorney": "Lic. Ana Ramos",
            "court": "El Paso Immigration Court",
            "hearing_location": "700 E San Antonio Ave",
            "other_relief": "Brother got asylum in 2019",
        },
    )
    client.post(
        f"/people/{pid}/immigration/detentions",
        data={"facility": "Otero County Processing Center", "from_on": "2025-08-02"},
    )
    client.post(f"/people/{pid}/deadlines", data={"title": "Call the consulate", "due_on": "2026-09-01"})
    # A hearing's day, with the court, tells where the person will be: encrypted like the record's.
    client.post(f"/people/{pid}/immigration/dates", data={"kind": "hearing", "day": "2027-03-18"})
    with app.app_context():
        raw = "\n".join(
            repr(tuple(row))
            for table in (
                "case_notes",
                "immigration_cases",
                "immigration_detentions",
                "immigration_dates",
                "case_tasks",
                "audit_entries",
            )
            for row in db.session.execute(text(f"SELECT * FROM {table}"))
        )
    assert "gAAAAA" in raw
    assert [s for s in SECRETS if s.lower() in raw.lower()] == []


def cipher_of(app):
    from mexiles.crypto import cipher

    with app.app_context():
        return cipher()


# --- The migration -------------------------------------------------------------------------


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of its own, for running the migrations step by step."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    server = make_url(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"mexiles_migrate_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_migration_keeps_every_note_status_and_hearing(app, fresh_database):
    from mexiles import create_app
    from mexiles.crypto import cipher

    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": fresh_database,
            "FIELD_ENCRYPTION_KEYS": app.config["FIELD_ENCRYPTION_KEYS"],
            "SEARCH_INDEX_KEY": app.config["SEARCH_INDEX_KEY"],
        }
    )
    notes = {1: "Línea uno\nLínea dos: llamar después de las 6", 2: None, 3: "x" * 9000}
    # The suite's db.session is bound to the suite's own database: this test talks to its own engine.
    with other.app_context():
        upgrade(revision="0013_outbox")
        with db.engine.begin() as conn:
            for person_id, note in notes.items():
                conn.execute(
                    text(
                        "INSERT INTO people (id, legal_name, alias, language, in_hiding, consent_scopes, notes,"
                        " created_at, updated_at, case_status, hearing_date, arrival_date)"
                        " VALUES (:id, :name, :alias, 'es', false, '[]', :notes, :at, :at, :status, :hearing, :arrival)"
                    ),
                    {
                        "id": person_id,
                        "name": cipher().encrypt(f"Persona {person_id}"),
                        "alias": cipher().encrypt(f"Alias {person_id}"),
                        "notes": note and cipher().encrypt(note),
                        "at": dt.datetime(2025, 5, person_id, 12),
                        "status": cipher().encrypt(
                            ("hearing_scheduled", "in_detention", "credible_fear_passed")[person_id - 1]
                        ),
                        "hearing": cipher().encrypt("2027-01-15") if person_id == 1 else None,
                        "arrival": dt.date(2024, 2, 29) if person_id == 1 else None,
                    },
                )
                conn.execute(
                    text("INSERT INTO household_members (person_id, name, relationship) VALUES (:id, :name, 'child')"),
                    {"id": person_id, "name": cipher().encrypt("Hijo")},
                )
        upgrade(revision="0014_case_file")
        with db.engine.connect() as conn:
            moved = conn.execute(
                select(CaseNote.person_id, CaseNote.body, CaseNote.author_id, CaseNote.created_at).order_by(
                    CaseNote.person_id
                )
            ).all()
            # Dropping the column left the rest of the record, and what hangs from it, as it was.
            members = conn.execute(text("SELECT count(*) FROM household_members")).scalar()
            stages = conn.execute(text("SELECT person_id, stage FROM immigration_cases ORDER BY person_id")).all()
            detained = conn.execute(text("SELECT person_id FROM immigration_detentions")).scalars().all()
            dates = conn.execute(text("SELECT person_id, kind, day FROM immigration_dates")).all()
            tasks = conn.execute(text("SELECT person_id, source, due_on FROM case_tasks ORDER BY source")).all()
        db.engine.dispose()
    assert stages == [(1, "hearings"), (2, "arrived"), (3, "credible_fear_passed")] and detained == [2]
    assert [(p, k, cipher_of(app).decrypt(day)) for p, k, day in dates] == [(1, "hearing", "2027-01-15")]
    assert [(p, s, cipher_of(app).decrypt(due)) for p, s, due in tasks] == [
        (1, "hearing", "2027-01-15"),
        (1, "i589", "2025-02-28"),
    ]
    assert moved == [(1, notes[1], None, dt.datetime(2025, 5, 1, 12)), (3, notes[3], None, dt.datetime(2025, 5, 3, 12))]
    assert members == 3
