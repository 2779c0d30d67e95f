"""Protection at rest for identifying and sensitive fields.

Values are encrypted with MultiFernet (AES-128-CBC + HMAC-SHA256), so keys can rotate: new data is
written with the first key in FIELD_ENCRYPTION_KEYS and every listed key still decrypts. Because
ciphertext cannot be searched, a field that must be found by part of its text also gets a *blind
index*: keyed hashes (HMAC-SHA256 with SEARCH_INDEX_KEY) of its normalised trigrams. The database
holds neither the text nor the trigrams; a query is hashed the same way and candidates are
confirmed by decrypting them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import unicodedata

import click
from cryptography.fernet import Fernet, MultiFernet
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Text, delete, select, type_coerce, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from . import storage
from .extensions import Model, db

MIN_SEARCH_LENGTH = 3
_EXTENSION_KEY = "mexiles.field_cipher"


class FieldCipher:
    def __init__(self, keys: list[str], index_key: str):
        if not keys:
            raise RuntimeError("FIELD_ENCRYPTION_KEYS holds no key")
        self.fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        self.index_key = index_key.encode()

    def encrypt(self, text: str) -> str:
        return self.fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self.fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        return self.fernet.rotate(token.encode()).decode()

    # Files (case documents) are encrypted the same way, as bytes: the same keys, the same rotation.
    def encrypt_bytes(self, data: bytes) -> bytes:
        return self.fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        return self.fernet.decrypt(token)

    def rotate_bytes(self, token: bytes) -> bytes:
        return self.fernet.rotate(token)

    def blind_tokens(self, field: str, text: str) -> set[str]:
        return {self._hash(field, gram) for gram in trigrams(normalise(text))}

    def digest(self, field: str, text: str) -> str:
        """A keyed hash that names a value (an email address in a job key) without revealing it."""
        return self._hash(field, text)

    def _hash(self, field: str, gram: str) -> str:
        return hmac.new(self.index_key, f"{field}:{gram}".encode(), hashlib.sha256).hexdigest()[:32]


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = FieldCipher(app.config["FIELD_ENCRYPTION_KEYS"], app.config["SEARCH_INDEX_KEY"])
    app.cli.add_command(keys_cli)


def cipher() -> FieldCipher:
    return current_app.extensions[_EXTENSION_KEY]


def normalise(text: str) -> str:
    """Case-, accent- and spacing-insensitive form: "María  LÓPEZ" -> "maria lopez"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    kept = "".join(ch if ch.isalnum() else " " for ch in plain)
    return " ".join(kept.split())


def trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


class EncryptedString(TypeDecorator):
    """Text stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return None
        return cipher().encrypt(self.to_text(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.from_text(cipher().decrypt(value))

    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, text: str):
        return text


class EncryptedDate(EncryptedString):
    cache_ok = True

    def to_text(self, value: dt.date) -> str:
        return value.isoformat()

    def from_text(self, text: str) -> dt.date:
        return dt.date.fromisoformat(text)


class EncryptedJSON(EncryptedString):
    """A JSON document stored as one Fernet token (a Stripe event, which names the payer; a job)."""

    cache_ok = True

    def to_text(self, value) -> str:
        return json.dumps(value, separators=(",", ":"))

    def from_text(self, text: str):
        return json.loads(text)


class KeyRotation(Model):
    """A row here only while ``flask keys rotate`` runs, inside its transaction: the one time the
    append-only tables (case notes) let their ciphertext, and nothing else, be rewritten."""

    __tablename__ = "key_rotations"

    id: Mapped[int] = mapped_column(primary_key=True)


class EncryptedTime(EncryptedString):
    cache_ok = True

    def to_text(self, value: dt.time) -> str:
        return value.isoformat()

    def from_text(self, text: str) -> dt.time:
        return dt.time.fromisoformat(text)


keys_cli = AppGroup("keys", help="Manage the field-encryption keys.")


@keys_cli.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every protected field and every stored file with the newest key (the first in
    FIELD_ENCRYPTION_KEYS)."""
    field_cipher = cipher()
    rotated = 0
    db.session.add(KeyRotation())
    db.session.flush()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedString)]
        if not columns:
            continue
        pk = list(table.primary_key.columns)
        raw = [type_coerce(c, Text).label(c.name) for c in columns]
        for row in db.session.execute(select(*pk, *raw)).mappings():
            values = {
                c.name: type_coerce(field_cipher.rotate(row[c.name]), Text) for c in columns if row[c.name] is not None
            }
            if values:
                db.session.execute(update(table).where(*[k == row[k.name] for k in pk]).values(values))
                rotated += 1
    db.session.execute(delete(KeyRotation))
    db.session.commit()
    click.echo(f"Re-encrypted {rotated} rows with the newest key.")
    # Each file is rewritten whole in its place (a blob is never half-written), so a rotation cut
    # short leaves every file readable with the keys listed, and running it again finishes it.
    files = storage.store()
    count = 0
    for key in files.keys():
        files.put(key, field_cipher.rotate_bytes(files.get(key)))
        count += 1
    click.echo(f"Re-encrypted {count} files with the newest key.")
