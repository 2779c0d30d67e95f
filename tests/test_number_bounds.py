"""The form walk: every number field of every form, on every route that takes the form, refuses numbers
beyond its column and its domain with a message, never a 500, and stores nothing.

A form or route added later is covered without editing this file: the forms are found by
introspection (every FlaskForm subclass in mexiles), the routes from the URL map, and which route
takes which form by watching the forms a request builds. Each number field is sent the bad values
with every other field valid (the walk checks that only the field under test is refused), as a user
of a role the route admits, on the demo data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import pkgutil
from contextlib import contextmanager
from decimal import Decimal

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select, text
from werkzeug.routing import IntegerConverter
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    PasswordField,
    SelectFieldBase,
    SelectMultipleField,
    TimeField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Email, InputRequired, Optional, Regexp

import mexiles
from mexiles.access import PUBLIC, SIGNED_IN
from mexiles.accounts.demo import PASSWORD
from mexiles.extensions import db
from mexiles.forms import RecordField

BAD_NUMBERS = ("2147483648", "-1", "1e308", "10000000.01", "NaN", "9" * 5000)
# The demo accounts, in the order they are tried for a route their roles admit.
ACCOUNTS = {
    "coordinator": "coordinator@example.org",
    "admin": "admin@example.org",
    "counselor": "counselor@example.org",
    "speaker": "speaker@example.org",
    "donor": "donor@example.org",
}
# Forms walked elsewhere, because their route needs a service the plain test app has not got.
WALKED_ELSEWHERE = {"DonateForm": "tests/giving/test_number_bounds.py (the payment endpoint needs Stripe)"}
# Values the generic filler cannot guess; everything else valid is made up from the field's kind.
TODAY = dt.date.today()
SOON = TODAY + dt.timedelta(days=30)
VALID = {
    "EventForm": {
        "day": (TODAY + dt.timedelta(days=60)).isoformat(),
        "starts": "19:00",
        "ends": "20:30",
        "time_zone": "America/Denver",
        "host_email": "host@example.org",
    },
    "BookingForm": {
        "day": (TODAY + dt.timedelta(days=60)).isoformat(),
        "starts": "19:00",
        "ends": "20:30",
        "time_zone": "America/Denver",
    },
    "SpeakerForm": {"time_zone": "America/Denver", "name_choice": "alias"},
    "OwnProfileForm": {"time_zone": "America/Denver", "name_choice": "alias"},
    "FundForm": {"code": "walk-fund"},
    "CampaignForm": {
        "slug": "walk-campaign",
        "image_path": "",
        "starts_on": TODAY.isoformat(),
        "ends_on": SOON.isoformat(),
    },
    "OfflineGiftForm": {"received_on": TODAY.isoformat(), "source": "check", "description": "Check 1001"},
    "PlacementForm": {"start": SOON.isoformat(), "end": (SOON + dt.timedelta(days=7)).isoformat()},
    "MoveForm": {"on": TODAY.isoformat(), "end": ""},
    "RequestForm": {"wanted_from": SOON.isoformat()},
    "ProviderForm": {"capacity_available": "1", "capacity_maximum": "2"},
    "CapacityForm": {"capacity_available": "1", "capacity_maximum": "2"},
    "OutcomeForm": {"attendance": "10", "attended": "y"},
}

# Fields refused because of the number under test, rightly (open places above a maximum of -1).
BECAUSE = {"capacity_maximum": ("capacity_available",)}


def _forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(mexiles.__path__, "mexiles."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("mexiles.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda f: (f.__module__, f.__name__))


def _is_number(field) -> bool:
    if isinstance(field, (IntegerField, DecimalField, FloatField)):
        return True
    return isinstance(field, SelectFieldBase) and getattr(field, "coerce", str) is int


def _has_numbers(form_class) -> bool:
    unbound = [
        getattr(form_class, n) for n in dir(form_class) if isinstance(getattr(form_class, n, None), UnboundField)
    ]
    return any(
        issubclass(u.field_class, (IntegerField, DecimalField, FloatField, RecordField))
        or (issubclass(u.field_class, SelectFieldBase) and u.kwargs.get("coerce") is int)
        for u in unbound
    )


def _leaves(form):
    """Every field a user fills in, also inside sub-forms and lists of them (a household's members)."""
    for field in form:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                yield from (_leaves(entry.form) if isinstance(entry, FormField) else [entry])
        else:
            yield field


def _number_fields(form) -> list[str]:
    return [field.name for field in _leaves(form) if _is_number(field)]


def _errors(form) -> dict[str, list]:
    return {field.name: list(field.errors) for field in _leaves(form) if field.errors} | (
        {"(form)": list(form.form_errors)} if form.form_errors else {}
    )


def _least(field) -> Decimal:
    """The smallest value the field's range takes, and at least 1."""
    for validator in field.validators:
        low = getattr(validator, "min", None)  # NumberRange
        low = getattr(validator, "minimum", None) if low is None else low  # AmountRange
        if low is not None:
            return max(Decimal(low), Decimal(1))
    return Decimal(1)


def _has(field, *kinds) -> bool:
    return any(isinstance(v, kinds) for v in field.validators)


def _valid_value(field, n, dates):
    """A value this field takes, from what kind of field it is; None to leave it empty."""
    optional = _has(field, Optional)
    if isinstance(field, BooleanField) or field.type in ("CSRFTokenField", "SubmitField", "HiddenField"):
        return None
    if isinstance(field, SelectMultipleField):
        return None if optional or not _has(field, DataRequired, InputRequired) else _first_choice(field)
    if isinstance(field, SelectFieldBase):
        return _first_choice(field)
    if isinstance(field, (IntegerField, DecimalField, FloatField)):
        return str(_least(field))
    if isinstance(field, DateField):
        if optional:
            return None
        dates.append(SOON + dt.timedelta(days=len(dates)))  # one after the other: ends follow starts
        return dates[-1].isoformat()
    if isinstance(field, TimeField):
        return "10:00"
    if isinstance(field, EmailField) or _has(field, Email):
        return f"walker{n}@example.org"
    if isinstance(field, PasswordField):
        return "a long enough walk password"
    if _has(field, Regexp) and optional:
        return None  # a phone, a path: valid when empty
    return f"Invented {field.short_name} {n}"


def _first_choice(field) -> str | None:
    for choice in field.iter_choices():
        value = choice[0]
        if value not in ("", 0, "0", None):
            return str(value)
    return None


def _baseline(form, n) -> dict:
    dates, data = [], {}
    for field in _leaves(form):
        value = _valid_value(field, n, dates)
        if value is not None:
            data[field.name] = value
    for name, value in VALID.get(type(form).__name__, {}).items():
        data[form._prefix + name] = value
    return {k: v for k, v in data.items() if v != ""}  # "" in VALID: left empty


def _fingerprint() -> str:
    """Everything stored but the audit trail (viewing a record is audited, and should be)."""
    tables = [t for t in db.metadata.sorted_tables if t.name != "audit_entries"]
    if db.session.get_bind().dialect.name == "postgresql":  # one round trip, not one per table
        parts = ", ".join(f"(SELECT string_agg(x::text, '|' ORDER BY x::text) FROM \"{t.name}\" x)" for t in tables)
        return db.session.scalar(text(f"SELECT md5(concat({parts}))"))
    digest = hashlib.sha256()
    for table in tables:
        for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture
def validated_forms(monkeypatch):
    """The forms each request validated (not those it only showed), as they were when it ended."""
    validated, depth = [], [0]
    original = FlaskForm.validate

    def validate(self, *args, **kwargs):
        depth[0] += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:  # a sub-form is walked with the form it is part of
                validated.append(self)

    monkeypatch.setattr(FlaskForm, "validate", validate)
    return validated


def _record_ids(app) -> dict[str, list[int]]:
    """Candidate values for each ``<int:…>`` argument of a route: the ids of the demo records."""
    from mexiles.accounts.models import User
    from mexiles.care.models import Appointment, Provider, Referral
    from mexiles.giving.models import Appeal, Campaign, Donor, Fund, Gift, RecurringGift
    from mexiles.housing.models import HousingRequest, Placement, Site
    from mexiles.people.models import Person
    from mexiles.tours.models import BookingRequest, Speaker, TimeProposal, TourEvent, Unavailability

    models = {
        "user_id": User,
        "person_id": Person,
        "recurring_id": RecurringGift,
        "fund_id": Fund,
        "campaign_id": Campaign,
        "donor_id": Donor,
        "into_id": Donor,
        "appeal_id": Appeal,
        "gift_id": Gift,
        "provider_id": Provider,
        "referral_id": Referral,
        "appointment_id": Appointment,
        "site_id": Site,
        "placement_id": Placement,
        "event_id": TourEvent,
        "speaker_id": Speaker,
        "row_id": Unavailability,
        "proposal_id": TimeProposal,
    }
    ids = {arg: list(db.session.scalars(select(model.id).order_by(model.id))) for arg, model in models.items()}
    from mexiles.jobs.models import Job
    from mexiles.people.models import CaseDate, CaseDocument, CaseNote, CaseTask, Detention

    for arg, model in (
        ("document_id", CaseDocument),
        ("job_id", Job),
        ("note_id", CaseNote),
        ("detention_id", Detention),
        ("date_id", CaseDate),
        ("task_id", CaseTask),
    ):
        ids[arg] = list(db.session.scalars(select(model.id).order_by(model.id)))
    from mexiles.assistance.models import AssistanceRequest

    ids["request_id"] = sorted(
        set(db.session.scalars(select(HousingRequest.id)))
        | set(db.session.scalars(select(BookingRequest.id)))
        | set(db.session.scalars(select(AssistanceRequest.id)))
    )
    return ids


def _urls(app, rule, ids, method, most):
    """Addresses of the rule built from demo records (a handful of each, not every combination)."""
    args = sorted(rule.arguments)
    if any(not isinstance(rule._converters[a], IntegerConverter) for a in args):
        return []  # tokens and actions: none of those forms has a number
    missing = [a for a in args if a not in ids]
    assert not missing, f"{rule.rule}: no demo records for {missing}; add them to _record_ids"
    combos = [{}]
    for arg in args:
        combos = [dict(c, **{arg: i}) for c in combos for i in ids[arg][:12]]
    adapter = app.url_map.bind("mexiles.test")
    return [adapter.build(rule.endpoint, c, method=method) for c in combos[:most]]


@contextmanager
def _forms_need_their_token(app):
    """Every form refuses a post without its CSRF token, while the views still run."""
    app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_CHECK_DEFAULT=False)
    try:
        yield
    finally:
        app.config.update(WTF_CSRF_ENABLED=False, WTF_CSRF_CHECK_DEFAULT=True)


def _clients(app):
    clients = {"public": app.test_client()}
    for n, (role, email) in enumerate(ACCOUNTS.items()):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        assert client.post("/account/login", data={"email": email, "password": PASSWORD}).status_code == 302, role
        clients[role] = client
    return clients


def _who(rule, access) -> list[str]:
    if access == PUBLIC:
        return ["public"]
    if access == SIGNED_IN:
        return ["donor", "coordinator"] if rule.rule.startswith("/give/portal") else ["coordinator", "donor"]
    return [role for role in ACCOUNTS if role in access]


class Walk:
    """Sends each number field of each form a route validates the bad numbers, and notes what went wrong."""

    def __init__(self, app, clients, validated):
        self.app, self.clients, self.validated = app, clients, validated
        self.walked, self.failures, self.sent = set(), [], 0

    def send(self, client, method, url, data):
        if method == "GET":
            return client.get(url, query_string=data)
        return client.post(url, data=data)

    def route(self, rule, method, url, who, probe_data):
        self.validated.clear()
        with _forms_need_their_token(self.app):  # the probe finds the forms and changes nothing
            probe = self.send(self.clients[who], method, url, probe_data)
        assert probe.status_code < 500, (rule.rule, who, probe.status_code)
        for form in [f for f in self.validated if _number_fields(f)]:
            if type(form).__name__ not in self.walked:
                self.form(rule, method, url, who, form)
        return bool(self.validated)  # the route's forms are known: no need to try other records

    def form(self, rule, method, url, who, form):
        form_name, prefix = type(form).__name__, form._prefix
        with self.app.app_context():
            before = _fingerprint()
        for field in _number_fields(form):
            because = {prefix + f for f in BECAUSE.get(field[len(prefix) :], ())}
            for bad in BAD_NUMBERS:
                self.sent += 1
                data = dict(_baseline(form, self.sent), **{field: bad})
                self.validated.clear()
                where = (method, url, who, form_name, field, bad[:20])
                try:
                    response = self.send(self.clients[who], method, url, data)
                except Exception as error:  # the test client lets a 500's exception through
                    self.failures.append((*where, "raised", repr(error)[:200]))
                    continue
                with self.app.app_context():
                    after = _fingerprint()
                seen = next((f for f in self.validated if type(f) is type(form)), None)
                errors = _errors(seen) if seen is not None else {}
                if response.status_code >= 500:
                    self.failures.append((*where, "answered", response.status_code))
                elif before != after:
                    self.failures.append((*where, "stored something"))
                    before = after
                elif set(errors) - {field} - because:
                    self.failures.append((*where, "other fields refused (fix the walk's VALID)", errors))
                elif field not in errors and response.status_code not in (400, 404, 409, 422):
                    self.failures.append((*where, "taken without a message", response.status_code))
        self.walked.add(form_name)
        self.walked.update(type(f.form).__name__ for f in _sub_forms(form))


def _sub_forms(form):
    for field in form:
        if isinstance(field, FieldList):
            yield from (e for e in field.entries if isinstance(e, FormField))
        elif isinstance(field, FormField):
            yield field


def test_every_number_field_of_every_form_refuses_numbers_out_of_range(app, runner, validated_forms):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    forms = _forms()
    with_numbers = {f.__name__ for f in forms if _has_numbers(f)}
    assert {"EventForm", "MergeForm", "FundForm", "CampaignForm", "PlacementForm", "MoveForm"} <= with_numbers
    # A page's filters come in its query string: the probe names every filter field, so that the
    # page validates its form.
    filter_fields = {
        n: "1" for f in forms if not f.Meta.csrf for n in dir(f) if isinstance(getattr(f, n, None), UnboundField)
    }
    with app.app_context():
        ids = _record_ids(app)
    walk = Walk(app, _clients(app), validated_forms)
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = app.view_functions[rule.endpoint].access
        for method, most, probe_data in (("POST", 40, {}), ("GET", 1, filter_fields)):
            if method in rule.methods:
                attempts = ((url, who) for url in _urls(app, rule, ids, method, most) for who in _who(rule, access))
                any(walk.route(rule, method, url, who, probe_data) for url, who in attempts)
    assert walk.failures == [], "\n".join(map(repr, walk.failures))
    unwalked = with_numbers - walk.walked - set(WALKED_ELSEWHERE)
    assert unwalked == set(), f"forms with numbers that no route of the demo data reached: {unwalked}"
    assert walk.sent > 200
