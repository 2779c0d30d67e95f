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


def notes_of(person: Person, limit: int | None = None) -> list[NoteView]:
    """The person's notes, newest first, each with its pin and its correction: two queries."""
    query = select(CaseNote).where(CaseNote.person_id == person.id).order_by(CaseNote.id.desc())
    notes = list(db.session.scalars(query.limit(limit) if limit else query))
    pins = _pins(person.id)
    corrected = {n.supersedes_id: n for n in notes if n.supersedes_id}
    return [NoteView(n, pins.get(n.id, False) and n.id not in corrected, corrected.get(n.id)) for n in notes]


def pinned_of(person: Person) -> list[NoteView]:
    return [view for view in notes_of(person) if view.pinned]


def _pins(person_id: int) -> dict[int, bool]:
    """Whether each note is pinned: the latest pin fact about it decides."""
    rows = db.session.execute(select(CaseNotePin.note_id, CaseNotePin.pinned)
                              .join(CaseNote, CaseNote.id == CaseNotePin.note_id)
                              .where(CaseNote.person_id == person_id).order_by(CaseNotePin.id))
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
