"""Stewardship: the lists of donors to thank or win back, the thanks mark, their CSV, duplicate
suggestions and the merge with its preview, on data built to hold each case."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.giving.models import Donor, Gift, RecurringGift, Thanks

NOW = dt.datetime(2026, 6, 15, 18)


def _donor(email, name, address=None, **extra) -> int:
    donor = Donor(email_key=email, name=name, address=address, **extra)
    db.session.add(donor)
    db.session.flush()
    return donor.id


def _gift(donor_id, fund_id, when, cents=5000, status="succeeded", **extra) -> int:
    gift = Gift(donor_id=donor_id, fund_id=fund_id, amount_cents=cents, status=status, received_at=when, **extra)
    gift.settle()
    db.session.add(gift)
    db.session.flush()
    return gift.id


@pytest.fixture
def cases(app, funds, time_machine):
    """One donor for each case the lists tell apart."""
    time_machine.move_to(NOW, tick=False)
    with app.app_context():
        f = funds.counseling
        ids = {
            "lapsed": _donor("lapsed@example.org", "Lara Lapsed"),
            "long_ago": _donor("longago@example.org", "Simón Someyear"),
            "retained": _donor("retained@example.org", "Rita Retained"),
            "new": _donor("new@example.org", "Nora Newgiver"),
            "new_thanked": _donor("thanked@example.org", "Teo Thanked"),
            "refunded": _donor("refunded@example.org", "Rafa Refunded"),
            "large": _donor("large@example.org", "Luz Largegift"),
        }
        _gift(ids["lapsed"], f, dt.datetime(2025, 3, 1, 18))  # noon in El Paso
        _gift(ids["long_ago"], f, dt.datetime(2023, 5, 1))
        _gift(ids["retained"], f, dt.datetime(2025, 4, 1))
        _gift(ids["retained"], f, dt.datetime(2026, 2, 1))
        _gift(ids["new"], f, dt.datetime(2026, 5, 1))
        _gift(ids["new_thanked"], f, dt.datetime(2026, 5, 2))
        db.session.add(Thanks(donor_id=ids["new_thanked"], method="phone", thanked_at=dt.datetime(2026, 5, 3)))
        _gift(ids["refunded"], f, dt.datetime(2025, 3, 1), refunded_cents=5000)
        ids["large_gift"] = _gift(ids["large"], f, dt.datetime(2025, 1, 10), cents=250_000)
        _gift(ids["large"], f, dt.datetime(2026, 1, 10), cents=250_000)
        ids["small_gift"] = _gift(ids["large"], f, dt.datetime(2026, 3, 10), cents=90_000)
        db.session.commit()
        return ids


NAMES = {
    "lapsed": "Lara Lapsed",
    "long_ago": "Simón Someyear",
    "retained": "Rita Retained",
    "new": "Nora Newgiver",
    "new_thanked": "Teo Thanked",
    "refunded": "Rafa Refunded",
    "large": "Luz Largegift",
}


def _shown(client, query) -> set[str]:
    response = client.get(f"/give/staff/stewardship?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return {key for key, name in NAMES.items() if name in page}


def test_each_list_holds_exactly_its_donors(client, auth, make_user, cases):
    auth.login(make_user("coordinator"))
    assert _shown(client, "list=lybunt&year=2026") == {"lapsed"}
    assert _shown(client, "list=sybunt&year=2026") == {"long_ago"}
    # Nora and Luz gave first this year... Luz gave first in 2025: only Nora, and Teo is thanked.
    assert _shown(client, "list=first&year=2026") == {"new"}
    assert _shown(client, "list=large&year=2026&minimum=1000") == {"large"}
    assert _shown(client, "list=large&year=2026&minimum=3000") == set()
    # Last year's view: the donors of 2024 and before who did not give in 2025.
    assert _shown(client, "list=sybunt&year=2025") == {"long_ago"} and _shown(client, "list=lybunt&year=2025") == set()


def test_the_large_gifts_list_shows_each_gift_at_or_above_the_threshold(client, auth, make_user, cases):
    auth.login(make_user("coordinator"))
    page = client.get("/give/staff/stewardship?list=large&year=2026&minimum=900").get_data(as_text=True)
    assert "$2,500.00" in page and "$900.00" in page
    page = client.get("/give/staff/stewardship?list=large&year=2026&minimum=900.01").get_data(as_text=True)
    assert "$2,500.00" in page and "$900.00" not in page


@pytest.mark.parametrize("query", ["minimum=-1", "minimum=1e308", "minimum=NaN", "year=1800", "year=99999999999"])
def test_a_threshold_or_year_out_of_bounds_is_refused_with_a_message(client, auth, make_user, cases, query):
    auth.login(make_user("coordinator"))
    response = client.get(f"/give/staff/stewardship?list=large&{query}")
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


def test_staff_mark_a_donor_thanked_and_the_first_time_list_lets_them_go(app, client, auth, make_user, cases):
    user = make_user("coordinator", name="Carmen Coordinadora")
    auth.login(user)
    back = "/give/staff/stewardship?list=first&year=2026"
    response = client.post(
        f"/give/staff/donors/{cases['new']}/thanks", data={"method": "letter", "back": back}, follow_redirects=False
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    assert _shown(client, "list=first&year=2026") == set()
    with app.app_context():
        thanks = db.session.scalar(select(Thanks).where(Thanks.donor_id == cases["new"]))
        assert (thanks.method, thanks.by_user_id) == ("letter", user.id)
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "donor.thanked")) == 1
    # A gift's thanks shows on the large-gifts list, by whom and how.
    client.post(
        f"/give/staff/donors/{cases['large']}/thanks", data={"method": "in_person", "gift": cases["small_gift"]}
    )
    page = client.get("/give/staff/stewardship?list=large&year=2026&minimum=900").get_data(as_text=True)
    assert "Carmen Coordinadora" in page and "In person" in page


def test_thanks_refuse_an_unknown_method_and_another_donors_gift(app, client, auth, make_user, cases):
    auth.login(make_user("coordinator"))
    assert client.post(f"/give/staff/donors/{cases['new']}/thanks", data={"method": "pigeon"}).status_code == 302
    response = client.post(
        f"/give/staff/donors/{cases['new']}/thanks", data={"method": "phone", "gift": cases["small_gift"]}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Thanks.id)).where(Thanks.donor_id == cases["new"])) == 0


def test_the_csv_holds_the_list_and_is_audited_per_donor(app, client, auth, make_user, cases):
    auth.login(make_user("coordinator"))
    response = client.get("/give/staff/stewardship.csv?list=lybunt&year=2026")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["donor_id"], r["name"], r["last_gift"]) for r in rows] == [
        (str(cases["lapsed"]), "Lara Lapsed", "2025-03-01")
    ]
    with app.app_context():
        exported = set(
            db.session.scalars(
                select(AuditEntry.subject_id).where(AuditEntry.action == "donors.stewardship.lybunt.export")
            )
        )
    assert exported == {str(cases["lapsed"])}


def test_a_name_that_looks_like_a_formula_is_defused_in_the_csv(app, client, auth, make_user, cases):
    with app.app_context():
        db.session.get(Donor, cases["lapsed"]).name = "=HYPERLINK(1)"
        db.session.commit()
    auth.login(make_user("coordinator"))
    text = client.get("/give/staff/stewardship.csv?list=lybunt&year=2026").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def _fill(app, funds, count, start):
    with app.app_context():
        for n in range(start, start + count):
            lapsed = _donor(f"l{n}@example.org", f"Lapsed {n}")
            _gift(lapsed, funds.counseling, dt.datetime(2025, 2, 1), cents=200_000)
            new = _donor(f"n{n}@example.org", f"New {n}", address=f"{n} Demo St, El Paso, TX 79901")
            _gift(new, funds.housing, dt.datetime(2026, 2, 1), cents=200_000)
            db.session.add(Thanks(donor_id=lapsed, method="email"))
            twin = _donor(f"n{n}+x@example.org", f"New {n}")  # a duplicate by mailbox
            _gift(twin, funds.housing, dt.datetime(2026, 2, 2))
        db.session.commit()


def test_the_list_pages_run_a_constant_number_of_queries(app, client, auth, make_user, funds, count_queries, cases):
    auth.login(make_user("coordinator"))
    paths = [
        *(f"/give/staff/stewardship?list={kind}&year=2026&minimum=100" for kind in ("lybunt", "sybunt", "first")),
        "/give/staff/stewardship?list=large&year=2026&minimum=100",
        "/give/staff/stewardship.csv?list=lybunt&year=2026",
        "/give/staff/duplicates",
        "/give/staff/appeals",
    ]
    counts = []
    for start, size in ((0, 2), (2, 14)):
        _fill(app, funds, size, start)
        sizes = []
        for path in paths:
            with count_queries() as counted:
                response = client.get(path)
            assert response.status_code == 200, path
            sizes.append(len(counted))
        counts.append(sizes)
    assert counts[0] == counts[1]


# --- Duplicates -------------------------------------------------------------------------------


@pytest.fixture
def twins(app, funds):
    with app.app_context():
        ids = {
            "gmail": _donor("ana.lopez@gmail.com", "Ana López"),
            "gmail_twin": _donor("analopez+regalos@googlemail.com", "Ana L."),
            "tag": _donor("pat@example.org", "Pat One"),
            "tag_twin": _donor("pat+news@example.org", "Pat Two"),
            "dots": _donor("j.smith@example.org", "Jo Smith"),
            "dots_other": _donor("jsmith@example.org", "Jay Smith"),
            "named": _donor("maria@example.org", "María  López", "1200 Calle Demo\nEl Paso, TX 79901"),
            "named_twin": _donor("mlopez@example.net", "MARIA LOPEZ", "Apt 3, 88 Demo St, El Paso TX 79901-2044"),
            "named_elsewhere": _donor("maria.l@example.com", "Maria Lopez", "Las Cruces, NM 88001"),
        }
        db.session.commit()
        return ids


def _pairs(client) -> str:
    response = client.get("/give/staff/duplicates")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_duplicates_are_suggested_by_mailbox_and_by_name_and_postal_code(app, client, auth, make_user, twins):
    auth.login(make_user("coordinator"))
    page = _pairs(client)
    merge = "/give/staff/donors/{}/merge/{}"
    assert merge.format(twins["gmail_twin"], twins["gmail"]) in page  # Gmail: dots, +tag, googlemail
    assert merge.format(twins["tag_twin"], twins["tag"]) in page  # a +tag anywhere
    assert merge.format(twins["named_twin"], twins["named"]) in page  # accents, case, spaces, ZIP+4
    # Dots tell people apart outside Gmail; the same name at another postal code is another person.
    for one, other in (("dots", "dots_other"), ("named", "named_elsewhere"), ("named_twin", "named_elsewhere")):
        assert merge.format(twins[other], twins[one]) not in page and merge.format(twins[one], twins[other]) not in page
    assert page.count("See and merge") == 3
    with app.app_context():
        seen = set(db.session.scalars(select(AuditEntry.subject_id).where(AuditEntry.action == "donors.duplicates")))
        # The names are matched by their keyed hash: no plain name in the column.
        key = db.session.get(Donor, twins["named"]).name_postal_key
    assert {str(twins[k]) for k in ("gmail", "gmail_twin", "named", "named_twin")} <= seen
    assert key and "maria" not in key.lower() and len(key) == 32


def test_an_address_differing_only_by_case_is_one_donor(app, funds):
    from mexiles.giving.services import donors

    with app.app_context():
        first = donors.find_or_create("Ana.Case@Example.org", "Ana")
        db.session.commit()
        assert donors.find_or_create("ana.case@example.ORG").id == first.id
        assert db.session.scalar(select(func.count(Donor.id))) == 1


def test_the_merge_preview_says_what_moves_and_one_click_merges(app, client, auth, make_user, twins, funds):
    with app.app_context():
        for when in (dt.datetime(2025, 1, 1), dt.datetime(2025, 2, 1)):
            _gift(twins["named_twin"], funds.housing, when)
        db.session.add(RecurringGift(donor_id=twins["named_twin"], fund_id=funds.housing, amount_cents=2000))
        db.session.add(Thanks(donor_id=twins["named_twin"], method="phone"))
        db.session.get(Donor, twins["named"]).address = None
        db.session.commit()
    auth.login(make_user("coordinator"))
    url = f"/give/staff/donors/{twins['named_twin']}/merge/{twins['named']}"
    page = client.get(url).get_data(as_text=True)
    for shown in ("2 gifts", "1 monthly gift", "1 thanks", "Their address"):
        assert shown in page, shown
    with app.app_context():  # the preview moved nothing
        assert db.session.get(Donor, twins["named_twin"]) is not None
    response = client.post(url)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/give/staff/donors/{twins['named']}")
    with app.app_context():
        assert db.session.get(Donor, twins["named_twin"]) is None
        for model, count in ((Gift, 2), (RecurringGift, 1), (Thanks, 1)):
            assert db.session.scalar(select(func.count(model.id)).where(model.donor_id == twins["named"])) == count
        assert "79901-2044" in db.session.get(Donor, twins["named"]).address
    assert "See and merge" in _pairs(client) and _pairs(client).count("See and merge") == 2
    assert client.get(f"/give/staff/donors/{twins['named']}/merge/{twins['named']}").status_code == 404


@pytest.mark.parametrize("role", ["counselor", "speaker", "donor"])
def test_other_roles_cannot_reach_stewardship_on_direct_urls(app, client, auth, make_user, twins, role):
    auth.login(make_user(role))
    for method, url in (
        ("get", "/give/staff/stewardship?list=lybunt"),
        ("get", "/give/staff/stewardship.csv?list=lybunt"),
        ("get", "/give/staff/duplicates"),
        ("get", f"/give/staff/donors/{twins['tag_twin']}/merge/{twins['tag']}"),
        ("post", f"/give/staff/donors/{twins['tag_twin']}/merge/{twins['tag']}"),
        ("post", f"/give/staff/donors/{twins['tag']}/thanks"),
    ):
        assert getattr(client, method)(url, data={"method": "phone"}).status_code == 403, url
    with app.app_context():
        assert db.session.get(Donor, twins["tag_twin"]) is not None
