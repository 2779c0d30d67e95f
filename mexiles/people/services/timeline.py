"""A person's story, newest first: what happened for them in every domain that the viewer may see.

Each domain offers "what happened for this person" as a function ``(person_id, viewer, limit)``
returning ``TimelineEntry`` items, in a fixed number of queries however long the story; the people
views hold the list of those providers (``people/views/timeline_sources.py``), so that this module
imports no other domain. Past ``PAGE_SIZE`` entries the story is paged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...timeutil import org_zone, today
from ..models import CaseDate, CaseDocument, CaseNote, CaseTask, Detention, ImmigrationCase
from ..vocabulary import CASE_DATE_KINDS, DEADLINES, DECISIONS, DOCUMENT_KINDS, MILESTONES, PAROLE_DECISIONS, RELEASES

PAGE_SIZE = 50


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened: ``when`` is a naive-UTC moment or a calendar day; ``kind`` and
    ``text`` are already in the viewer's language; ``url`` leads to the record."""

    when: dt.datetime | dt.date
    kind: str
    text: str
    url: str | None = None
    struck: bool = False

    @property
    def sort_key(self) -> dt.datetime:
        if isinstance(self.when, dt.datetime):
            return self.when.replace(tzinfo=dt.UTC).astimezone(org_zone()).replace(tzinfo=None)
        return dt.datetime.combine(self.when, dt.time.min)

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, dt.datetime)


Provider = Callable[[int, object, int], list[TimelineEntry]]


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    page: int
    has_next: bool


def page_of(person, viewer, providers: Sequence[Provider], page: int = 1) -> TimelinePage:
    """One page of the story. Each provider gives at most as many entries as this page needs."""
    needed = page * PAGE_SIZE + 1
    entries = [entry for provider in providers for entry in provider(person.id, viewer, needed)]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    start = (page - 1) * PAGE_SIZE
    return TimelinePage(entries[start : start + PAGE_SIZE], page, len(entries) > start + PAGE_SIZE)


# --- What the people domain itself knows ---------------------------------------------------


def people_story(person_id: int, viewer, limit: int) -> list[TimelineEntry]:
    """Notes, deadlines met or missed, the milestones of the immigration case and the documents: six queries."""
    return (
        _notes(person_id, limit)
        + _deadlines(person_id, limit)
        + _milestones(person_id, limit)
        + _documents(person_id, limit)
    )


def _notes(person_id: int, limit: int) -> list[TimelineEntry]:
    notes = list(
        db.session.scalars(
            select(CaseNote).where(CaseNote.person_id == person_id).order_by(CaseNote.id.desc()).limit(limit)
        )
    )
    corrected = {n.supersedes_id for n in notes if n.supersedes_id}
    # A superseded note older than the page's corrections may sit past the limit: ask once more.
    rest = {n.id for n in notes} - corrected
    if rest:
        corrected |= set(db.session.scalars(select(CaseNote.supersedes_id).where(CaseNote.supersedes_id.in_(rest))))
    entries = []
    for note in notes:
        kind = _("Correction") if note.supersedes_id else _("Note")
        author = note.author.display_name if note.author else _("from the earlier record")
        entries.append(
            TimelineEntry(
                note.created_at,
                kind,
                f"{_short(note.body)} — {author}",
                url_for("people.note", person_id=person_id, note_id=note.id),
                struck=note.id in corrected,
            )
        )
    return entries


def _deadlines(person_id: int, limit: int) -> list[TimelineEntry]:
    """Deadlines met (on the day they were met) or missed (on the day they passed)."""
    # Due days are encrypted: the person's tasks are read whole (one query) and the limit applied after.
    on = today()
    tasks = [
        t
        for t in db.session.scalars(select(CaseTask).where(CaseTask.person_id == person_id))
        if t.done_on or t.due_on < on
    ]
    tasks = sorted(tasks, key=lambda t: t.done_on or t.due_on, reverse=True)[:limit]
    url = url_for("people.deadlines", person_id=person_id)
    entries = []
    for task in tasks:
        name = (task.title or "") if task.source == "hand" else str(DEADLINES[task.source])
        if task.done_on:
            entries.append(TimelineEntry(task.done_on, _("Deadline met"), name, url))
        else:
            entries.append(
                TimelineEntry(
                    task.due_on, _("Deadline missed") if task.source in ("i589", "appeal") else _("Overdue"), name, url
                )
            )
    return entries


def _milestones(person_id: int, limit: int) -> list[TimelineEntry]:
    url = url_for("people.immigration", person_id=person_id)
    entries = []
    case = db.session.get(ImmigrationCase, person_id)
    if case:
        for field, label in MILESTONES.items():
            day = getattr(case, field)
            if day:
                text = ""
                if field == "decision_on":
                    text = str(DECISIONS.get(case.decision or "", ""))
                elif field == "parole_decided_on" and case.parole_decision:
                    text = str(PAROLE_DECISIONS[case.parole_decision])
                entries.append(TimelineEntry(day, _("Immigration case"), f"{label}{': ' + text if text else ''}", url))
    for stay in db.session.scalars(
        select(Detention)
        .where(Detention.person_id == person_id)
        .order_by(Detention.from_on.desc().nulls_last())
        .limit(limit)
    ):
        if stay.from_on:
            entries.append(
                TimelineEntry(
                    stay.from_on, _("Detention"), _("Detained at %(facility)s", facility=stay.facility or "?"), url
                )
            )
        if stay.to_on:
            how = RELEASES.get(stay.released_how or "") or _("Left detention")
            entries.append(TimelineEntry(stay.to_on, _("Detention"), str(how), url))
    dates = [d for d in db.session.scalars(select(CaseDate).where(CaseDate.person_id == person_id)) if d.day <= today()]
    for date in sorted(dates, key=lambda d: d.day, reverse=True)[:limit]:
        entries.append(TimelineEntry(date.day, _("Immigration case"), str(CASE_DATE_KINDS[date.kind]), url))
    return entries


def _documents(person_id: int, limit: int) -> list[TimelineEntry]:
    """Documents on the day they bear (withdrawn ones are hidden); days are encrypted: sorted after reading."""
    documents = db.session.scalars(
        select(CaseDocument).where(CaseDocument.person_id == person_id, CaseDocument.withdrawn_at.is_(None))
    )
    url = url_for("people.documents", person_id=person_id)
    return [
        TimelineEntry(
            document.dated_on,
            _("Document"),
            f"{DOCUMENT_KINDS[document.kind]}: {_short(document.description or '')}",
            f"{url}#document-{document.id}",
        )
        for document in sorted(documents, key=lambda d: (d.dated_on, d.id), reverse=True)[:limit]
    ]


def _short(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"
