"""The approval rule through HTTP: nobody decides their own request, above the balance only with an
explicit override and a reason, every step audited."""

from sqlalchemy import select

from mexiles.assistance.models import AssistanceRequest
from mexiles.audit.models import AuditEntry
from mexiles.extensions import db


def _entries(app, request_id):
    with app.app_context():
        return [
            (e.action, e.actor_id, e.details)
            for e in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_type == "assistance_request", AuditEntry.subject_id == str(request_id))
                .order_by(AuditEntry.id)
            )
        ]


def test_a_coordinator_asks_through_the_form_and_the_reason_is_kept(app, client, auth, aid):
    fund, person = aid.fund("general", 50_000), aid.person()
    auth.login(aid.coordinator)
    page = client.get(f"/assistance/new/{person}")
    assert page.status_code == 200 and "Persona Uno" in page.get_data(as_text=True)
    answer = client.post(
        f"/assistance/new/{person}",
        data={"category": "medicine", "amount": "65.40", "fund_id": fund, "reason": "Medicina para la presión."},
    )
    assert answer.status_code == 302
    with app.app_context():
        request = db.session.scalars(select(AssistanceRequest)).one()
        assert (request.amount_cents, request.category, request.status) == (6540, "medicine", "requested")
        assert request.reason == "Medicina para la presión."
    assert [a for a, *_ in _entries(app, request.id)] == ["assistance.requested"]


def test_bad_amounts_get_a_message_and_nothing_is_stored(app, client, auth, aid):
    fund, person = aid.fund("general", 50_000), aid.person()
    auth.login(aid.coordinator)
    for amount in ("0", "-5", "10000000.01", "abc", "NaN"):
        answer = client.post(
            f"/assistance/new/{person}", data={"category": "food", "amount": amount, "fund_id": fund, "reason": "x"}
        )
        assert answer.status_code == 200, amount
    client.post("/account/logout")
    with app.app_context():
        assert db.session.scalars(select(AssistanceRequest)).all() == []


def test_a_coordinator_never_decides_and_an_admin_never_decides_their_own(app, client, auth, aid):
    fund, person = aid.fund("general", 50_000), aid.person()
    asked_by_coordinator = aid.ask(person, fund, 2000)
    auth.login(aid.coordinator)
    assert client.post(f"/assistance/{asked_by_coordinator}/decide", data={"decision": "approve"}).status_code == 403
    auth.logout()
    asked_by_admin = aid.ask(person, fund, 3000, by=aid.admin)
    auth.login(aid.admin)
    page = client.get(f"/assistance/{asked_by_admin}").get_data(as_text=True)
    assert "Save the decision" not in page and "Another admin decides a request you made." in page
    answer = client.post(f"/assistance/{asked_by_admin}/decide", data={"decision": "approve"})
    assert answer.status_code == 400
    assert "another admin must decide it" in answer.get_data(as_text=True)
    assert aid.status(asked_by_admin) == "requested"
    auth.logout()
    auth.login(aid.other_admin)
    assert client.post(f"/assistance/{asked_by_admin}/decide", data={"decision": "approve"}).status_code == 302
    assert aid.status(asked_by_admin) == "approved"


def test_the_database_refuses_a_self_decision_too(app, aid):
    import pytest
    from sqlalchemy.exc import IntegrityError

    fund, person = aid.fund("general", 50_000), aid.person()
    request_id = aid.ask(person, fund, 2000, by=aid.admin)
    with app.app_context():
        request = db.session.get(AssistanceRequest, request_id)
        request.status, request.decided_by_id, request.decided_at = "approved", aid.admin.id, request.requested_at
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_approving_above_the_balance_needs_the_override_and_a_reason_and_is_audited(app, client, auth, aid):
    fund, person = aid.fund("general", 10_000), aid.person()  # $100.00 raised
    first = aid.ask(person, fund, 6_000)
    assert aid.decide(first) == "approved"  # $40.00 left to approve
    second = aid.ask(person, fund, 4_001)
    auth.login(aid.admin)
    page = client.get(f"/assistance/{second}").get_data(as_text=True)
    assert "$40.00" in page and "$100.00" in page  # the balance is shown before approval
    answer = client.post(f"/assistance/{second}/decide", data={"decision": "approve"})
    assert answer.status_code == 400 and "The fund has $40.00 left to approve" in answer.get_data(as_text=True)
    answer = client.post(f"/assistance/{second}/decide", data={"decision": "approve", "override": "y"})
    assert answer.status_code == 400 and "Say why the fund may spend more" in answer.get_data(as_text=True)
    assert aid.status(second) == "requested"
    answer = client.post(
        f"/assistance/{second}/decide",
        data={"decision": "approve", "override": "y", "override_reason": "Audiencia mañana."},
    )
    assert answer.status_code == 302 and aid.status(second) == "approved"
    with app.app_context():
        request = db.session.get(AssistanceRequest, second)
        assert request.over_balance and request.override_reason == "Audiencia mañana."
    action, actor, details = _entries(app, second)[-1]
    assert (action, actor) == ("assistance.approved", aid.admin.id)
    assert details["over_balance"] is True and details["available_cents"] == 4_000
    # Exactly the balance needs no override.
    third = aid.ask(person, fund, 1)
    assert client.post(f"/assistance/{third}/decide", data={"decision": "approve"}).status_code == 400


def test_exactly_what_is_left_is_approved_without_override(app, aid):
    fund, person = aid.fund("general", 10_000), aid.person()
    assert aid.decide(aid.ask(person, fund, 10_000)) == "approved"


def test_declining_and_paying_are_recorded_and_audited(app, client, auth, aid, today):
    fund, person = aid.fund("general", 10_000), aid.person()
    declined, approved = aid.ask(person, fund, 500), aid.ask(person, fund, 700)
    auth.login(aid.admin)
    assert client.post(f"/assistance/{declined}/decide", data={"decision": "decline"}).status_code == 302
    assert client.post(f"/assistance/{declined}/pay", data={"paid_on": today, "method": "cash"}).status_code == 400
    assert client.post(f"/assistance/{approved}/decide", data={"decision": "approve"}).status_code == 302
    assert "Record the payment" in client.get(f"/assistance/{approved}").get_data(as_text=True)
    assert client.get("/assistance/unpaid").get_data(as_text=True).count(f"/assistance/{approved}") == 1
    future = today.replace(year=today.year + 1)
    assert client.post(f"/assistance/{approved}/pay", data={"paid_on": future, "method": "cash"}).status_code == 400
    assert client.post(f"/assistance/{approved}/pay", data={"paid_on": today, "method": "bitcoin"}).status_code == 400
    assert client.post(f"/assistance/{approved}/pay", data={"paid_on": today, "method": "vendor"}).status_code == 302
    assert f"/assistance/{approved}" not in client.get("/assistance/unpaid").get_data(as_text=True)
    assert aid.status(declined) == "declined" and aid.status(approved) == "paid"
    assert [a for a, *_ in _entries(app, approved)][-1] == "assistance.paid"
    assert "assistance.declined" in [a for a, *_ in _entries(app, declined)]


def test_the_request_page_is_audited_and_in_spanish(app, client, auth, make_user, aid):
    fund, person = aid.fund("general", 10_000), aid.person()
    request_id = aid.ask(person, fund, 500, reason="Pasaje de ida y vuelta.")
    spanish_admin = make_user("admin", locale="es")
    auth.login(spanish_admin)
    page = client.get(f"/assistance/{request_id}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Pasaje de ida y vuelta." in page and "Ayuda de emergencia para" in page and "El saldo del fondo" in page
    assert ("assistance.viewed", spanish_admin.id) in [(a, u) for a, u, _d in _entries(app, request_id)]
