"""Both languages on every page; the language follows the user's choice, then the browser."""

from mexiles import i18n


def test_browser_language_decides_for_visitors(client):
    assert 'lang="es"' in client.get("/", headers={"Accept-Language": "es-MX"}).data.decode()
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-US"}).data.decode()


def test_the_switcher_overrides_the_browser(client):
    client.post("/language", data={"locale": "es", "next": "/account/login"})
    page = client.get("/account/login", headers={"Accept-Language": "en"}).data.decode()
    assert 'lang="es"' in page and "Iniciar sesión" in page


def test_a_signed_in_users_choice_is_kept_on_their_account(app, client, auth, make_user):
    user = make_user("coordinator", locale="en")
    auth.login(user)
    client.post("/language", data={"locale": "es"})
    client.post("/account/logout")
    auth.login(user)
    assert 'lang="es"' in client.get("/people/", headers={"Accept-Language": "en"}).data.decode()


def test_switcher_is_on_every_page(client):
    for path in ("/", "/account/login", "/account/reset", "/no-such-page"):
        assert 'action="/language"' in client.get(path).data.decode(), path


def test_every_message_has_a_spanish_translation():
    assert i18n.untranslated() == []


def test_error_pages_are_translated(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "es"}).data.decode()
    assert "No encontramos la página" in page


def test_the_switcher_never_redirects_off_site(client):
    for target in ("//evil.example/", "/\t/evil.example", "https://evil.example/", "/\\evil.example"):
        response = client.post("/language", data={"locale": "es", "next": target})
        assert "evil" not in response.headers["Location"], target


def test_switching_language_after_a_form_error_returns_to_the_form(client, auth, make_user):
    """A form shown again after a POST sits on the POST address; the switcher goes back to the form."""
    auth.login(make_user("coordinator"))
    page = client.post("/people/new", data={}, headers={"Referer": "http://mexiles.test/people/new"}).data.decode()
    assert 'name="next" value="/people/new"' in page
    elsewhere = client.post("/people/new", data={}, headers={"Referer": "https://evil.example/x"}).data.decode()
    assert 'name="next" value="/"' in elsewhere
