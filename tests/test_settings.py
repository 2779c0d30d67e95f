import pytest

from mexiles.settings import ConfigurationError, database_url, from_environment


def test_production_refuses_to_start_without_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("MEXILES_ENV", "production")
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "SEARCH_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="must be set in production"):
        from_environment(tmp_path)


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("MEXILES_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", "Xr2w3qG6Qb4sXk8m2cZ0Y1p9bM7eT5uN3aL6dV0hJ4k=")
    monkeypatch.setenv("SEARCH_INDEX_KEY", "k" * 40)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    config = from_environment(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"] and config["FORCE_HTTPS"]
    # and staff who run cases need a second factor, unless the operator says otherwise
    assert config["MFA_REQUIRED"] and config["MFA_REQUIRED_FOR_COORDINATORS"] and config["MFA_REMEMBER_DAYS"] <= 30


def test_development_generates_its_secrets_once(monkeypatch, tmp_path):
    monkeypatch.setenv("MEXILES_ENV", "development")
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "SEARCH_INDEX_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    first, second = from_environment(tmp_path), from_environment(tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) > 40
    assert first["FIELD_ENCRYPTION_KEYS"] == second["FIELD_ENCRYPTION_KEYS"]
    assert (
        first["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and str(tmp_path) in first["SQLALCHEMY_DATABASE_URI"]
    )


def test_postgres_urls_name_the_driver(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/mexiles")
    assert database_url(tmp_path) == "postgresql+psycopg://u@db:5432/mexiles?connect_timeout=5"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/mexiles?sslmode=require&connect_timeout=2")
    assert database_url(tmp_path) == "postgresql+psycopg://u@db/mexiles?sslmode=require&connect_timeout=2"


def test_production_will_not_print_mail_to_its_logs(monkeypatch, tmp_path):
    monkeypatch.setenv("MEXILES_ENV", "production")
    for name in ("SECRET_KEY", "SEARCH_INDEX_KEY"):
        monkeypatch.setenv(name, "s" * 40)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", "Xr2w3qG6Qb4sXk8m2cZ0Y1p9bM7eT5uN3aL6dV0hJ4k=")
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.delenv("MAIL_BACKEND", raising=False)
    with pytest.raises(ConfigurationError, match="MAIL_SERVER"):
        from_environment(tmp_path)
