"""Anonymous visitors move between giving, the speaking tour and the open campaign; the donate page
names the organisation's contact when card giving is not set up."""


def test_give_the_tour_and_the_open_campaign_link_to_one_another(client, make_campaign):
    make_campaign(slug="safe-homes")
    give = client.get("/give/").data.decode()
    assert 'href="/tours/"' in give and 'href="/give/campaign/safe-homes"' in give
    tour = client.get("/tours/").data.decode()
    assert 'href="/give/"' in tour and 'href="/give/campaign/safe-homes"' in tour
    campaign = client.get("/give/campaign/safe-homes").data.decode()
    assert 'href="/tours/"' in campaign and 'href="/give/"' in campaign
    spanish = client.get("/tours/", headers={"Accept-Language": "es"}).data.decode()
    assert "Campaña: Hogares seguros" in spanish and "Donar" in spanish


def test_a_campaign_that_ended_is_not_linked(client, make_campaign):
    import datetime as dt

    from mexiles import timeutil

    with client.application.app_context():
        yesterday = timeutil.today() - dt.timedelta(days=1)
    make_campaign(slug="last-year", starts_on=yesterday - dt.timedelta(days=30), ends_on=yesterday)
    assert "/give/campaign/last-year" not in client.get("/tours/").data.decode()


def test_with_giving_not_set_up_the_page_gives_the_organisations_contact(app, client):
    app.config.update(ORG_CONTACT_EMAIL="donaciones@mexiles.example", ORG_CONTACT_PHONE="+1 915 555 0142")
    try:
        page = client.get("/give/").data.decode()
        assert "Online giving is not set up yet." in page
        assert 'href="mailto:donaciones@mexiles.example"' in page and 'href="tel:+19155550142"' in page
        spanish = client.get("/give/", headers={"Accept-Language": "es"}).data.decode()
        assert "Por teléfono:" in spanish and "+1 915 555 0142" in spanish
    finally:
        app.config.update(ORG_CONTACT_EMAIL="", ORG_CONTACT_PHONE="")
