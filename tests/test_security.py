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


def test_forms_need_a_csrf_token(app, client, make_user):
    user = make_user("coordinator")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/account/login", data={"email": user.email, "password": user.password})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert b"This form has expired" in response.data
