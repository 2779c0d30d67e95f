"""Identifying and sensitive fields are ciphertext in the database itself."""

from cryptography.fernet import Fernet
from sqlalchemy import text

from mexiles.extensions import db
from mexiles.people.models import Person

SECRETS = (
    "Graciela",
    "Montoya",
    "Maestra",
    "555 0199",
    "graciela@example.org",
    "Sunland",
    "Guerrero",
    "Cartel",
    "Pablo",
)


def _raw_rows(app) -> str:
    with app.app_context():
        dump = []
        for table in ("people", "household_members", "person_search_tokens"):
            dump += [repr(tuple(row)) for row in db.session.execute(text(f"SELECT * FROM {table}"))]
        return "\n".join(dump)


def test_raw_rows_hold_no_plaintext(app, client, auth, make_user):
    from tests.people.conftest import FULL_RECORD

    auth.login(make_user("coordinator"))
    assert client.post("/people/new", data=FULL_RECORD).status_code == 302
    raw = _raw_rows(app)
    assert "gAAAAA" in raw  # Fernet tokens
    leaked = [s for s in SECRETS if s.lower() in raw.lower()]
    assert leaked == []


def test_keys_rotate_without_losing_data(app, runner, add_person, make_user, monkeypatch):
    person_id = add_person([make_user("coordinator").id], phone="+1 915 555 0100")
    old_keys = app.config["FIELD_ENCRYPTION_KEYS"]
    new_key = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "FIELD_ENCRYPTION_KEYS", [new_key, *old_keys])
    from mexiles import crypto

    monkeypatch.setitem(
        app.extensions, "mexiles.field_cipher", crypto.FieldCipher([new_key, *old_keys], app.config["SEARCH_INDEX_KEY"])
    )
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    # Only the new key is needed now.
    monkeypatch.setitem(
        app.extensions, "mexiles.field_cipher", crypto.FieldCipher([new_key], app.config["SEARCH_INDEX_KEY"])
    )
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.legal_name == "Graciela Montoya Fuentes" and person.phone == "+1 915 555 0100"


def test_search_works_again_after_the_index_key_changes_and_a_reindex(
    app, runner, client, auth, make_user, add_person, monkeypatch
):
    from mexiles import crypto

    coordinator = make_user("coordinator")
    add_person([coordinator.id], legal_name="Reina Quintero", alias="La Reina")
    monkeypatch.setitem(
        app.extensions,
        "mexiles.field_cipher",
        crypto.FieldCipher(app.config["FIELD_ENCRYPTION_KEYS"], "a brand new search index key"),
    )
    auth.login(coordinator)
    assert "La Reina" not in client.post("/people/", data={"q": "Quintero"}).data.decode()
    result = runner.invoke(args=["people", "reindex"])
    assert result.exit_code == 0 and "Reindexed" in result.output, result.output
    assert "La Reina" in client.post("/people/", data={"q": "Quintero"}).data.decode()
