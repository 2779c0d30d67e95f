"""The people domain's public API: the only names other domains use.

- records: who may see a person, finding and changing their record (every change and view audited);
- notes: the append-only case notes, pinned or superseded;
- documents: files in the case file, encrypted in the store, withdrawn or purged but never deleted
  (``store_document`` keeps one; ``filing`` keeps one within the caller's own change, in one
  commit: other domains file their receipts with it, kind "receipt");
- immigration: the asylum case beside the person, detention, hearings and ICE check-ins;
- deadlines: deadlines derived from the law and tasks made by hand, and the home agenda;
- reminders: the daily email of due and overdue tasks; feed: the private calendar of deadlines;
- timeline: a person's whole story, gathered from each domain's own "what happened for this person"
  (other domains return ``TimelineEntry`` items).
"""

from . import deadlines, documents, feed, immigration, notes, reminders, timeline
from .common import CaseFileRefused
from .deadlines import agenda
from .documents import DocumentRefused, filing, store_document
from .records import (
    FIELDS,
    PAGE_SIZE,
    PersonRow,
    SearchTooShort,
    create,
    export_rows,
    full_view_ids,
    get,
    get_many,
    listing,
    may_edit,
    may_see_full,
    reindex,
    search,
    set_team,
    update,
    view,
)
from .timeline import TimelineEntry

__all__ = [
    "FIELDS",
    "PAGE_SIZE",
    "CaseFileRefused",
    "DocumentRefused",
    "PersonRow",
    "SearchTooShort",
    "TimelineEntry",
    "agenda",
    "create",
    "deadlines",
    "documents",
    "export_rows",
    "feed",
    "filing",
    "full_view_ids",
    "get",
    "get_many",
    "immigration",
    "listing",
    "may_edit",
    "may_see_full",
    "notes",
    "reindex",
    "reminders",
    "search",
    "set_team",
    "store_document",
    "timeline",
    "update",
    "view",
]
