"""Deadlines and tasks on a case.

Where the law fixes a deadline it is derived, and kept in step with the dates it comes from
(``recompute``): the asylum application (I-589) one year from arrival, the appeal to the Board of
Immigration Appeals 30 days from a denial, each hearing and each ICE check-in. Others are made by
hand, with a title and an owner on the case team. "Today" is the organisation's (ORG_TIME_ZONE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from ...access import Role, is_staff
from ...audit import services as audit
from ...extensions import db
from ...timeutil import today
from ..models import CaseDate, CaseTask, ImmigrationCase, Person, case_team
from ..vocabulary import DEADLINES
from .common import SUBJECT, CaseFileRefused

APPEAL_DAYS = 30
# When a deadline starts to be announced: the I-589 at 90, 30 and 7 days before, the rest a week.
WARN_DAYS = {"i589": (90, 30, 7), "appeal": (30, 7), "hearing": (7,), "check_in": (7,), "hand": (7,)}
# Missing these loses the right for good; they are "missed", not merely "overdue".
LEGAL = ("i589", "appeal")
AGENDA_DAYS = 7


def one_year_after(day: dt.date) -> dt.date:
    """The same date a year later; from 29 February, the 28th (the earlier, safer day)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass
class Deadline:
    task: CaseTask
    alias: str
    on: dt.date

    @property
    def name(self):
        return self.task.title if self.task.source == "hand" else DEADLINES[self.task.source]

    @property
    def days_left(self) -> int:
        return (self.task.due_on - self.on).days

    @property
    def state(self) -> str:
        """done, missed (a legal deadline passed), overdue, warning (within its warning days) or open."""
        if self.task.done_on:
            return "done"
        if self.days_left < 0:
            return "missed" if self.task.source in LEGAL else "overdue"
        if self.days_left <= max(WARN_DAYS[self.task.source]):
            return "warning"
        return "open"

    @property
    def warning_level(self) -> int | None:
        """The warning the deadline has reached (90, 30 or 7 days for the I-589), if any."""
        if self.state != "warning":
            return None
        return min(level for level in WARN_DAYS[self.task.source] if self.days_left <= level)

    @property
    def remind_today(self) -> bool:
        """In the daily reminder: overdue, due within a week, or on one of its warning days."""
        return not self.task.done_on and (
            self.days_left <= AGENDA_DAYS or self.days_left in WARN_DAYS[self.task.source]
        )


# --- Derived deadlines ---------------------------------------------------------------------


def recompute(person: Person, case: ImmigrationCase | None) -> None:
    """Bring the derived deadlines in line with the arrival date, the case and its dates."""
    tasks = {
        t.source: t
        for t in db.session.scalars(select(CaseTask).where(CaseTask.person_id == person.id, CaseTask.source.in_(LEGAL)))
    }
    arrival = person.arrival_date
    _derive(
        person,
        tasks.get("i589"),
        "i589",
        one_year_after(arrival) if arrival else None,
        case.i589_filed_on if case else None,
    )
    denied_on = case.decision_on if case is not None and case.decision == "denied" else None
    _derive(
        person,
        tasks.get("appeal"),
        "appeal",
        denied_on + dt.timedelta(days=APPEAL_DAYS) if denied_on else None,
        case.appeal_filed_on if case is not None and denied_on else None,
    )
    dated = {
        t.case_date_id: t
        for t in db.session.scalars(
            select(CaseTask).where(CaseTask.person_id == person.id, CaseTask.case_date_id.is_not(None))
        )
    }
    for date in db.session.scalars(select(CaseDate).where(CaseDate.person_id == person.id)):
        task = dated.get(date.id) or CaseTask(person_id=person.id, source=date.kind, case_date_id=date.id)
        task.due_on, task.due_time = date.day, date.time_of_day
        db.session.add(task)
    db.session.flush()


def _derive(person: Person, task: CaseTask | None, source: str, due: dt.date | None, met_on: dt.date | None):
    if due is None:
        if task is not None:
            db.session.delete(task)
        return
    task = task or CaseTask(person_id=person.id, source=source)
    # A legal deadline is met when its filing is recorded, and only then.
    task.due_on, task.done_on, task.done_by_id = due, met_on, None
    db.session.add(task)


def forget_date(date: CaseDate) -> None:
    db.session.execute(delete(CaseTask).where(CaseTask.case_date_id == date.id))


# --- Reading -------------------------------------------------------------------------------


def _soonest_first(deadline: Deadline):
    return deadline.task.due_on, deadline.task.due_time or dt.time.min, deadline.task.id


def deadlines_of(person: Person) -> list[Deadline]:
    """Open deadlines soonest first, then the done ones, latest first."""
    tasks = db.session.scalars(select(CaseTask).where(CaseTask.person_id == person.id))
    on = today()
    found = [Deadline(t, person.alias, on) for t in tasks]
    open_ = sorted((d for d in found if not d.task.done_on), key=_soonest_first)
    done = sorted((d for d in found if d.task.done_on), key=lambda d: (d.task.done_on, d.task.id), reverse=True)
    return open_ + done


def _team_of(user):
    return select(case_team.c.person_id).where(case_team.c.user_id == user.id)


def _mine(user):
    """Tasks of the user's cases (as a case-team member) or owned by them, on cases they may still
    see: an owner taken off the team stops hearing of the case."""
    mine = or_(CaseTask.owner_id == user.id, CaseTask.person_id.in_(_team_of(user)))
    return mine if user.has_role(Role.ADMIN) else mine & CaseTask.person_id.in_(_team_of(user))


def _with_aliases(tasks, on: dt.date) -> list[Deadline]:
    ids = {t.person_id for t in tasks}
    aliases = dict(db.session.execute(select(Person.id, Person.alias).where(Person.id.in_(ids))).all()) if ids else {}
    return [Deadline(t, aliases[t.person_id], on) for t in tasks]


def agenda(user) -> list[Deadline]:
    """For the coordinator's home: overdue tasks and those due in the next seven days, of their cases."""
    if not (user.active and is_staff(user)):
        return []
    on = today()
    tasks = db.session.scalars(select(CaseTask).where(_mine(user), CaseTask.done_on.is_(None)))
    due = [t for t in tasks if t.due_on <= on + dt.timedelta(days=AGENDA_DAYS)]
    # One entry per case shown, as for every list of protected values (task titles may name people).
    audit.record_each("case_tasks.agenda", SUBJECT, sorted({t.person_id for t in due}), actor=user)
    db.session.commit()
    return sorted(_with_aliases(due, on), key=_soonest_first)


def for_reminder(user, on: dt.date) -> list[Deadline]:
    """What the user's daily reminder lists: the open tasks they own, and the unowned ones of their cases."""
    tasks = db.session.scalars(
        select(CaseTask).where(
            _mine(user), or_(CaseTask.owner_id == user.id, CaseTask.owner_id.is_(None)), CaseTask.done_on.is_(None)
        )
    )
    return sorted((d for d in _with_aliases(list(tasks), on) if d.remind_today), key=_soonest_first)


def for_feed(user) -> list[Deadline]:
    """The user's calendar: every deadline of their cases and every task they own, open or done."""
    tasks = list(db.session.scalars(select(CaseTask).where(_mine(user)).order_by(CaseTask.id)))
    return _with_aliases(tasks, today())


# --- Tasks made by hand --------------------------------------------------------------------


def add_task(person: Person, data: dict, by) -> CaseTask:
    owner_id = data.get("owner_id")
    if owner_id and owner_id not in {u.id for u in person.team}:
        raise CaseFileRefused(_l("The owner of a task is someone on the case team."))
    task = CaseTask(
        person_id=person.id,
        source="hand",
        title=data["title"],
        due_on=data["due_on"],
        due_time=data.get("due_time"),
        owner_id=owner_id or None,
        created_by_id=by.id,
    )
    db.session.add(task)
    db.session.flush()
    audit.record("case_task.create", SUBJECT, person.id, task=task.id, owner=task.owner_id)
    db.session.commit()
    return task


def set_done(person: Person, task_id: int, done: bool, by) -> None:
    task = db.session.scalar(select(CaseTask).where(CaseTask.id == task_id, CaseTask.person_id == person.id))
    if task is None:
        raise CaseFileRefused(_l("That task is not in this case file."))
    if task.source in LEGAL:
        raise CaseFileRefused(_l("This deadline is met when its filing date is recorded on the immigration case."))
    if bool(task.done_on) != done:
        task.done_on, task.done_by_id = (today(), by.id) if done else (None, None)
        audit.record("case_task.done" if done else "case_task.reopen", SUBJECT, person.id, task=task.id)
    db.session.commit()
