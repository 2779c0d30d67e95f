"""The rate limiter's keys: bounded, and no typed address kept in its store."""

from mexiles.extensions import limiter


def _stored_keys() -> set[str]:
    storage = limiter.storage  # memory:// in the tests; the same keys go to Redis in production
    return {key for value in vars(storage).values() if isinstance(value, dict) for key in value}


def test_the_donor_sign_in_limit_key_is_a_bounded_hash_of_the_address(client):
    huge = "a" * 9_988 + "@example.org"  # 10,000 characters
    for address in (huge, "Someone.Invented@Example.org"):
        assert client.post("/give/portal/signin", data={"email": address}).status_code in (200, 302)
    keys = _stored_keys()
    address_keys = [key for key in keys if "donor-link:" in key]
    assert len(address_keys) == 2, keys
    assert all(len(key) < 200 for key in keys), max(keys, key=len)[:300]
    assert not any("aaaa" in key or "someone.invented" in key.lower() for key in keys)
