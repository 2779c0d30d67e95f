import re


def test_without_stripe_keys_the_page_says_giving_is_not_set_up(client):
    page = client.get("/give/").data.decode()
    assert "Online giving is not set up" in page
    page = client.get("/give/", headers={"Accept-Language": "es"}).data.decode()
    assert "no están configuradas" in page


def test_the_donate_page_is_rendered_once_per_variant_and_each_visitor_gets_a_token(
    stripe_app, funds, count_queries, make_campaign
):
    from mexiles.giving.views import public as views

    make_campaign()
    stripe_app.extensions["giving.page_cache"].clear()
    first, second = stripe_app.test_client(), stripe_app.test_client()
    first.get("/give/csrf")
    second.get("/give/csrf")  # visitors with a session get the token in the page
    page = first.get("/give/?campaign=safe-homes").data.decode()
    assert 'name="campaign" type="hidden" value="safe-homes"' in page
    assert 'id="card-element"' in page and "Trauma counseling" in page
    with count_queries() as counted:
        again = second.get("/give/?campaign=safe-homes").data.decode()
    assert len(counted) == 0
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', p).group(1) for p in (page, again)]
    assert tokens[0] != tokens[1] and views.CSRF_PLACEHOLDER not in again
    spanish = second.get("/give/?campaign=safe-homes", headers={"Accept-Language": "es"}).data.decode()
    assert "Terapia de trauma" in spanish


def test_only_the_normalised_address_is_rendered_and_nothing_typed_is_echoed(stripe_app, funds, make_campaign):
    make_campaign()
    visitor = stripe_app.test_client()
    for query, target in (
        ("?utm=%22%3E%3Cscript%3E", "/give/"),
        ("?event=abc", "/give/"),
        ("?event=999", "/give/"),  # no such public tour event
        ("?campaign=nope", "/give/"),
        ("?event=x&campaign=safe-homes&ref=%3Cb%3E", "/give/?campaign=safe-homes"),
    ):
        response = visitor.get("/give/" + query)
        assert (response.status_code, response.headers["Location"]) == (302, target), query
    page = visitor.get("/give/?campaign=safe-homes").data.decode()
    assert 'name="next" value="/give/?campaign=safe-homes"' in page
    assert "&amp;ref" not in page and "utm" not in page and "&lt;b&gt;" not in page


def test_the_page_cache_forgets_the_oldest_entries_instead_of_emptying(stripe_app, funds):
    from mexiles.giving.services import page_cache

    middleware = stripe_app.extensions["giving.page_cache"]
    visitor = stripe_app.test_client()
    visitor.get("/give/")
    for n in range(page_cache.MAX_ENTRIES + 20):
        visitor.get(f"/give/?junk={n}")
        middleware.entries.put(("filler", n), (0, ""))
    assert len(middleware.entries) == page_cache.MAX_ENTRIES
    assert middleware.entries.get(("filler", 0)) is None and middleware.entries.get(("filler", 275)) is not None


def test_first_time_visitors_get_the_cached_page_without_a_session_and_fetch_a_token(stripe_app, funds):
    visitor = stripe_app.test_client()
    response = visitor.get("/give/")
    assert "Set-Cookie" not in response.headers
    assert 'name="csrf_token" value=""' in response.data.decode()
    token = visitor.get("/give/csrf")
    assert token.json["token"] and token.headers["Cache-Control"] == "no-store"


def test_first_time_visitors_are_answered_from_memory(stripe_app, funds, count_queries):
    from sqlalchemy import update

    from mexiles.extensions import db
    from mexiles.giving.models import Fund

    page = stripe_app.test_client().get("/give/")
    assert (
        "X-Mexiles-Page-Cache" not in page.headers
        and "Set-Cookie" not in page.headers
        and "Trauma counseling" in page.data.decode()
    )
    with stripe_app.app_context():
        db.session.execute(update(Fund).where(Fund.code == "counseling").values(name_en="Counseling renamed"))
        db.session.commit()
    with count_queries() as counted:
        again = stripe_app.test_client().get("/give/")
    assert len(counted) == 0 and again.data == page.data
    assert again.headers["Content-Security-Policy"] == page.headers["Content-Security-Policy"]
    spanish = stripe_app.test_client().get("/give/", headers={"Accept-Language": "es"}).data.decode()
    assert "Terapia de trauma" in spanish
    returning = stripe_app.test_client()
    returning.get("/give/csrf")
    assert "Counseling renamed" not in returning.get("/give/").data.decode()  # same minute: same page


def test_an_amount_that_is_no_number_gets_a_message_not_an_error(client, stripe_app, funds):
    from tests.giving.conftest import gift_form

    for amount in ("NaN", "sNaN", "Infinity", "-inf"):
        response = client.post("/give/pay", data=gift_form(amount="other", other_amount=amount))
        assert response.status_code < 500, amount
        assert "Give an amount in dollars and cents" in response.data.decode(), amount


def test_the_page_offers_other_ways_to_give_in_the_donors_language(app, client):
    app.config.update(ORG_ADDRESS="Apartado 17, El Paso, TX 79901", ORG_CONTACT_EMAIL="gifts@mexiles.example")
    try:
        page = client.get("/give/").data.decode()
        assert "Apartado 17, El Paso" in page and 'href="mailto:gifts@mexiles.example"' in page
        assert "By bank transfer" in page
        spanish = client.get("/give/", headers={"Accept-Language": "es"}).data.decode()
        assert "Por transferencia bancaria" in spanish and "Apartado 17, El Paso" in spanish
    finally:
        app.config.update(ORG_ADDRESS="", ORG_CONTACT_EMAIL="")


BROWSER_POST = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_form_posted_without_javascript_gets_a_page_never_json(stripe_app, client, funds):
    from .conftest import gift_form

    stripe_app.config["ORG_CONTACT_EMAIL"] = "gifts@mexiles.example"
    try:
        # No script ran: no attempt, no card.
        bare = client.post("/give/pay", data=gift_form(attempt=None), headers=BROWSER_POST)
        assert bare.status_code == 400 and bare.mimetype == "text/html"
        text = bare.data.decode()
        assert "The card form did not run in your browser, so nothing was charged." in text
        assert "gifts@mexiles.example" in text and "{" not in text.split("<main", 1)[-1].split("</main>")[0]
        invalid = client.post("/give/pay", data=gift_form(email="nope", payment_method="pm_x"), headers=BROWSER_POST)
        assert invalid.status_code == 400 and invalid.mimetype == "text/html"
        spanish = client.post(
            "/give/pay", data=gift_form(attempt=None), headers={**BROWSER_POST, "Accept-Language": "es"}
        )
        assert "no se ejecutó en su navegador" in spanish.data.decode()
        # The page's script still gets JSON.
        scripted = client.post("/give/pay", data=gift_form(attempt=None), headers={"X-Requested-With": "fetch"})
        assert scripted.mimetype == "application/json"
    finally:
        stripe_app.config["ORG_CONTACT_EMAIL"] = ""


def test_an_expired_form_gets_the_donate_pages_own_answer(stripe_app, funds):
    from .conftest import gift_form

    stripe_app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = stripe_app.test_client()
        page = client.post("/give/pay", data=gift_form(payment_method="pm_x"), headers=BROWSER_POST)
        assert page.status_code == 400 and page.mimetype == "text/html"
        assert "This page has expired. Nothing was charged" in page.data.decode()
        scripted = client.post(
            "/give/pay", data=gift_form(payment_method="pm_x"), headers={"X-Requested-With": "fetch"}
        )
        assert scripted.json["status"] == "error" and "expired" in scripted.json["message"]
        no_script = client.post("/give/pay", data=gift_form(attempt=None), headers=BROWSER_POST)
        assert no_script.status_code == 400 and "The card form did not run" in no_script.data.decode()
        other = client.post("/give/portal/signin", data={"email": "a@example.org"}, headers=BROWSER_POST)
        assert other.status_code == 400 and "This form has expired" in other.data.decode()
    finally:
        stripe_app.config["WTF_CSRF_ENABLED"] = False
