"""The audit walk: no page shows a protected value without an audit entry for its record.

Every encrypted field of the demo data is replaced by a marker of its own; every GET route is then
fetched as every demo account, with real record numbers. Whenever a marker appears in a page, the
request must have written an audit entry naming the record the marker belongs to (or the record
it belongs under: a household member's person, a refund's gift), or naming a record that names it
(a placement names its person: "who saw this person" follows it). A route added later is covered
without editing this file.

Not counted: what a person chose to publish (a listed donor's name, a speaker's name shown by their
choice), one's own name, and colleagues' names shown as who did what (staff names count on the
staff pages, where the staff are the subject).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest
from sqlalchemy import func, inspect, select, update

from mexiles.access import PUBLIC, SIGNED_IN
from mexiles.accounts.demo import ACCOUNTS, PASSWORD
from mexiles.audit.models import AuditEntry
from mexiles.crypto import EncryptedDate, EncryptedJSON, EncryptedString, EncryptedTime, KeyRotation
from mexiles.extensions import db
from mexiles.people.models import APPEND_ONLY
from tests.tours.conftest import coordinator, feed_url, frozen, make_event, make_speaker  # noqa: F401 (fixtures)

# table -> (audit subject type, the column naming the record it belongs under, or None for itself)
SUBJECTS = {
    "users": ("user", None),
    "people": ("person", None),
    "household_members": ("person", "person_id"),
    "care_referrals": ("referral", None),
    "housing_sites": ("housing_site", None),
    "housing_requests": ("housing_request", None),
    "giving_donors": ("donor", None),
    "giving_gifts": ("gift", None),
    "giving_recurring_gifts": ("recurring_gift", None),
    "giving_refunds": ("gift", "gift_id"),
    "giving_appeals": ("appeal", None),
    "tour_speakers": ("tour_speaker", None),
    "tour_unavailability": ("tour_speaker", "speaker_id"),
    "tour_booking_requests": ("tour_booking_request", None),
    "tour_time_proposals": ("tour_booking_request", "request_id"),
    "tour_events": ("tour_event", None),
    "tour_event_steps": ("tour_event", "event_id"),
    "tour_conflict_overrides": ("tour_event", "event_id"),
    "jobs": ("job", None),
    "case_notes": ("person", "person_id"),
    "immigration_cases": ("person", "person_id"),
    "immigration_detentions": ("person", "person_id"),
    "case_tasks": ("person", "person_id"),
    "case_documents": ("person", "person_id"),
    "assistance_requests": ("assistance_request", None),
}
# Records without protected fields of their own whose audit entries name the records they show.
NAMING = {"housing_placements": ("housing_placement", None)}
# Codes from a vocabulary, encrypted because they say much about a person, but shown through their
# labels: a marker there would only break the page. Their records carry markers in other fields.
CODED = {("people", "case_status"), ("people", "state_of_origin")}
# Where a route's record numbers come from (the first part of the path tells same-named ones apart).
ARGUMENT_TABLES = {
    "user_id": "users",
    "person_id": "people",
    "gift_id": "giving_gifts",
    "fund_id": "giving_funds",
    "campaign_id": "giving_campaigns",
    "donor_id": "giving_donors",
    "into_id": "giving_donors",
    "appeal_id": "giving_appeals",
    "referral_id": "care_referrals",
    "provider_id": "care_providers",
    "site_id": "housing_sites",
    "placement_id": "housing_placements",
    "event_id": "tour_events",
    "speaker_id": "tour_speakers",
    "note_id": "case_notes",
    "detention_id": "immigration_detentions",
    "document_id": "case_documents",
    "job_id": "jobs",
    ("housing", "request_id"): "housing_requests",
    ("tours", "request_id"): "tour_booking_requests",
    ("assistance", "request_id"): "assistance_requests",
}
# Record numbers some pages take from their query string (to start a form from a record).
QUERY_TABLES = {
    "person": "people",
    "provider": "care_providers",
    ("housing", "request"): "housing_requests",
    ("tours", "request"): "tour_booking_requests",
}
IDS_PER_ARGUMENT = 3
MARKER = re.compile(r"Mk\d{5}q")
STAFF_PAGES = "/account/staff"


def _published(table: str, row, column: str) -> bool:
    return (
        (table, column) == ("giving_donors", "name")
        and row.listed
        or (table, column) == ("tour_speakers", "legal_name")
        and row.name_choice != "alias"
    )


def _models_by_table():
    return {mapper.local_table.name: mapper.class_ for mapper in db.Model.registry.mappers}


def _plant_markers() -> dict[str, tuple[str, str]]:
    """Every filled encrypted text field of every row gets a marker; returns marker -> (subject type, id)."""
    owners, serial = {}, 0
    # Append-only tables (case notes) let their ciphertext be rewritten only during a key rotation.
    rotation = KeyRotation()
    db.session.add(rotation)
    db.session.flush()
    for table, model in _models_by_table().items():
        columns = [
            c
            for c in model.__table__.columns
            if isinstance(c.type, EncryptedString)
            and not isinstance(c.type, (EncryptedDate, EncryptedTime, EncryptedJSON))
            and (table, c.name) not in CODED
        ]
        if not columns:
            continue
        assert table in SUBJECTS, f"{table} holds encrypted fields: say which record they are audited under"
        subject_type, parent = SUBJECTS[table]
        for row in db.session.scalars(select(model)):
            for column in columns:
                key = inspect(model).get_property_by_column(column).key
                if getattr(row, key) is None:  # an empty field stays empty: the rules may depend on it
                    continue
                serial += 1
                marker = f"Mk{serial:05d}q"
                if isinstance(row, APPEND_ONLY):  # past the ORM's guard, as `flask keys rotate` writes
                    db.session.execute(
                        update(model.__table__).where(model.__table__.c.id == row.id).values({column.name: marker})
                    )
                else:
                    setattr(row, key, marker)
                if not _published(table, row, column.name):
                    owners[marker] = (subject_type, str(getattr(row, parent) if parent else row.id))
    db.session.flush()
    db.session.delete(rotation)
    db.session.commit()
    return owners


def _own_records(email: str) -> set[tuple[str, str]]:
    """A person's own name, shown to themself, is no disclosure."""
    from mexiles.accounts.models import User
    from mexiles.tours.models import Speaker

    user = db.session.scalar(select(User).where(User.email == email))
    own = {("user", str(user.id))}
    speaker = db.session.scalar(select(Speaker.id).where(Speaker.user_id == user.id))
    if speaker:
        own.add(("tour_speaker", str(speaker)))
    return own


def _named(entry) -> set[tuple[str, str]]:
    """The record an entry is about, and those a page's one entry says it showed."""
    shown = (entry.details or {}).get("shown", {})
    return {(entry.subject_type, entry.subject_id)} | {(kind, i) for kind, ids in shown.items() for i in ids}


def _covered(entries) -> set[tuple[str, str]]:
    """The records audit entries name, and the records those records name."""
    models = _models_by_table()
    tables = {subject: table for table, (subject, parent) in {**SUBJECTS, **NAMING}.items() if parent is None}
    covered = set()
    for subject_type, subject_id in entries:
        covered.add((subject_type, subject_id))
        table = tables.get(subject_type)
        row = db.session.get(models[table], int(subject_id)) if table and (subject_id or "").isdigit() else None
        for column in models[table].__table__.columns if row is not None else ():
            for key in column.foreign_keys:
                named = SUBJECTS.get(key.column.table.name)
                if named and named[1] is None and getattr(row, column.key) is not None:
                    covered.add((named[0], str(getattr(row, column.key))))
    return covered


def _sample_ids() -> dict[str, list]:
    models = _models_by_table()
    ids = {}
    for key, table in [*ARGUMENT_TABLES.items(), *((("?", k), t) for k, t in QUERY_TABLES.items())]:
        model = models[table]
        ids[key] = list(db.session.scalars(select(model.id).order_by(model.id.desc()).limit(IDS_PER_ARGUMENT)))
    from mexiles.giving.models import Campaign

    ids["slug"] = list(db.session.scalars(select(Campaign.slug).limit(IDS_PER_ARGUMENT)))
    return ids


def _urls(app, role_set, ids):
    adapter = app.url_map.bind("mexiles.test")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        access = app.view_functions[rule.endpoint].access
        if access not in (PUBLIC, SIGNED_IN) and not role_set & set(access):
            continue
        section = rule.rule.strip("/").split("/")[0]
        choices = [ids.get((section, arg), ids.get(arg, ["x"])) or ["x"] for arg in sorted(rule.arguments)]
        for n in range(max((len(c) for c in choices), default=1)):
            values = {arg: c[min(n, len(c) - 1)] for arg, c in zip(sorted(rule.arguments), choices, strict=True)}
            yield adapter.build(rule.endpoint, values)
        if not rule.arguments:
            for n in range(IDS_PER_ARGUMENT):
                query = {
                    name: found[min(n, len(found) - 1)]
                    for name in ("person", "provider", "request")
                    if (found := ids.get(("?", (section, name)), ids.get(("?", name))))
                }
                yield adapter.build(rule.endpoint, query)


@pytest.mark.parametrize("email", [None] + [a[0] for a in ACCOUNTS])
def test_every_page_that_shows_a_protected_value_audits_it(app, runner, email):
    """As every demo account, and as an anonymous visitor (who may see only what was published)."""
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        owners = _plant_markers()
        own = _own_records(email) if email else set()
        ids = _sample_ids()
    roles = {a[2] for a in ACCOUNTS if a[0] == email}.pop() if email else ()
    client = app.test_client()
    if email:
        assert client.post("/account/login", data={"email": email, "password": PASSWORD}).status_code == 302
    unaudited, fetched, marked = defaultdict(set), 0, 0
    for url in sorted(set(_urls(app, set(roles), ids))):
        if url.endswith("/account/logout"):
            continue
        with app.app_context():
            before = db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))
        response = client.get(url)
        fetched += 1
        assert response.status_code < 500, (url, response.status_code)
        shown = {owners[m] for m in MARKER.findall(response.get_data().decode(errors="replace")) if m in owners} - own
        marked += bool(shown)
        assert email or not shown, (url, shown)  # nothing unpublished reaches a visitor, audited or not
        if not url.startswith(STAFF_PAGES):
            shown = {record for record in shown if record[0] != "user"}
        if not shown:
            continue
        with app.app_context():
            audited = _covered(
                {
                    named
                    for e in db.session.scalars(select(AuditEntry).where(AuditEntry.id > before))
                    for named in _named(e)
                }
            )
        for record in shown - audited:
            unaudited[url].add(record)
    assert fetched > 20
    if "admin" in roles:  # the walk does reach the protected values
        assert marked > 20
    assert dict(unaudited) == {}, "\n".join(f"{url}: {sorted(records)}" for url, records in sorted(unaudited.items()))


def test_the_speakers_calendar_feed_audits_each_event_it_carries(app, client, auth, frozen, make_speaker, make_event):
    """The feed is reached by its secret address, which the walk cannot guess; it carries hosts' contacts."""
    speaker = make_speaker()
    event_ids = {
        make_event(speaker, steps=("offered",)),
        make_event(speaker, day=dt.date(2030, 11, 9), steps=("offered",)),
    }
    auth.login(speaker.user)
    url = feed_url(client)
    auth.logout()
    with app.app_context():
        before = db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))
    feed = client.get(url).data.decode()
    assert "Pat Host" in feed
    with app.app_context():
        read = {(e.action, e.subject_id) for e in db.session.scalars(select(AuditEntry).where(AuditEntry.id > before))}
    assert read == {("tour_event.feed", str(i)) for i in event_ids}
