"""Case notes: append-only and encrypted. A note is corrected by a new note that supersedes it,
and pinned or unpinned by a new pin fact; no note row is ever changed or deleted."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...audit import services as audit
from ...extensions import db
from ..models import CaseNote, CaseNotePin, Person
from .common import SUBJECT, CaseFileRefused

MAX_LENGTH = 10_000


@dataclass
class NoteView:
    note: CaseNote
    pinned: bool
    superseded_by: CaseNote | None

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None


def pinned_of(person: Person) -> list[NoteView]:
    """The pinned notes, newest first, reading only those (two queries)."""
    pinned = [note_id for note_id, is_pinned in _pins(person.id).items() if is_pinned]
    if not pinned:
        return []
    corrected = select(CaseNote.supersedes_id).where(CaseNote.supersedes_id.is_not(None))
    notes = db.session.scalars(
        select(CaseNote).where(CaseNote.id.in_(pinned), CaseNote.id.not_in(corrected)).order_by(CaseNote.id.desc())
    )
    return [NoteView(note, True, None) for note in notes]


def _pins(person_id: int) -> dict[int, bool]:
    """Whether each note is pinned: the latest pin fact about it decides."""
    rows = db.session.execute(
        select(CaseNotePin.note_id, CaseNotePin.pinned)
        .join(CaseNote, CaseNote.id == CaseNotePin.note_id)
        .where(CaseNote.person_id == person_id)
        .order_by(CaseNotePin.id)
    )
    return dict(rows.all())


def find(person: Person, note_id: int) -> NoteView | None:
    note = db.session.scalar(select(CaseNote).where(CaseNote.id == note_id, CaseNote.person_id == person.id))
    if note is None:
        return None
    correction = db.session.scalar(select(CaseNote).where(CaseNote.supersedes_id == note.id))
    return NoteView(note, _pins(person.id).get(note.id, False) and correction is None, correction)


def view(person: Person, note_id: int) -> NoteView | None:
    """One note, for its own page; the view is audited."""
    found = find(person, note_id)
    if found:
        audit.record("case_note.view", SUBJECT, person.id, note=note_id)
        db.session.commit()
    return found


def add(person: Person, body: str, by, pinned: bool = False) -> CaseNote:
    note = _insert(person, body, by)
    if pinned:
        db.session.add(CaseNotePin(note_id=note.id, pinned=True, by_id=by.id))
    audit.record("case_note.create", SUBJECT, person.id, note=note.id, pinned=pinned)
    db.session.commit()
    return note


def correct(person: Person, note_id: int, body: str, by) -> CaseNote:
    """A new note that supersedes the old one; a pinned note's correction stays pinned."""
    old = find(person, note_id)
    if old is None:
        raise CaseFileRefused(_l("That note is not in this case file."))
    if old.superseded:
        raise CaseFileRefused(_l("This note was corrected already: correct the newer note instead."))
    try:
        note = _insert(person, body, by, supersedes_id=old.note.id)
    except IntegrityError:
        # Someone corrected it at the same moment: theirs stands, this one is refused.
        db.session.rollback()
        raise CaseFileRefused(_l("This note was corrected already: correct the newer note instead.")) from None
    if old.pinned:
        db.session.add(CaseNotePin(note_id=note.id, pinned=True, by_id=by.id))
    audit.record("case_note.correct", SUBJECT, person.id, note=note.id, supersedes=old.note.id)
    db.session.commit()
    return note


def set_pin(person: Person, note_id: int, pinned: bool, by) -> None:
    found = find(person, note_id)
    if found is None:
        raise CaseFileRefused(_l("That note is not in this case file."))
    if found.superseded:
        raise CaseFileRefused(_l("A corrected note cannot be pinned; pin its correction."))
    if found.pinned != pinned:
        db.session.add(CaseNotePin(note_id=note_id, pinned=pinned, by_id=by.id))
        audit.record("case_note.pin" if pinned else "case_note.unpin", SUBJECT, person.id, note=note_id)
    db.session.commit()


def _insert(person: Person, body: str, by, supersedes_id: int | None = None) -> CaseNote:
    body = (body or "").strip()
    if not body:
        raise CaseFileRefused(_l("Write the note first."))
    if len(body) > MAX_LENGTH:
        raise CaseFileRefused(_l("A note holds at most %(count)s characters.", count=MAX_LENGTH))
    note = CaseNote(person_id=person.id, body=body, author_id=by.id, supersedes_id=supersedes_id)
    with db.session.begin_nested():
        db.session.add(note)
    return note
