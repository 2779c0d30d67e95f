"""The route walk: every route declares who may use it, and the declaration holds.

A route added later is covered without editing this file: every non-public route must send an
anonymous visitor to sign in and answer 403 to a signed-in user who lacks its roles.
"""

import uuid

import pytest
from werkzeug.routing import IntegerConverter, UUIDConverter

from mexiles.access import PUBLIC, SIGNED_IN, Role


def _sample(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.uuid4()
    return "x"


def _url(app, rule, method) -> str:
    values = {arg: _sample(rule._converters[arg]) for arg in rule.arguments}
    return app.url_map.bind("mexiles.test").build(rule.endpoint, values, method=method)


def _guarded_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = app.view_functions[rule.endpoint].access
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, access


def test_every_view_declares_access(app):
    undeclared = [e for e, view in app.view_functions.items() if e != "static" and not hasattr(view, "access")]
    assert undeclared == []
    assert any(access not in (PUBLIC, SIGNED_IN) for _, _, access in _guarded_rules(app))


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    checked = 0
    for rule, method, access in _guarded_rules(app):
        if access == PUBLIC:
            continue
        response = client.open(_url(app, rule, method), method=method)
        assert response.status_code == 302, (rule.rule, method, response.status_code)
        assert "/account/login" in response.headers["Location"], (rule.rule, method)
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("role", Role.ALL)
def test_signed_in_users_without_the_role_get_403(app, client, make_user, auth, role):
    """A user holding only ``role`` is refused, with 403, on every route that does not admit it."""
    assert auth.login(make_user(role)).status_code == 302
    assert client.get("/account/settings").status_code == 200
    for rule, method, access in _guarded_rules(app):
        if access in (PUBLIC, SIGNED_IN) or role in access:
            continue
        response = client.open(_url(app, rule, method), method=method)
        assert response.status_code == 403, (role, rule.rule, method, response.status_code)


def test_public_routes_need_no_sign_in(app, client):
    assert client.get("/").status_code == 200
    assert client.get("/account/login").status_code == 200
    assert client.get("/healthz").json == {"status": "ok"}


def test_public_routes_answer_anonymous_visitors_without_error(app, client):
    """Public routes with made-up arguments (a forged token, an empty form) answer, never fail."""
    for rule, method, access in _guarded_rules(app):
        if access != PUBLIC:
            continue
        response = client.open(_url(app, rule, method), method=method)
        assert response.status_code < 500, (rule.rule, method, response.status_code)
