"""People served: who may see them, how they are found, and every change and view audited."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.orm import selectinload

from ..access import Role
from ..audit import services as audit
from ..crypto import MIN_SEARCH_LENGTH, cipher, normalise
from ..extensions import db
from .models import HouseholdMember, Person, PersonSearchToken, case_team

PAGE_SIZE = 50
SEARCH_LIMIT = 50
SEARCHABLE = ("legal_name", "alias")
SUBJECT = "person"
# The fields a form edits, in the order the audit trail names them.
FIELDS = ("legal_name", "alias", "phone", "email", "current_city", "state_of_origin", "language",
          "arrival_date", "case_status", "hearing_date", "in_hiding", "safety_notes", "consent_date",
          "consent_scopes", "notes")


class SearchTooShort(ValueError):
    pass


# --- Who may see what ----------------------------------------------------------------------

def may_see_full(user, person: Person) -> bool:
    """The case team and admins see everything; other staff see the alias only."""
    return user.has_role(Role.ADMIN) or any(member.id == user.id for member in person.team)


def may_edit(user, person: Person) -> bool:
    return may_see_full(user, person)


# --- Reading -------------------------------------------------------------------------------

@dataclass
class PersonRow:
    person: Person
    full: bool


def get(person_id: int) -> Person | None:
    return db.session.get(Person, person_id, options=[selectinload(Person.team), selectinload(Person.household)])


def get_many(person_ids) -> dict[int, Person]:
    """Several people by id, with their case teams, in one go: for other domains' lists."""
    ids = set(person_ids)
    if not ids:
        return {}
    people = db.session.scalars(select(Person).options(selectinload(Person.team)).where(Person.id.in_(ids)))
    return {p.id: p for p in people}


def listing(user, page: int = 1):
    """People for the staff list: the user's own cases first, then the most recently updated."""
    mine = select(case_team.c.person_id).where(case_team.c.user_id == user.id)
    query = (select(Person).options(selectinload(Person.team))
             .order_by(Person.id.in_(mine).desc(), Person.updated_at.desc(), Person.id.desc()))
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    rows = [PersonRow(p, may_see_full(user, p)) for p in pagination.items]
    if rows:
        audit.record("people.list", SUBJECT, ids=[row.person.id for row in rows])
    db.session.commit()
    return pagination, rows


def search(user, text: str) -> list[PersonRow]:
    """Find people by part of their alias, or of their legal name where the user may see it."""
    wanted = normalise(text)
    if len(wanted) < MIN_SEARCH_LENGTH:
        raise SearchTooShort(MIN_SEARCH_LENGTH)
    tokens = {field: cipher().blind_tokens(field, wanted) for field in SEARCHABLE}
    needed = len(tokens["alias"])
    hits = db.session.execute(
        select(PersonSearchToken.person_id, PersonSearchToken.field)
        .where(or_(*[and_(PersonSearchToken.field == f, PersonSearchToken.token.in_(t)) for f, t in tokens.items()]))
        .group_by(PersonSearchToken.person_id, PersonSearchToken.field)
        .having(func.count(distinct(PersonSearchToken.token)) == needed)
    ).all()
    candidates = {}
    for person_id, field in hits:
        candidates.setdefault(person_id, set()).add(field)
    people = db.session.scalars(select(Person).options(selectinload(Person.team))
                                .where(Person.id.in_(candidates)).order_by(Person.updated_at.desc())).all()
    rows = []
    for person in people:
        full = may_see_full(user, person)
        # The blind index can give false positives; the decrypted text decides.
        if wanted in normalise(person.alias) or (full and wanted in normalise(person.legal_name)):
            rows.append(PersonRow(person, full))
    rows = rows[:SEARCH_LIMIT]
    audit.record("people.search", SUBJECT, ids=[r.person.id for r in rows])
    db.session.commit()
    return rows


def view(person: Person, user) -> bool:
    """Record that the user opened the record; says whether they see it in full."""
    full = may_see_full(user, person)
    audit.record("person.view", SUBJECT, person.id, level="full" if full else "alias")
    db.session.commit()
    return full


# --- Changing ------------------------------------------------------------------------------

def create(data: dict, household: list[dict], by) -> Person:
    person = Person(**{k: data[k] for k in FIELDS if k in data})
    if by.has_role(Role.COORDINATOR):
        person.team.append(by)
    _replace_household(person, household)
    db.session.add(person)
    db.session.flush()
    reindex(person)
    audit.record("person.create", SUBJECT, person.id, fields=[k for k in FIELDS if data.get(k)])
    db.session.commit()
    return person


def update(person: Person, data: dict, household: list[dict], by) -> list[str]:
    changed = [k for k in FIELDS if k in data and getattr(person, k) != data[k]]
    for key in changed:
        setattr(person, key, data[key])
    if _household_of(person) != household:
        _replace_household(person, household)
        changed.append("household")
    if changed:
        if {"legal_name", "alias"} & set(changed):
            reindex(person)
        audit.record("person.update", SUBJECT, person.id, fields=changed)
    db.session.commit()
    return changed


def set_team(person: Person, members: list, by) -> None:
    before = {u.id for u in person.team}
    person.team = members
    after = {u.id for u in members}
    if before != after:
        audit.record("person.team", SUBJECT, person.id, added=sorted(after - before), removed=sorted(before - after))
    db.session.commit()


def export_csv(user) -> str:
    """The records the user may see in full, as CSV; the export itself is audited."""
    query = select(Person).options(selectinload(Person.team), selectinload(Person.household)).order_by(Person.id)
    if not user.has_role(Role.ADMIN):
        query = query.where(Person.id.in_(select(case_team.c.person_id).where(case_team.c.user_id == user.id)))
    people = db.session.scalars(query).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *FIELDS, "household_size"])
    for p in people:
        writer.writerow([p.id, *[_csv_value(getattr(p, k)) for k in FIELDS], p.household_size])
    audit.record("people.export", SUBJECT, ids=[p.id for p in people])
    db.session.commit()
    return out.getvalue()


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


def _household_of(person: Person) -> list[dict]:
    return [{"name": m.name, "relationship": m.relationship_code, "birth_year": m.birth_year}
            for m in person.household]


def _replace_household(person: Person, household: list[dict]) -> None:
    person.household = [HouseholdMember(name=m["name"], relationship_code=m["relationship"],
                                        birth_year=m.get("birth_year")) for m in household]


def reindex(person: Person) -> None:
    db.session.execute(PersonSearchToken.__table__.delete().where(PersonSearchToken.person_id == person.id))
    for field in SEARCHABLE:
        for token in cipher().blind_tokens(field, getattr(person, field)):
            db.session.add(PersonSearchToken(person_id=person.id, field=field, token=token))
