"""Every value in words: no page and no email shows a raw code from the vocabularies, in either language.

The demo data is seeded, then every GET page is fetched as every demo account (and as a visitor) in
English and in Spanish, and every email template is rendered from the seeded records. The visible
text (tags and attributes stripped; a <code> element is a machine value shown on purpose, such as a
Stripe event's type) must not show:

- a code with "_" or "." in it (``moved_city``, ``referrals.attention``): such a string is never a word;
- a plain-word code (``honor``, ``incomplete``, ``en``) as a whole value: the content of a table cell,
  a definition, a tag, a list item, or one part of it between "·", ",", ":" (the "Label: code"
  positions), unless it is that language's label of something;
- a machine value: "None", an IANA zone name (America/Denver), an ISO date (2026-12-01).
"""

from __future__ import annotations

import html
import importlib
import re
from html.parser import HTMLParser
from pathlib import Path

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import CheckConstraint, select, update
from sqlalchemy.exc import IntegrityError

from mexiles.accounts.demo import ACCOUNTS, PASSWORD
from mexiles.audit import vocabulary as audit_vocabulary
from mexiles.domains import DOMAINS
from mexiles.extensions import db
from mexiles.jobs.models import Job
from tests.test_audit_walk import _sample_ids, _urls

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# Text nodes inside these are whole values ("Label: value" pairs, cells, tags).
VALUE_TAGS = {"dd", "td", "th", "li", "span", "strong", "option", "title", "h1", "h2", "h3", "p", "a"}
SEPARATORS = re.compile(r"\s*(?:·|,|;|:|\(|\)|—|–|\|)\s*")
MACHINE = [
    (re.compile(r"[:=]\s*None\b"), "None"),
    (re.compile(r"\b(?:America|Pacific|Europe|Asia|Africa|Atlantic|Australia)/[A-Za-z_]+"), "a time zone name"),
    (re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-]|\.\w)"), "an ISO date"),  # not Stripe's "2025-03-31.basil"
]
# Pages whose purpose is to show machine values: the dead jobs' raw payloads and errors.
MACHINE_PAGES = ("/jobs",)


CODE_CHECK = re.compile(r"(\w+) IN \(([^)]*)\)")
# A status is a step of a process whose other fields follow it; only these are free to take any value.
FREE_STATUSES = {"giving_recurring_gifts", "giving_disputes", "giving_refunds"}


def _exercise_every_code() -> int:
    """The demo data, varied so that each code a CHECK constraint allows is held by some row: the
    rows of a table take its codes in turn (a change another rule of the database refuses is skipped).
    Statuses keep the demo's, which follow its process, but for those no other field depends on."""
    changed = 0
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            for column, listed in CODE_CHECK.findall(str(constraint.sqltext)):
                codes = re.findall(r"'([^']*)'", listed)
                if column not in table.c or len(codes) < 2 or column == "status" and table.name not in FREE_STATUSES:
                    continue
                ids = list(db.session.scalars(select(table.c.id).order_by(table.c.id))) if "id" in table.c else []
                for n, row_id in enumerate(ids):
                    try:
                        with db.session.begin_nested():
                            db.session.execute(
                                update(table).where(table.c.id == row_id).values({column: codes[n % len(codes)]})
                            )
                        changed += 1
                    except IntegrityError:
                        pass
    db.session.commit()
    return changed


def _vocabularies():
    """Every {code: label} of every domain's vocabulary, and the audit trail's."""
    for domain in DOMAINS:
        try:
            module = importlib.import_module(f"mexiles.{domain}.vocabulary")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
                yield f"{domain}.{name}", value
    yield "audit.ACTIONS", audit_vocabulary.ACTIONS
    # The trail's names of records, details and fields: only those no one would mistake for a word.
    for name in ("SUBJECT_TYPES", "DETAILS", "FIELDS"):
        labels = getattr(audit_vocabulary, name)
        yield f"audit.{name}", {code: label for code, label in labels.items() if "_" in code}


def _labels(value) -> list[str]:
    values = value if isinstance(value, tuple) else (value,)
    return [str(v) for v in values if not isinstance(v, str) or v]


class Codes:
    def __init__(self):
        vocabularies = dict(_vocabularies())
        codes = {code for labels in vocabularies.values() for code in labels}
        # Proper names and symbols that are their own label everywhere.
        codes -= {"WhatsApp"}
        codes.add("None")  # Python's empty value, printed
        self.vocabularies = vocabularies
        self.machine = {c for c in codes if "_" in c or "." in c or "/" in c}
        self.plain = codes - self.machine
        self.machine_pattern = re.compile(
            r"(?<![\w.@/-])("
            + "|".join(re.escape(c) for c in sorted(self.machine, key=len, reverse=True))
            + r")(?![\w@/-]|\.\w)"
        )

    def labels_now(self) -> set[str]:
        """Every label in the current language (a label may be the same word as some code)."""
        return {label for labels in self.vocabularies.values() for value in labels.values() for label in _labels(value)}


class Visible(HTMLParser):
    """The visible text of a page, and the text of each value element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.values: list[str] = []
        self.stack: list[tuple[str, list[str]]] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self.hidden += 1
        if tag in VALUE_TAGS:
            self.stack.append((tag, []))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self.hidden -= 1
        if tag in VALUE_TAGS and self.stack and self.stack[-1][0] == tag:
            self.values.append(" ".join(self.stack.pop()[1]))

    def handle_data(self, data):
        if self.hidden:
            return
        self.text.append(data)
        for _tag, parts in self.stack:
            parts.append(data)


def _problems(codes: Codes, labels: set[str], text: str, values: list[str], machine_ok=False) -> set[str]:
    found = {f"code {m}" for m in codes.machine_pattern.findall(text)}
    if not machine_ok:
        found |= {what for pattern, what in MACHINE if pattern.search(text)}
    for value in values:
        for part in SEPARATORS.split(value.strip()):
            part = part.rstrip(".!?")  # the code ending a sentence: "… answered: accepted."
            if part in codes.plain and part not in labels:
                found.add(f"code {part!r} in {value.strip()[:80]!r}")
    return found


def _page_problems(codes, labels, url, body: str) -> set[str]:
    parser = Visible()
    parser.feed(body)
    text = html.unescape(" ".join(parser.text))
    return _problems(codes, labels, text, parser.values, machine_ok=url.startswith(MACHINE_PAGES))


def _walk(app, codes, email) -> dict[str, set[str]]:
    """Every page the account may open, in English then in Spanish (one sign-in: the limiter counts)."""
    with app.app_context():
        ids = _sample_ids()
    roles = {a[2] for a in ACCOUNTS if a[0] == email}.pop() if email else ()
    client = app.test_client()
    if email:
        assert client.post("/account/login", data={"email": email, "password": PASSWORD}).status_code == 302
    found = {}
    for locale in ("en", "es"):
        client.post("/language", data={"locale": locale})
        with app.test_request_context(), force_locale(locale):
            labels = codes.labels_now()
        queried = set()
        for url in sorted(set(_urls(app, set(roles), ids))):
            if url.endswith(("/account/logout", ".csv", ".pdf", ".ics", ".png", ".svg")):
                continue
            path, _, query = url.partition("?")
            if query and path in queried:  # one page started from a record is enough to read its words
                continue
            queried.add(path) if query else None
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            if response.mimetype != "text/html":
                continue
            found.setdefault("read", set()).add(f"{locale} {url}")
            problems = _page_problems(codes, labels, url, response.get_data(as_text=True))
            if problems:
                found[f"{locale} {url}"] = problems
    return found


def test_no_page_shows_a_raw_code(app, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        assert _exercise_every_code() > 100
    codes = Codes()
    found = {}
    for email in [None, *(a[0] for a in ACCOUNTS)]:
        for url, problems in _walk(app, codes, email).items():
            found.setdefault(url, set()).update(problems)
    read = found.pop("read")
    assert len(read) > 300 and any(url.startswith("es /audit/") for url in read)
    assert found == {}, "\n".join(f"{url}: {sorted(p)}" for url, p in sorted(found.items()))


# --- Emails --------------------------------------------------------------------------------

LINK = "https://mexiles.test/a-link"


def _email_contexts() -> dict[str, list[dict]]:
    """Each email template with contexts made of the seeded records, as the services pass them."""
    from mexiles.accounts.models import User
    from mexiles.care.models import Referral
    from mexiles.care.services.reports import _attention
    from mexiles.giving.models import Donor, Gift
    from mexiles.giving.services.receipts import _gift_facts
    from mexiles.people.models import CaseTask
    from mexiles.people.services.deadlines import Deadline
    from mexiles.timeutil import today
    from mexiles.tours.models import BookingRequest, TimeProposal, TourEvent
    from mexiles.tours.vocabulary import STATUS_LABELS

    user = db.session.scalars(select(User)).first()
    donor = db.session.scalars(select(Donor)).first()
    gifts = list(db.session.scalars(select(Gift)))
    events = list(db.session.scalars(select(TourEvent)))
    requests = [{"request": r, "link": LINK} for r in db.session.scalars(select(BookingRequest))]
    proposals = [{"request": p.request, "proposal": p, "link": LINK} for p in db.session.scalars(select(TimeProposal))]
    referrals = [{"referral": r, "link": LINK} for r in db.session.scalars(select(Referral))]
    tasks = [Deadline(task, "Alias", today()) for task in db.session.scalars(select(CaseTask))]
    event_mail = [
        {
            "event": e,
            "speaker_name": "La Voz",
            "status": STATUS_LABELS[e.status],
            "link": LINK,
            "donation_url": LINK,
            "zone": e.speaker.time_zone,
            "ask": True,
        }
        for e in events
    ]
    accounts = {"link": LINK, "hours": 2, "days": 7, "user": user, "old": "a@example.org", "new": "b@example.org"}
    statement = {"donor": donor, "count": 2, "since": today(), "until": today(), "total": 5000, "legal": []}
    return {
        **{f"accounts/email/{name}.txt": [accounts] for name in ("confirm_email", "email_changed", "email_taken")},
        **{f"accounts/email/{name}.txt": [accounts] for name in ("invite", "reset_password")},
        "care/email/attention.txt": [{"user": user, "rows": _attention(), "link": LINK}],
        "giving/email/appeal.txt": [{"body": "Dear friend", "unsubscribe_url": LINK}],
        "giving/email/card_failed.txt": [{"donor": donor, "amount": "$25.00", "link": LINK}],
        "giving/email/receipt.txt": [
            {"name": "Ana", "facts": _gift_facts(g), "legal": [], "link": LINK} for g in gifts
        ],
        "giving/email/signin.txt": [{"hours": 2, "link": LINK}],
        "giving/email/statement.txt": [statement],
        "giving/email/tribute.txt": [{"gift": g, "giver": "Ana"} for g in gifts if g.tribute_kind],
        "people/email/reminder.txt": [
            {"user": user, "deadlines": tasks, "day": today(), "case_url": lambda person_id: LINK}
        ],
        **{
            f"tours/email/{name}.txt": event_mail
            for name in (
                "answered",
                "cancelled",
                "changed_host",
                "changed_speaker",
                "confirmed_host",
                "offered",
                "reminder_host",
                "reminder_speaker",
            )
        },
        "tours/email/request_arrived.txt": requests,
        "tours/email/host_link.txt": [{**r, "host_link": LINK} for r in requests],
        "tours/email/host_withdrawn.txt": [{**r, "in_calendar": True} for r in requests],
        "tours/email/host_withdrew.txt": requests,
        **{
            f"tours/email/{name}.txt": proposals for name in ("host_proposed", "proposal_accepted", "proposal_declined")
        },
        "care/email/referral_sent.txt": referrals,
        "tours/email/request_received.txt": requests,
    }


def _mail_problems(codes: Codes, labels: set[str], text: str) -> set[str]:
    """An email is text: each line is a value ("Status: Paid"), and so is each part of it."""
    return _problems(codes, labels, text, text.splitlines())


def test_no_email_shows_a_raw_code(app, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        assert _exercise_every_code() > 100
    codes = Codes()
    templates = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.glob("*/email/*.txt")}
    found, rendered = {}, set()
    for locale in ("en", "es"):
        with app.test_request_context(), force_locale(locale):
            labels = codes.labels_now()
            for template, contexts in _email_contexts().items():
                for context in contexts:
                    rendered.add(template)
                    problems = _mail_problems(codes, labels, render_template(template, **context))
                    if problems:
                        found.setdefault(f"{locale} {template}", set()).update(problems)
    # And what the reminders and statements really send, built by their services.
    for command in (["care", "remind"], ["people", "remind"], ["tours", "remind"], ["giving", "statements"]):
        assert runner.invoke(args=command).exit_code == 0, command
    with app.app_context():
        labels = set()
        for locale in ("en", "es"):
            with app.test_request_context(), force_locale(locale):
                labels |= codes.labels_now()
        for job in db.session.scalars(select(Job).where(Job.kind == "mail")):
            if "body" not in job.payload:  # a receipt or statement, written when it is sent
                continue
            text = f"{job.payload['subject']}\n{job.payload['body']}"
            for problem in _mail_problems(codes, labels, text):
                found.setdefault(f"job {job.key}", set()).add(problem)
    assert rendered == templates, "give the new email template a sample context here"
    assert found == {}, "\n".join(f"{where}: {sorted(p)}" for where, p in sorted(found.items()))
