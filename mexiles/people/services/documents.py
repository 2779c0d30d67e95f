"""Documents in the case file: evidence, notices, reports, receipts. A file is judged by its content
(never its name), encrypted with the field keys before it reaches the store, read back only by the
case team and admins, and never deleted: withdrawn (hidden, kept) or, by an admin with a reason,
purged (the file leaves the store, the row stays as a tombstone). Every step is audited."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...access import Role
from ...audit import services as audit
from ...crypto import cipher
from ...extensions import db
from ...storage import StorageError, new_key, store
from ...timeutil import utcnow
from ..models import CaseDocument, Person
from ..vocabulary import DOCUMENT_FILE_TYPES, DOCUMENT_KINDS
from .common import SUBJECT, CaseFileRefused
from .records import may_see_full

DESCRIPTION_MAX = 200
FILENAME_MAX = 150
PURGE_REASON_MAX = 500
_TYPE_OF_MEDIA = {media: code for code, (_label, media, _ext) in DOCUMENT_FILE_TYPES.items()}


class DocumentRefused(CaseFileRefused):
    """A file the case file does not take (its type, its size), or a step the rules refuse."""


@dataclass
class DocumentFile:
    document: CaseDocument
    data: bytes
    media_type: str
    download_name: str


def max_bytes() -> int:
    return current_app.config["DOCUMENT_MAX_BYTES"]


def too_large_message() -> str:
    return str(
        _l(
            "The file is larger than %(size)s MB, the most the case file takes. Choose a smaller file "
            "(a scan at a lower resolution, or the pages that matter).",
            size=max_bytes() // (1024 * 1024),
        )
    )


# --- Judging a file ------------------------------------------------------------------------


def judge(data: bytes) -> str | None:
    """The file's type from its first bytes (its magic numbers), or None if not one the case file
    takes. A DOCX must also open as an Office Open XML package with a Word document inside."""
    guess = filetype.guess(data)
    found = _TYPE_OF_MEDIA.get(guess.mime) if guess else None
    if found == "docx" and not _is_word_package(data):
        return None
    return found


def _is_word_package(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return {"[Content_Types].xml", "word/document.xml"} <= names


def safe_filename(name: str | None) -> str:
    """The name as the uploader's computer gave it, without folders, control characters or quotes."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.replace('"', "'").split()).strip(" .")
    return name[:FILENAME_MAX] or str(_l("document"))


def download_name(document: CaseDocument) -> str:
    """The kept name with the extension of what the file really is (a PNG named .pdf downloads as .png)."""
    stem = PurePosixPath(document.filename or "").stem or str(_l("document"))
    return f"{stem}.{DOCUMENT_FILE_TYPES[document.file_type][2]}"


# --- Storing ---------------------------------------------------------------------------------


def store_document(person: Person, file, kind: str, *, on: dt.date, description: str, by) -> CaseDocument:
    """Keep ``file`` (an upload: ``.filename`` and ``.read``, as werkzeug's FileStorage) in the
    person's case file; returns the document. Refuses, storing nothing, a file too large, empty or
    of a type the case file does not take. Commits (with whatever the caller has pending)."""
    with filing(person, file, kind, on=on, description=description, by=by) as document:
        pass
    return document


@contextmanager
def filing(person: Person, file, kind: str, *, on: dt.date, description: str, by) -> Iterator[CaseDocument]:
    """``store_document`` within the caller's own change: the document is yielded (with its id) for
    the caller to point at, and committed at the end of the block together with the caller's work.
    If the block raises (a refusal of the caller's too), both are rolled back and the file leaves the
    store: neither stays without the other. A refused file raises before the block runs."""
    if not may_see_full(by, person):
        raise DocumentRefused(_l("Only the case team and admins add documents to a case file."))
    if kind not in DOCUMENT_KINDS:
        raise DocumentRefused(_l("Choose what kind of document this is."))
    description = " ".join((description or "").split())
    if not description:
        raise DocumentRefused(_l("Describe the document in a few words."))
    if len(description) > DESCRIPTION_MAX:
        raise DocumentRefused(_l("A description holds at most %(count)s characters.", count=DESCRIPTION_MAX))
    data = file.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise DocumentRefused(too_large_message())
    if not data:
        raise DocumentRefused(_l("The file is empty."))
    file_type = judge(data)
    if file_type is None:
        raise DocumentRefused(
            _l(
                "This file is not a PDF, a JPEG or PNG image, a HEIC photo or a Word document (DOCX), "
                "whatever its name says. Save it as one of those and upload it again."
            )
        )
    key = new_key()
    try:
        store().put(key, cipher().encrypt_bytes(data))
    except StorageError:
        current_app.logger.exception("document store: put failed")
        raise DocumentRefused(
            _l("The file could not be stored just now, and nothing was saved. Try again soon.")
        ) from None
    document = CaseDocument(
        person_id=person.id,
        kind=kind,
        dated_on=on,
        description=description,
        filename=safe_filename(file.filename),
        file_type=file_type,
        size_bytes=len(data),
        storage_key=key,
        uploaded_by_id=by.id,
    )
    try:
        db.session.add(document)
        db.session.flush()
        audit.record(
            "case_document.upload",
            SUBJECT,
            person.id,
            document=document.id,
            kind=kind,
            file_type=file_type,
            size=len(data),
        )
        yield document
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store().remove(key)  # the row was never written: its file must not outlive it
        raise


# --- Reading ---------------------------------------------------------------------------------


def shown_of(person: Person) -> list[CaseDocument]:
    """The documents in the file (not withdrawn), by their date, newest first."""
    found = db.session.scalars(
        select(CaseDocument).where(CaseDocument.person_id == person.id, CaseDocument.withdrawn_at.is_(None))
    )
    return sorted(found, key=lambda d: (d.dated_on, d.id), reverse=True)


def withdrawn_of(person: Person, viewer) -> list[CaseDocument]:
    """Withdrawn and purged documents, which admins alone see (to purge them, or to know who did)."""
    if not viewer.has_role(Role.ADMIN):
        return []
    return list(
        db.session.scalars(
            select(CaseDocument)
            .where(CaseDocument.person_id == person.id, CaseDocument.withdrawn_at.is_not(None))
            .order_by(CaseDocument.withdrawn_at.desc(), CaseDocument.id.desc())
        )
    )


def view_list(person: Person) -> None:
    audit.record("case_document.list", SUBJECT, person.id)
    db.session.commit()


def find(person: Person, document_id: int, viewer) -> CaseDocument | None:
    """A document of this person's file the viewer may reach: shown ones, and for admins withdrawn
    ones too; a purged one is nobody's to open."""
    document = db.session.scalar(
        select(CaseDocument).where(
            CaseDocument.id == document_id, CaseDocument.person_id == person.id, CaseDocument.purged_at.is_(None)
        )
    )
    if document is None or (document.withdrawn_at is not None and not viewer.has_role(Role.ADMIN)):
        return None
    return document


def open_file(person: Person, document_id: int, viewer) -> DocumentFile | None:
    """The file, decrypted, for download; the download is audited."""
    document = find(person, document_id, viewer)
    if document is None:
        return None
    try:
        token = store().get(document.storage_key)
    except StorageError:
        current_app.logger.exception("document store: get failed")
        raise DocumentRefused(_l("The file cannot be read just now. Try again soon.")) from None
    data = cipher().decrypt_bytes(token)
    audit.record("case_document.download", SUBJECT, person.id, document=document.id)
    db.session.commit()
    media_type = DOCUMENT_FILE_TYPES[document.file_type][1]
    return DocumentFile(document, data, media_type, download_name(document))


# --- Withdrawing and purging ---------------------------------------------------------------------


def withdraw(person: Person, document_id: int, by) -> CaseDocument:
    """Hide a document from the case file; it stays, encrypted, for admins to see or purge."""
    document = find(person, document_id, by)
    if document is None:
        raise DocumentRefused(_l("That document is not in this case file."))
    if document.withdrawn_at is not None:
        raise DocumentRefused(_l("This document was withdrawn already."))
    document.withdrawn_at, document.withdrawn_by_id = utcnow(), by.id
    audit.record("case_document.withdraw", SUBJECT, person.id, document=document.id)
    db.session.commit()
    return document


def purge(person: Person, document_id: int, reason: str, by) -> CaseDocument:
    """An admin removes the file itself from the store, saying why; the row stays as a tombstone
    (who, when, why), its name and description cleared. The file goes first: if the store cannot
    remove it, nothing changes, and a purge tried again finishes the work."""
    if not by.has_role(Role.ADMIN):
        raise DocumentRefused(_l("Only an admin may purge a document."))
    reason = (reason or "").strip()
    if not reason:
        raise DocumentRefused(_l("Say why the document is purged."))
    if len(reason) > PURGE_REASON_MAX:
        raise DocumentRefused(_l("A reason holds at most %(count)s characters.", count=PURGE_REASON_MAX))
    document = find(person, document_id, by)
    if document is None:
        raise DocumentRefused(_l("That document is not in this case file, or was purged already."))
    try:
        store().remove(document.storage_key)
    except StorageError:
        current_app.logger.exception("document store: remove failed")
        raise DocumentRefused(
            _l("The file could not be removed just now, and nothing changed. Try again soon.")
        ) from None
    now = utcnow()
    if document.withdrawn_at is None:
        document.withdrawn_at, document.withdrawn_by_id = now, by.id
    document.purged_at, document.purged_by_id, document.purge_reason = now, by.id, reason
    document.filename = document.description = None
    audit.record("case_document.purge", SUBJECT, person.id, document=document.id)
    db.session.commit()
    return document
