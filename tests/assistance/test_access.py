"""Other roles and other coordinators get 403/404 on every assistance address."""

import pytest


@pytest.fixture
def request_id(aid):
    return aid.ask(aid.person(), aid.fund("general", 10_000), 500)


@pytest.mark.parametrize("role", ["counselor", "speaker", "donor"])
def test_other_roles_are_refused_every_page(client, auth, make_user, aid, request_id, role):
    person = aid.person(alias="Otra Persona")
    auth.login(make_user(role))
    for url in (
        "/assistance/",
        "/assistance/unpaid",
        "/assistance/figures",
        "/assistance/figures.csv",
        f"/assistance/{request_id}",
        f"/assistance/new/{person}",
    ):
        assert client.get(url).status_code == 403, url
    for url in (f"/assistance/{request_id}/decide", f"/assistance/{request_id}/pay", f"/assistance/new/{person}"):
        assert client.post(url, data={"decision": "approve"}).status_code == 403, url


def test_a_coordinator_off_the_case_sees_nothing_of_it(client, auth, make_user, aid, request_id):
    outsider = make_user("coordinator")
    auth.login(outsider)
    assert client.get(f"/assistance/{request_id}").status_code == 403
    assert client.get(f"/assistance/new/{aid.person(alias='Ajena')}").status_code == 403
    assert f"/assistance/{request_id}" not in client.get("/assistance/").get_data(as_text=True)
    assert client.get("/assistance/999999").status_code == 404
    assert client.get("/assistance/new/999999").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, request_id):
    assert client.get(f"/assistance/{request_id}").status_code in (302, 401)
