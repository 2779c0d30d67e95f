"""People served: who may see them, how they are found, and every change and view audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, distinct, false, func, or_, select
from sqlalchemy.orm import selectinload

from ...access import Role
from ...audit import services as audit
from ...crypto import MIN_SEARCH_LENGTH, cipher, normalise
from ...extensions import db
from ...refusals import Refusal
from ..models import HouseholdMember, ImmigrationCase, Person, PersonSearchToken, case_team
from . import deadlines

PAGE_SIZE = 50
SEARCH_LIMIT = 50
SEARCHABLE = ("legal_name", "alias")
SUBJECT = "person"
# The fields a form edits, in the order the audit trail names them.
FIELDS = (
    "legal_name",
    "alias",
    "phone",
    "email",
    "current_city",
    "state_of_origin",
    "language",
    "arrival_date",
    "in_hiding",
    "safety_notes",
    "consent_date",
    "consent_scopes",
)


class SearchTooShort(Refusal):
    pass


# --- Who may see what ----------------------------------------------------------------------


def may_see_full(user, person: Person) -> bool:
    """Active admins, and active coordinators on the case team, see everything; other staff see
    the alias only. Other domains ask this too, so a demoted member of a team sees nothing."""
    if not user.active:
        return False
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.COORDINATOR) and any(member.id == user.id for member in person.team)


def may_edit(user, person: Person) -> bool:
    return may_see_full(user, person)


# --- Reading -------------------------------------------------------------------------------


@dataclass
class PersonRow:
    person: Person
    full: bool


def get(person_id: int) -> Person | None:
    return db.session.get(Person, person_id, options=[selectinload(Person.team), selectinload(Person.household)])


def get_many(ids) -> dict[int, Person]:
    """People by id, with their case teams, in a fixed number of queries (for other domains' lists)."""
    ids = set(ids)
    if not ids:
        return {}
    people = db.session.scalars(select(Person).options(selectinload(Person.team)).where(Person.id.in_(ids)))
    return {person.id: person for person in people}


def full_view_ids(user):
    """A subquery of the ids of the people the user sees in full (as ``may_see_full``: active
    admins, and active coordinators on the case team), for other domains to filter their records by."""
    if user.active and user.has_role(Role.ADMIN):
        return select(Person.id)
    if not (user.active and user.has_role(Role.COORDINATOR)):
        return select(Person.id).where(false())
    return select(case_team.c.person_id).where(case_team.c.user_id == user.id)


def listing(user, page: int = 1):
    """People for the staff list: the user's own cases first, then the most recently updated."""
    mine = select(case_team.c.person_id).where(case_team.c.user_id == user.id)
    query = (
        select(Person)
        .options(selectinload(Person.team))
        .order_by(Person.id.in_(mine).desc(), Person.updated_at.desc(), Person.id.desc())
    )
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    rows = [PersonRow(p, may_see_full(user, p)) for p in pagination.items]
    audit.record_each("people.list", SUBJECT, [row.person.id for row in rows])
    db.session.commit()
    return pagination, rows


def search(user, text: str) -> list[PersonRow]:
    """Find people by parts of their alias, or of their legal name where the user may see it:
    every word typed must appear in the same name ("guadalupe ramirez" finds "Guadalupe T. Ramírez")."""
    words = normalise(text).split()
    if not any(len(word) >= MIN_SEARCH_LENGTH for word in words):
        raise SearchTooShort(MIN_SEARCH_LENGTH)
    tokens = {field: set().union(*(cipher().blind_tokens(field, word) for word in words)) for field in SEARCHABLE}
    needed = len(tokens["alias"])
    hits = db.session.execute(
        select(PersonSearchToken.person_id, PersonSearchToken.field)
        .where(or_(*[and_(PersonSearchToken.field == f, PersonSearchToken.token.in_(t)) for f, t in tokens.items()]))
        .group_by(PersonSearchToken.person_id, PersonSearchToken.field)
        .having(func.count(distinct(PersonSearchToken.token)) == needed)
    ).all()
    candidates: dict[int, set[str]] = {}
    for person_id, field in hits:
        candidates.setdefault(person_id, set()).add(field)
    people = db.session.scalars(
        select(Person)
        .options(selectinload(Person.team))
        .where(Person.id.in_(candidates))
        .order_by(Person.updated_at.desc())
    ).all()
    rows = []
    for person in people:
        full = may_see_full(user, person)
        # The blind index can give false positives; the decrypted text decides.
        if _has_words(person.alias, words) or (full and _has_words(person.legal_name, words)):
            rows.append(PersonRow(person, full))
    rows = rows[:SEARCH_LIMIT]
    audit.record_each("people.search", SUBJECT, [r.person.id for r in rows])
    db.session.commit()
    return rows


def _has_words(name: str, words: list[str]) -> bool:
    name = normalise(name)
    return all(word in name for word in words)


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
    deadlines.recompute(person, None)
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
        if "arrival_date" in changed:
            # The I-589 deadline counts from arrival: a corrected date moves it.
            deadlines.recompute(person, db.session.get(ImmigrationCase, person.id))
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


def export_rows(user) -> tuple[list[str], list[list]]:
    """The records the user may see in full, for a CSV export; the export is audited."""
    query = select(Person).options(selectinload(Person.team), selectinload(Person.household)).order_by(Person.id)
    if not user.has_role(Role.ADMIN):
        query = query.where(Person.id.in_(select(case_team.c.person_id).where(case_team.c.user_id == user.id)))
    people = db.session.scalars(query).all()
    rows = [[p.id, *[getattr(p, k) for k in FIELDS], p.household_size] for p in people]
    audit.record_each("people.export", SUBJECT, [p.id for p in people])
    db.session.commit()
    return ["id", *FIELDS, "household_size"], rows


def _household_of(person: Person) -> list[dict]:
    return [{"name": m.name, "relationship": m.relationship_code, "birth_year": m.birth_year} for m in person.household]


def _replace_household(person: Person, household: list[dict]) -> None:
    person.household = [
        HouseholdMember(name=m["name"], relationship_code=m["relationship"], birth_year=m.get("birth_year"))
        for m in household
    ]


def reindex(person: Person) -> None:
    db.session.execute(PersonSearchToken.__table__.delete().where(PersonSearchToken.person_id == person.id))
    for field in SEARCHABLE:
        for token in cipher().blind_tokens(field, getattr(person, field)):
            db.session.add(PersonSearchToken(person_id=person.id, field=field, token=token))
