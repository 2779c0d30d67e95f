"""The application factory."""

from __future__ import annotations

import importlib
import importlib.util
import sqlite3
from pathlib import Path

from flask import Flask, abort, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import access, crypto, errors, http, i18n, money, storage, timeutil
from .domains import DOMAINS
from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate, talisman
from .http import MAX_RECORD_ID, current_page
from .jobs import services as jobs
from .security import CONTENT_SECURITY_POLICY
from .settings import from_environment

PACKAGE = Path(__file__).resolve().parent
# In a checkout, templates/ and migrations/ sit beside the package; a built wheel carries them
# inside it (see setup.py), and its instance folder is Flask's default for installed packages.
CHECKOUT = PACKAGE.parent if (PACKAGE.parent / "pyproject.toml").is_file() else None


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        "mexiles",
        instance_path=str(CHECKOUT / "instance") if CHECKOUT else None,
        template_folder=str(_shipped("templates")),
        static_folder=str(PACKAGE / "static"),
        root_path=str(PACKAGE),
    )
    app.config.update(from_environment(Path(app.instance_path)))
    app.config.update(overrides or {})
    app.request_class = http.Request
    app.session_interface = http.SessionInterface()
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to wrap it
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )
    if app.config["BASE_URL"]:
        scheme, _, host = app.config["BASE_URL"].partition("://")
        app.config.update(SERVER_NAME=host.rstrip("/"), PREFERRED_URL_SCHEME=scheme)

    app.url_map.converters["int"] = RecordIdConverter
    _init_extensions(app)
    _guard_requests(app)
    for name in DOMAINS:
        _load_domain(app, name)
    errors.init_app(app)
    access.check_declared(app)
    return app


def _shipped(folder: str) -> Path:
    return CHECKOUT / folder if CHECKOUT else PACKAGE / folder


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_shipped("migrations")), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    from .accounts.services import load_user

    login_manager.user_loader(load_user)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, default_translation_directories="translations")
    limiter.init_app(app)
    limiter.request_filter(http.for_a_machine)  # before any limit is even looked up
    mail.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()"},
    )
    crypto.init_app(app)
    storage.init_app(app)
    from . import grants  # noqa: F401  (adds `flask db grant-app-role`)

    jobs.init_app(app)
    i18n.init_app(app)
    from .demo import demo_cli

    app.cli.add_command(demo_cli)
    app.jinja_env.globals.update(
        Role=access.Role, is_staff=access.is_staff, get_locale=get_locale, DOMAINS=DOMAINS, current_page=current_page
    )
    app.jinja_env.filters["money"] = money.money
    timeutil.init_app(app)


class RecordIdConverter(IntegerConverter):
    """``<int:…>`` in every route: ids beyond a database integer are simply not found."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_RECORD_ID)
        super().__init__(map, *args, **kwargs)


def _guard_requests(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        # No text column can hold NUL (PostgreSQL refuses it); say so instead of failing later.
        # Only a form's body has form values to look at (a webhook's JSON is parsed by its view).
        values = [*request.args.values(), *(request.form.values() if request.mimetype in FORM_TYPES else ())]
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def keep_private_pages_out_of_caches(response):
        if not http.for_a_machine() and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _load_domain(app: Flask, name: str) -> None:
    package = f"mexiles.{name}"
    if importlib.util.find_spec(f"{package}.models"):
        importlib.import_module(f"{package}.models")
    app.register_blueprint(importlib.import_module(f"{package}.views").bp)
    if importlib.util.find_spec(f"{package}.cli"):
        for command in importlib.import_module(f"{package}.cli").commands:
            app.cli.add_command(command)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Foreign keys on, and let SQLAlchemy (not pysqlite) issue BEGIN, so that savepoints and
        # transactional DDL work as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        # IMMEDIATE: writers queue (busy_timeout) instead of failing with "database is locked"
        # when two transactions that began as readers both try to write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
