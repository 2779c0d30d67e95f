def test_without_stripe_keys_the_page_says_giving_is_not_set_up(client):
    page = client.get("/give/").data.decode()
    assert "Online giving is not set up" in page
    page = client.get("/give/", headers={"Accept-Language": "es"}).data.decode()
    assert "no están configuradas" in page
