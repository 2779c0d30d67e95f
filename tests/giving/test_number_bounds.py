"""The numbers of the issue that answered 500 (or were stored on SQLite), each refused with a message."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from mexiles.extensions import db
from mexiles.giving.models import Campaign, Donor, Fund, Gift, RecurringGift, Refund
from tests.conftest import org_today

from .conftest import gift_form

TOO_MUCH = "Give an amount between $1.00 and $10,000,000.00."


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin")
    auth.login(user)
    return user


@pytest.mark.parametrize("position", ["2147483648", "-1", "9" * 5000])
def test_a_fund_position_beyond_the_column_is_refused(app, client, admin, funds, position):
    for url in ("/give/staff/funds", f"/give/staff/funds/{funds.housing}"):
        response = client.post(url, data={"code": "walk", "name_en": "Walk", "name_es": "Paseo", "position": position})
        assert response.status_code == 200
        assert "Give a whole number from 0 to 10000." in response.data.decode()
    with app.app_context():
        assert db.session.scalar(select(Fund).where(Fund.code == "walk")) is None
        assert db.session.get(Fund, funds.housing).position == 1


@pytest.mark.parametrize("goal", ["21474836.48", "10000000.01", "1e308"])
def test_a_goal_beyond_ten_million_is_refused_and_not_stored(app, client, admin, funds, make_campaign, goal):
    campaign_id = make_campaign()
    today = org_today(app)
    data = {
        "slug": "too-big",
        "title_en": "Big",
        "title_es": "Grande",
        "goal": goal,
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=9)).isoformat(),
        "fund": 0,
    }
    for url in ("/give/staff/campaigns/new", f"/give/staff/campaigns/{campaign_id}"):
        response = client.post(url, data=data)
        assert response.status_code == 200 and TOO_MUCH in response.data.decode()
    with app.app_context():
        assert db.session.scalar(select(Campaign).where(Campaign.slug == "too-big")) is None
        assert db.session.get(Campaign, campaign_id).goal_cents == 253_000_00
    # The largest goal there is can be saved, and saved again.
    for _ in range(2):
        assert client.post(f"/give/staff/campaigns/{campaign_id}", data=dict(data, goal="10000000")).status_code == 302


def test_an_offline_gift_beyond_ten_million_is_refused(app, client, admin, funds):
    response = client.post(
        "/give/staff/gifts/new",
        data={
            "email": "big@example.org",
            "source": "check",
            "amount": "10000000.01",
            "fund": funds.housing,
            "campaign": 0,
            "received_on": org_today(app).isoformat(),
            "locale": "en",
        },
    )
    assert response.status_code == 200
    assert "Give an amount between $0.01 and $10,000,000.00." in response.data.decode()
    with app.app_context():
        assert _count(Gift) == 0


@pytest.mark.parametrize("fund", ["2147483648", "999999"])
def test_an_offline_gift_for_a_fund_that_is_not_there_is_refused(app, client, admin, funds, fund):
    response = client.post(
        "/give/staff/gifts/new",
        data={
            "email": "big@example.org",
            "source": "check",
            "amount": "10",
            "fund": fund,
            "campaign": 0,
            "received_on": org_today(app).isoformat(),
            "locale": "en",
        },
    )
    assert response.status_code == 200 and "Choose from the list." in response.data.decode()
    with app.app_context():
        assert _count(Gift) == 0


@pytest.mark.parametrize("amount", ["1e308", "10000000.01", "NaN"])
def test_a_refund_of_a_huge_amount_is_refused(app, client, admin, funds, record_gift, amount):
    gift_id = record_gift("housing", 50_00, org_today(app))
    response = client.post(f"/give/staff/gifts/{gift_id}", data={"amount": amount, "reason": "typo"})
    assert response.status_code == 200
    page = response.data.decode()
    assert "Give an amount between $0.01 and $10,000,000.00." in page or "such as 250 or 99.50" in page
    with app.app_context():
        assert _count(Refund) == 0 and db.session.get(Gift, gift_id).refunded_cents == 0


@pytest.mark.parametrize("into", ["2147483648", "99999", "-1"])
def test_merging_into_a_donor_that_is_not_there_is_refused(app, client, make_user, auth, into):
    auth.login(make_user("coordinator"))
    with app.app_context():
        donor = Donor(email_key="dup@example.org")
        db.session.add(donor)
        db.session.commit()
        donor_id = donor.id
    response = client.post(f"/give/staff/donors/{donor_id}", data={"into": into})
    assert response.status_code == 200 and "Give the number of another donor." in response.data.decode()
    with app.app_context():
        assert db.session.get(Donor, donor_id) is not None


def test_a_donor_number_beyond_the_column_in_the_address_is_not_found(client, make_user, auth):
    auth.login(make_user("coordinator"))
    assert client.get("/give/staff/donors/2147483648").status_code == 404


@pytest.mark.parametrize("amount", ["1e308", "10000000.01", "9" * 5000])
def test_a_huge_new_monthly_amount_in_the_portal_is_refused(app, client, make_user, auth, funds, amount):
    user = make_user("donor")
    with app.app_context():
        donor = Donor(email_key=user.email, user_id=user.id)
        db.session.add(donor)
        db.session.flush()
        monthly = RecurringGift(
            donor_id=donor.id,
            fund_id=funds.general,
            amount_cents=2500,
            status="active",
            stripe_subscription_id="sub_walk",
        )
        db.session.add(monthly)
        db.session.commit()
        monthly_id = monthly.id
    auth.login(user)
    response = client.post(f"/give/portal/monthly/{monthly_id}/amount", data={"amount": amount}, follow_redirects=True)
    assert response.status_code == 200 and "Give an amount of at most $10,000,000.00." in response.data.decode()
    with app.app_context():
        assert db.session.get(RecurringGift, monthly_id).amount_cents == 2500


@pytest.mark.parametrize(
    "field, value",
    [("other_amount", "1e308"), ("other_amount", "10000000.01"), ("other_amount", "9" * 5000), ("amount", "9" * 5000)],
)
def test_the_donate_form_refuses_huge_amounts_with_its_message(stripe_app, client, funds, field, value):
    data = gift_form(**{"amount": "other", field: value})
    response = client.post("/give/pay", data=data)
    assert response.status_code == 400 and response.json["status"] == "invalid"
    assert response.json["errors"]["other_amount"] in (
        ["For a gift this large, please contact us."],
        ["Choose an amount or type one."],
    )
    with stripe_app.app_context():
        assert _count(Gift) == 0
