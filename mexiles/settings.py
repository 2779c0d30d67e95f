"""Settings, read from the environment (twelve-factor style).

Development generates its secrets once into ``instance/`` so that the app runs with nothing set;
production refuses to start without them, so that no deployment runs on a made-up secret.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet

ENVIRONMENTS = ("development", "production", "testing")


class ConfigurationError(RuntimeError):
    pass


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _choice(name: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, choices[0])
    if value not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(c for c in choices if c)}, not {value!r}")
    return value


def _instance_secret(instance_path: Path, filename: str, make) -> str:
    """Read a development secret from instance/, creating it the first time."""
    path = instance_path / filename
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _time_zone(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"{name} must be a time zone name such as America/Denver, not {value!r}") from None
    return value


def database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'mexiles.sqlite3'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("postgresql") and "connect_timeout=" not in url:
        # A database that does not answer fails the request (and /readyz) instead of holding it.
        url += ("&" if "?" in url else "?") + f"connect_timeout={_int('DATABASE_CONNECT_TIMEOUT', 5)}"
    return url


def mail_backend(production: bool) -> str:
    """SMTP when a server is named; printing mail is for development only, since reset and
    invitation links in a production log would hand accounts to whoever reads it."""
    backend = os.environ.get("MAIL_BACKEND") or ("smtp" if os.environ.get("MAIL_SERVER") else "")
    if not backend:
        if production:
            raise ConfigurationError("MAIL_SERVER must be set in production")
        backend = "console"
    return backend


def from_environment(instance_path: Path) -> dict:
    env = os.environ.get("MEXILES_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"MEXILES_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"

    def secret(name: str, filename: str, make) -> str:
        value = os.environ.get(name)
        if value:
            return value
        if production:
            raise ConfigurationError(f"{name} must be set in production")
        if env == "testing":
            return make()  # each test session its own, never written down
        return _instance_secret(instance_path, filename, make)

    field_keys = secret("FIELD_ENCRYPTION_KEYS", "field_encryption_keys", lambda: Fernet.generate_key().decode())
    redis_url = os.environ.get("REDIS_URL", "")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(48)),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Fernet keys, newest first: new data is written with the first, old keys still decrypt.
        "FIELD_ENCRYPTION_KEYS": [k.strip() for k in field_keys.split(",") if k.strip()],
        "SEARCH_INDEX_KEY": secret("SEARCH_INDEX_KEY", "search_index_key", lambda: secrets.token_urlsafe(32)),
        "BASE_URL": os.environ.get("BASE_URL", ""),
        "FORCE_HTTPS": _flag("FORCE_HTTPS", production),
        "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 0),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": _int("REMEMBER_DAYS", 14) * 24 * 3600,
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_LIFETIME_MINUTES", 8 * 60) * 60,
        "WTF_CSRF_TIME_LIMIT": None,
        # The largest request body the app reads (Flask answers 413 past it). A route that takes
        # larger uploads raises its own limit (request.max_content_length) from a setting of its own.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 1024 * 1024),
        # Case documents: the largest file kept (the upload page raises its own body limit to this),
        # and where the encrypted files go: a folder (instance/documents by default) or, with a
        # bucket named, S3-compatible object storage that gives up after the timeout and few tries.
        "DOCUMENT_MAX_BYTES": _int("DOCUMENT_MAX_MB", 25) * 1024 * 1024,
        "DOCUMENT_STORAGE_PATH": os.environ.get("DOCUMENT_STORAGE_PATH", ""),
        "DOCUMENT_S3_BUCKET": os.environ.get("DOCUMENT_S3_BUCKET", ""),
        "DOCUMENT_S3_PREFIX": os.environ.get("DOCUMENT_S3_PREFIX", "documents/"),
        "DOCUMENT_S3_ENDPOINT_URL": os.environ.get("DOCUMENT_S3_ENDPOINT_URL", ""),
        "DOCUMENT_S3_REGION": os.environ.get("DOCUMENT_S3_REGION", "us-east-1"),
        "DOCUMENT_S3_ACCESS_KEY_ID": os.environ.get("DOCUMENT_S3_ACCESS_KEY_ID", ""),
        "DOCUMENT_S3_SECRET_ACCESS_KEY": os.environ.get("DOCUMENT_S3_SECRET_ACCESS_KEY", ""),
        "DOCUMENT_S3_TIMEOUT_SECONDS": _float("DOCUMENT_S3_TIMEOUT_SECONDS", 10.0),
        "DOCUMENT_S3_RETRIES": _int("DOCUMENT_S3_RETRIES", 2),
        "BABEL_DEFAULT_LOCALE": "en",
        # Stored times are UTC; pages show them in the organisation's zone (tours events keep their
        # own), and "today" everywhere is the date there: the only zone setting (mexiles.timeutil).
        "BABEL_DEFAULT_TIMEZONE": _time_zone("ORG_TIME_ZONE", "America/Denver"),
        "LANGUAGES": ("en", "es"),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        "PASSWORD_RESET_HOURS": _int("PASSWORD_RESET_HOURS", 2),
        "INVITE_DAYS": _int("INVITE_DAYS", 7),
        "EMAIL_CHANGE_HOURS": _int("EMAIL_CHANGE_HOURS", 24),
        # The second factor (TOTP) is required of admins, and of coordinators where this says so;
        # a device may be remembered for at most 30 days.
        "MFA_REQUIRED": _flag("MFA_REQUIRED", True),
        "MFA_REQUIRED_FOR_COORDINATORS": _flag("MFA_REQUIRED_FOR_COORDINATORS", production),
        "MFA_REMEMBER_DAYS": min(_int("MFA_REMEMBER_DAYS", 30), 30),
        "MFA_ISSUER": os.environ.get("MFA_ISSUER", "mexiles"),
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 65536),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", redis_url or "memory://"),
        # Redis down: each process counts in its own memory until Redis answers again, and a
        # Redis that does not answer holds a request for at most REDIS_TIMEOUT_SECONDS.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # A moving window: a fixed one lets twice the limit through across the turn of the hour.
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_STORAGE_OPTIONS": {
            "socket_timeout": _float("REDIS_TIMEOUT_SECONDS", 0.5),
            "socket_connect_timeout": _float("REDIS_TIMEOUT_SECONDS", 0.5),
        },
        "REDIS_URL": redis_url,
        "REDIS_TIMEOUT_SECONDS": _float("REDIS_TIMEOUT_SECONDS", 0.5),
        # Jobs (the outbox): dispatched to RQ when REDIS_URL is set, else in a few threads of the
        # app ("rq", "thread", "eager" or "sweep" forces one); retried with doubling waits, then given up.
        "JOBS_DISPATCH": _choice("JOBS_DISPATCH", ("", "rq", "thread", "eager", "sweep")),
        "JOBS_QUEUE": os.environ.get("JOBS_QUEUE", "mexiles"),
        "JOBS_THREADS": _int("JOBS_THREADS", 2),
        "JOBS_MAX_ATTEMPTS": _int("JOBS_MAX_ATTEMPTS", 10),
        "JOBS_RETRY_SECONDS": _int("JOBS_RETRY_SECONDS", 30),
        "JOBS_RETRY_MAX_SECONDS": _int("JOBS_RETRY_MAX_SECONDS", 3600),
        "JOBS_TIMEOUT_SECONDS": _int("JOBS_TIMEOUT_SECONDS", 120),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Mail: "smtp" sends through MAIL_SERVER; "console" prints, for a development machine.
        "MAIL_BACKEND": mail_backend(production),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", False),
        # Seconds an SMTP server may take to answer before the delivery fails (and is retried).
        "MAIL_TIMEOUT": _float("MAIL_TIMEOUT", 10),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "mexiles <no-reply@mexiles.invalid>"),
        "ORG_NAME": os.environ.get("ORG_NAME", "Mexiles"),
        "ORG_EIN": os.environ.get("ORG_EIN", ""),
        "ORG_ADDRESS": os.environ.get("ORG_ADDRESS", ""),
        # Where donors write (bank transfer details, help, changes): the donate page offers it when
        # card giving is not set up or Stripe.js cannot load.
        "ORG_CONTACT_EMAIL": os.environ.get("ORG_CONTACT_EMAIL", ""),
        "ORG_CONTACT_PHONE": os.environ.get("ORG_CONTACT_PHONE", ""),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        # Each Stripe request gives up after this long, well inside a web worker's timeout (30 s),
        # and is tried again at most this many times after a network error.
        "STRIPE_TIMEOUT_SECONDS": _float("STRIPE_TIMEOUT_SECONDS", 10.0),
        "STRIPE_NETWORK_RETRIES": _int("STRIPE_NETWORK_RETRIES", 2),
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        # Speaking tours: hours needed between events in different cities, days of notice a
        # speaker needs, days before an event the reminders go out, and the booking form's limit.
        "TOURS_TRAVEL_BUFFER_HOURS": _int("TOURS_TRAVEL_BUFFER_HOURS", 12),
        "TOURS_MIN_NOTICE_DAYS": _int("TOURS_MIN_NOTICE_DAYS", 14),
        "TOURS_REMINDER_DAYS": _int("TOURS_REMINDER_DAYS", 3),
        # The host's own link to their request works until this many days after the talk.
        "TOURS_HOST_LINK_DAYS": _int("TOURS_HOST_LINK_DAYS", 30),
        "TOURS_BOOKING_RATE_LIMIT": os.environ.get("TOURS_BOOKING_RATE_LIMIT", "5 per hour"),
        # Counseling referrals: when a provider's capacity counts as stale, when a sent referral
        # counts as unanswered.
        "CARE_STALE_AFTER_DAYS": _int("CARE_STALE_AFTER_DAYS", 60),
        "CARE_UNANSWERED_DAYS": _int("CARE_UNANSWERED_DAYS", 5),
        # Giving: the smallest gift (card testers probe with tiny amounts), suggested amounts in
        # whole dollars, and Stripe's fee, which donors may choose to cover.
        "GIVING_CURRENCY": os.environ.get("GIVING_CURRENCY", "usd"),
        "DONATION_MINIMUM_CENTS": _int("DONATION_MINIMUM_CENTS", 500),
        "DONATION_SUGGESTED_DOLLARS": [
            int(v) for v in os.environ.get("DONATION_SUGGESTED_DOLLARS", "25,50,100,250").split(",")
        ],
        "DONATION_RATE_LIMIT": os.environ.get("DONATION_RATE_LIMIT", "10 per minute;40 per hour"),
        "STRIPE_FEE_PERCENT": os.environ.get("STRIPE_FEE_PERCENT", "2.9"),
        "STRIPE_FEE_FIXED_CENTS": _int("STRIPE_FEE_FIXED_CENTS", 30),
        "DONOR_LINK_HOURS": _int("DONOR_LINK_HOURS", 24),
        # Sign-in links asked for one email address (whoever asks), against mailbox flooding.
        "DONOR_LINK_RATE_LIMIT": os.environ.get("DONOR_LINK_RATE_LIMIT", "3 per hour"),
        # How long the donate page is kept in memory for first-time visitors (0: never).
        "GIVING_PAGE_CACHE_SECONDS": _int("GIVING_PAGE_CACHE_SECONDS", 60),
        # Content-Security-Policy sources the payment pages add for Stripe.js (space-separated).
        "STRIPE_CSP_SCRIPT_SRC": os.environ.get("STRIPE_CSP_SCRIPT_SRC", "https://js.stripe.com"),
        "STRIPE_CSP_FRAME_SRC": os.environ.get(
            "STRIPE_CSP_FRAME_SRC", "https://js.stripe.com https://hooks.stripe.com"
        ),
        "STRIPE_CSP_CONNECT_SRC": os.environ.get("STRIPE_CSP_CONNECT_SRC", "https://api.stripe.com"),
    }
