"""Two admins approve from one fund at the same moment, in real concurrent requests (PostgreSQL only):
the fund's row lock makes the second see the first, so together they never spend more than the fund
holds without an override."""

import threading

import pytest

from tests.conftest import AuthActions

pytestmark = [pytest.mark.postgres, pytest.mark.committed]


def _signed_in(app, user):
    client = app.test_client()
    assert AuthActions(client).login(user).status_code == 302
    return client


def _race(posts):
    barrier = threading.Barrier(len(posts))
    codes = [None] * len(posts)

    def run(index, client, url):
        barrier.wait(timeout=10)
        codes[index] = client.post(url, data={"decision": "approve"}).status_code

    threads = [threading.Thread(target=run, args=(i, c, u)) for i, (c, u) in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return codes


def test_two_admins_approving_at_once_do_not_overspend_the_fund(app, aid):
    person = aid.person()
    first_admin, second_admin = _signed_in(app, aid.admin), _signed_in(app, aid.other_admin)
    for round_ in range(3):  # the race is real each time; repeat so that no overspending slips through
        fund = aid.fund(f"fund{round_}", 100_00)  # $100.00, and two requests of $60.00
        first, second = aid.ask(person, fund, 60_00), aid.ask(person, fund, 60_00)
        codes = _race([(first_admin, f"/assistance/{first}/decide"), (second_admin, f"/assistance/{second}/decide")])
        assert sorted(codes) == [302, 400], codes
        assert sorted([aid.status(first), aid.status(second)]) == ["approved", "requested"]
