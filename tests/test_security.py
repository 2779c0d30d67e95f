"""Headers and assets that keep the people served away from third parties."""

import re


def test_content_security_policy_allows_no_inline_script_and_no_other_origin(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "unsafe-inline" not in policy and "http" not in policy


def test_pages_load_assets_from_this_site_only(client):
    page = client.get("/").data.decode()
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script>" not in page and " on" + "click=" not in page


def test_static_assets_are_served_by_the_app(client):
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/static/js/app.js").status_code == 200


def test_no_framing_and_no_referrer_leaks(client):
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "SAMEORIGIN" or "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"


def test_every_form_post_needs_a_csrf_token(app, client, make_user, auth):
    """Walk every POST route, signed in as a user with every role, with CSRF protection on."""
    from tests.test_access import _url

    auth.login(make_user("admin", "coordinator", "counselor", "speaker", "donor"))
    exempt_views = app.extensions["csrf"]._exempt_views
    exempt = {name for name, view in app.view_functions.items() if f"{view.__module__}.{view.__name__}" in exempt_views}
    app.config["WTF_CSRF_ENABLED"] = True
    checked = []
    try:
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods or rule.endpoint in exempt or rule.endpoint == "accounts.logout":
                continue
            response = client.post(_url(app, rule, "POST"), data={})
            assert response.status_code == 400, rule.rule
            checked.append(rule.rule)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert "/account/login" in checked and "/people/new" in checked


def test_sign_out_needs_a_csrf_token(app, client, make_user, auth):
    auth.login(make_user("coordinator"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client.post("/account/logout", data={})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert client.get("/people/").status_code == 200  # still signed in: a forged sign-out did nothing


def test_odd_input_gets_a_page_not_a_crash(client, auth, make_user):
    auth.login(make_user("admin", "coordinator"))
    for url in (
        "/people/?page=99999999999999999999",
        "/people/?page=-4",
        "/people/?page=abc",
        "/audit/?page=99999999999999999999",
        "/account/staff?page=99999999999999999999",
        "/audit/?until=9999-12-31",
        "/audit/?since=0001-01-01",
    ):
        assert client.get(url).status_code == 200, url
    for url in ("/people/99999999999", "/account/staff/99999999999", "/people/99999999999/edit"):
        assert client.get(url).status_code == 404, url
    assert client.get("/audit/?actor_email=a%00b").status_code == 400
    assert client.post("/people/", data={"q": "%_%'\"; drop"}).status_code == 200


def test_a_nul_byte_in_a_form_is_refused_whether_urlencoded_or_multipart(client):
    assert client.post("/account/login", data={"email": "ab@example.org", "password": "x"}).status_code == 200
    form = {"email": "a\x00b@example.org", "password": "x"}
    assert client.post("/account/login", data=form).status_code == 400
    assert client.post("/account/login", data=form, content_type="multipart/form-data").status_code == 400
