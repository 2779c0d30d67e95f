import pytest

from mexiles.settings import ConfigurationError, from_environment


def test_care_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CARE_STALE_AFTER_DAYS", "30")
    monkeypatch.setenv("CARE_UNANSWERED_DAYS", "2")
    config = from_environment(tmp_path)
    assert (config["CARE_STALE_AFTER_DAYS"], config["CARE_UNANSWERED_DAYS"]) == (30, 2)


def test_an_unknown_time_zone_stops_the_start(monkeypatch, tmp_path):
    monkeypatch.setenv("ORG_TIME_ZONE", "Mars/Olympus_Mons")
    with pytest.raises(ConfigurationError, match="ORG_TIME_ZONE"):
        from_environment(tmp_path)
