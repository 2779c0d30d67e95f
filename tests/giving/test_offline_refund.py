"""A gift paid by check, cash or in kind has no card to refund: its page records money returned
instead, and the service refuses a card refund of it."""

from sqlalchemy import select

from mexiles.extensions import db
from mexiles.giving.models import Gift, Refund
from tests.conftest import org_today


def test_an_offline_gift_offers_to_record_money_returned_not_a_card_refund(
    app, client, auth, make_user, funds, record_gift
):
    gift_id = record_gift("housing", 50_00, org_today(app))
    auth.login(make_user("admin"))
    page = client.get(f"/give/staff/gifts/{gift_id}").data.decode()
    assert "Record money returned" in page and 'value="returned"' in page
    assert "Refund to the card" not in page and 'value="card"' not in page
    # A card refund posted anyway (a stale page, a crafted form) is refused by the service.
    refused = client.post(f"/give/staff/gifts/{gift_id}", data={"amount": "10", "way": "card"}).data.decode()
    assert "This gift was not paid by card" in refused
    with app.app_context():
        assert db.session.scalars(select(Refund)).all() == []
    recorded = client.post(
        f"/give/staff/gifts/{gift_id}", data={"amount": "10", "reason": "check sent back", "way": "returned"}
    )
    assert recorded.status_code == 302
    with app.app_context():
        [refund] = db.session.scalars(select(Refund)).all()
        assert refund.stripe_refund_id is None and db.session.get(Gift, gift_id).refunded_cents == 10_00
    client.post("/language", data={"locale": "es"})
    assert "Registrar dinero devuelto" in client.get(f"/give/staff/gifts/{gift_id}").data.decode()
