"""Odd numbers in query strings get a clear answer, never a 500; names are never searched by GET;
CSV cells cannot run as formulas, and numbers stay numbers."""

import csv
import io
import re

import pytest

from mexiles.access import PUBLIC, SIGNED_IN, Role
from mexiles.http import csv_cell

# Every number or date any page reads from its query string (grep request.args and the GET forms).
QUERY_FIELDS = (
    "page",
    "year",
    "cents",
    "person",
    "request",
    "provider",
    "weeks",
    "beds",
    "start",
    "end",
    "since",
    "until",
    "campaign",
    "event",
    "actor",
    "subject_id",
)
ODD_VALUES = ("99999999999999999999", "-1", "0", "99999", "9999-12-31", "0001-01-01", "1e400", "NaN")


@pytest.mark.parametrize("year", ["99999999", "-1", "0", "99999", "1900", "x"])
def test_report_years_out_of_range_get_a_clear_message(client, auth, make_user, year):
    auth.login(make_user("coordinator"))
    response = client.get(f"/give/staff/reports?year={year}")
    page = response.data.decode()
    if year == "x":  # not a number at all: this year's report
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert re.search(r"Reports cover the years 1990 to \d{4}\.", page)


def test_report_years_in_range_and_the_message_in_spanish(client, auth, make_user):
    auth.login(make_user("coordinator", locale="es"))
    assert client.get("/give/staff/reports?year=2026").status_code == 200
    assert "Los informes abarcan los años 1990 a" in client.get("/give/staff/reports?year=0").data.decode()


def _get_rules(app, roles):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = app.view_functions[rule.endpoint].access
        if "GET" in rule.methods and not rule.arguments and (access in (PUBLIC, SIGNED_IN) or roles & set(access)):
            yield rule.rule


def test_odd_numbers_in_any_query_string_never_answer_500(app, client, auth, make_user):
    staff = make_user(Role.ADMIN, Role.COORDINATOR, Role.COUNSELOR, Role.SPEAKER)
    auth.login(staff)
    walked = 0
    for path in _get_rules(app, set(staff.roles)):
        if path == "/account/logout":
            continue
        for value in ODD_VALUES:
            query = "&".join(f"{name}={value}" for name in QUERY_FIELDS)
            response = client.get(f"{path}?{query}")
            assert response.status_code < 500, (path, value, response.status_code)
            walked += 1
    assert walked > 100


def test_odd_numbers_on_pages_of_real_records_never_answer_500(app, client, auth, runner):
    """The same on every page of a record, with the demo data's record numbers."""
    from mexiles.accounts.demo import PASSWORD
    from tests.test_audit_walk import _sample_ids, _urls

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        ids = {key: found[:1] for key, found in _sample_ids().items()}  # one record of each kind
    walked = 0
    for email, roles in (("admin@example.org", {Role.ADMIN}), ("speaker@example.org", {Role.SPEAKER})):
        client.post("/account/login", data={"email": email, "password": PASSWORD})
        for url in sorted({u for u in _urls(app, roles, ids) if "<" not in u and "?" not in u}):
            if url.endswith("/account/logout"):
                continue
            for value in ("99999999999999999999", "0001-01-01"):
                response = client.get(f"{url}?" + "&".join(f"{name}={value}" for name in QUERY_FIELDS))
                assert response.status_code < 500, (url, value, response.status_code)
                walked += 1
        client.post("/account/logout")
    assert walked > 80


def test_the_housing_person_picker_searches_by_post(app, client, auth, make_user, make_person):
    coordinator = make_user("coordinator")
    make_person([coordinator.id], legal_name="Rosaura Benavides Ortega", alias="La Rosa")
    auth.login(coordinator)
    form = client.get("/housing/requests/new").data.decode()
    assert re.search(r'<form method="post"[^>]*role="search"', form)
    assert "La Rosa" not in client.get("/housing/requests/new?q=Benavides").data.decode()
    assert "La Rosa" in client.post("/housing/requests/new", data={"q": "Benavides"}).data.decode()


def test_the_donor_search_is_posted(app, client, auth, make_user, record_gift):
    record_gift("general", 2500, __import__("datetime").date(2026, 3, 1))
    auth.login(make_user("coordinator"))
    listing = client.get("/give/staff/donors").data.decode()
    assert re.search(r'<form method="post"[^>]*role="search"', listing)
    found = client.post("/give/staff/donors", data={"q": "giver-"}).data.decode()
    assert "giver-" in found and "Show every donor" in found
    assert "No donors yet." in client.post("/give/staff/donors", data={"q": "nobody-at-all"}).data.decode()


def test_no_page_searches_text_by_get(app, client, auth, make_user):
    """A GET form carries only codes, numbers and dates: no part of a name reaches an access log.
    (The audit filter's record number is a text field, but holds only a record number.)"""
    staff = make_user(Role.ADMIN, Role.COORDINATOR, Role.COUNSELOR, Role.SPEAKER)
    auth.login(staff)
    text_inputs = set()
    for path in _get_rules(app, set(staff.roles)):
        if path == "/account/logout":
            continue
        response = client.get(path)
        if response.mimetype != "text/html":  # the favicon, files: no forms there
            continue
        page = response.data.decode()
        for form in re.findall(r'<form method="get".*?</form>', page, flags=re.S):
            for tag in re.findall(r"<input[^>]*>", form):
                kind = re.search(r'type="([^"]+)"', tag)
                if (kind.group(1) if kind else "text") in ("text", "search", "email"):
                    text_inputs.add((path, re.search(r'name="([^"]+)"', tag).group(1)))
    assert text_inputs == {("/audit/", "subject_id")}


def test_csv_cells_defuse_formulas_and_keep_numbers():
    assert [csv_cell(v) for v in (-102, "-102", "-1.5", "+3", 0, "12")] == ["-102", "-102", "-1.5", "+3", "0", "12"]
    assert [csv_cell(v) for v in ("=1+1", "+cmd", "@x", "-x", "-1+2", "\tx", "-")] == [
        "'=1+1",
        "'+cmd",
        "'@x",
        "'-x",
        "'-1+2",
        "'\tx",
        "'-",
    ]


def test_an_export_defuses_a_formula_typed_as_a_name(app, client, auth, make_user, record_gift):
    auth.login(make_user("admin"))
    record_gift("general", 2500, __import__("datetime").date(2026, 3, 1))
    from mexiles.extensions import db
    from mexiles.giving.models import Donor

    with app.app_context():
        donor = db.session.scalars(db.select(Donor)).first()
        donor.name = '=HYPERLINK("http://evil.example")'
        db.session.commit()
    rows = list(csv.reader(io.StringIO(client.get("/give/staff/export/donors.csv").data.decode())))
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example")'
    gifts = list(csv.reader(io.StringIO(client.get("/give/staff/export/gifts.csv").data.decode())))
    assert gifts[1][6] == "2500"
