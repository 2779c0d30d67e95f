"""Fixtures in the manner of the Flask tutorial: ``app``, ``client``, ``auth``, plus factories.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL names one; it then works in
a database of its own, created for the session and dropped after. The schema is built by the
migrations. Each test runs inside a transaction that is rolled back, so tests never see each
other's data; tests marked ``committed`` (PostgreSQL only) commit for real, for concurrency.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from types import SimpleNamespace

os.environ["MEXILES_ENV"] = "testing"

import pytest
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from mexiles import create_app, timeutil
from mexiles.accounts import services as accounts
from mexiles.extensions import SESSION_OPTIONS, db, limiter
from mexiles.settings import database_url

from .mailbox import Mailbox

PASSWORD = "a long enough test password"
# The document store of every app the suite makes: a folder of its own, removed at the end.
DOCUMENTS = tempfile.mkdtemp(prefix="mexiles-test-documents-")


def without_csrf_tokens(page: str) -> str:
    """A page with its CSRF tokens blanked: a token carries the second it was signed, so two
    answers a second apart differ there and nowhere else."""
    return re.sub(r'(name="csrf_token" value=")[^"]*', r"\1", page)


def org_today(app) -> dt.date:
    """Today where the organisation is (ORG_TIME_ZONE), not on the machine running the suite: tests
    that type today's date pass under any TZ."""
    with app.app_context():
        return timeutil.today()


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql"))


@pytest.fixture(scope="session")
def database_server(tmp_path_factory):
    """PostgreSQL: an engine on the server as its superuser, which creates databases and roles."""
    if not on_postgres():
        yield None
        return
    admin = create_engine(make_url(database_url(tmp_path_factory.getbasetemp())), isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@contextmanager
def fresh_database(database_server, tmp_path):
    """The URL of a new, empty database, dropped afterwards (a file on SQLite)."""
    if database_server is None:
        yield f"sqlite:///{tmp_path / f'{secrets.token_hex(4)}.sqlite3'}"
        return
    name = f"mexiles_test_{secrets.token_hex(4)}"
    with database_server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield database_server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with database_server.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database(database_server, app_role, tmp_path_factory):
    """The URL of an empty database for this test session, as its owner (dropped before the role)."""
    with fresh_database(database_server, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app_role(database_server):
    """PostgreSQL: a role of its own for this session that owns nothing, which the app runs as."""
    if database_server is None:
        yield None
        return
    role = f"mexiles_app_{secrets.token_hex(4)}"
    with database_server.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    yield role
    with database_server.connect() as conn:
        conn.execute(text(f'DROP ROLE "{role}"'))


@pytest.fixture(scope="session")
def owner_engine(database):
    """The schema's owner, for what the app may not do (building the schema, emptying tables)."""
    engine = create_engine(make_url(database))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mailbox():
    box = Mailbox()
    yield box
    box.close()


def app_config(database_url_: str, mailbox) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url_,
        "SERVER_NAME": "mexiles.test",
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 64,
        "RATELIMIT_STORAGE_URI": "memory://",
        # auth.login signs admins in everywhere; the second-factor tests turn this on.
        "MFA_REQUIRED": False,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": mailbox.host,
        "MAIL_PORT": mailbox.port,
        "MAIL_TIMEOUT": 1,  # the fault tests make the server hang
        "STRIPE_SECRET_KEY": "",
        "STRIPE_PUBLISHABLE_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        "DOCUMENT_STORAGE_PATH": DOCUMENTS,
    }


@pytest.fixture(scope="session", autouse=True)
def _document_store_removed():
    yield
    shutil.rmtree(DOCUMENTS, ignore_errors=True)


@pytest.fixture(autouse=True)
def _document_store(app, tmp_path, monkeypatch):
    """Each test its own folder of documents, as it has its own rolled-back data: a key rotation in
    one test never meets the files another test left behind."""
    from mexiles import storage

    monkeypatch.setitem(app.extensions, "mexiles.storage", storage.LocalStore(tmp_path / "documents"))


@pytest.fixture(scope="session")
def app(database, app_role, mailbox):
    """The app. On PostgreSQL the owner builds the schema and grants the app role what the README
    says, with the command the README names; the app then runs as that role."""
    owner = create_app(app_config(database, mailbox))
    with owner.app_context():
        upgrade()
    if app_role is not None:
        result = owner.test_cli_runner().invoke(args=["db", "grant-app-role", app_role])
        assert result.exit_code == 0, result.output
        with owner.app_context():
            db.engine.dispose()
        app = create_app(
            app_config(make_url(database).set(username=app_role).render_as_string(hide_password=False), mailbox)
        )
    else:
        app = owner
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolated(request, app, mailbox, owner_engine):
    """Run the test in a transaction that is rolled back afterwards."""
    limiter.reset()
    mailbox.clear()
    if request.node.get_closest_marker("committed"):
        if not on_postgres():
            pytest.skip("commits for real: PostgreSQL only")
        yield
        _truncate_all(owner_engine)
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", **SESSION_OPTIONS),
        scopefunc=_app_ctx_id,
    )
    try:
        yield
    finally:
        db.session = original
        outer.rollback()
        connection.close()


def _truncate_all(owner_engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with owner_engine.begin() as conn:
        # The audit trail refuses TRUNCATE; the owner here is a superuser, who may switch triggers off.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def pytest_collection_modifyitems(config, items):
    if on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account; returns plain values (id, email, password)."""
    counter = iter(range(1, 10_000))

    def make(*roles, email=None, password=PASSWORD, locale="en", name=None, active=True):
        email = email or f"user{next(counter)}-{secrets.token_hex(3)}@example.org"
        with app.app_context():
            user = accounts.create_user(email, roles, full_name=name, password=password, locale=locale)
            user.active = active
            db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, password=password, roles=frozenset(roles))

    return make


@pytest.fixture
def make_person(app):
    """Create a person served, on the case team of the given coordinator ids; returns the id."""
    from mexiles.accounts.models import User
    from mexiles.people import services as people

    def make(team_ids, legal_name="Graciela Montoya Fuentes", alias="La Maestra", household=(), **fields):
        with app.app_context():
            team = [db.session.get(User, i) for i in team_ids]
            person = people.create(
                {"legal_name": legal_name, "alias": alias, "language": "es", **fields}, list(household), by=team[0]
            )
            people.set_team(person, team, by=team[0])
            return person.id

    return make


@pytest.fixture
def record_gift(app):
    """Record a cash gift through the giving domain, as staff would (creating its fund if needed)."""

    def record(fund_code, cents, received_on, tour_event_id=None):
        from mexiles.giving import services as giving
        from mexiles.giving.models import Fund

        with app.app_context():
            fund = giving.fund_by_code(fund_code)
            if fund is None:
                fund = Fund(code=fund_code, name_en=fund_code.title(), name_es=fund_code.title())
                db.session.add(fund)
                db.session.flush()
            cashier = accounts.create_user(f"cashier-{secrets.token_hex(4)}@example.org", ["admin"])
            gift = giving.record_offline_gift(
                {
                    "email": f"giver-{secrets.token_hex(4)}@example.org",
                    "name": "Invented Giver",
                    "fund_id": fund.id,
                    "amount_cents": cents,
                    "source": "cash",
                    "received_on": received_on,
                    "tour_event_id": tour_event_id,
                },
                actor=cashier,
            )
            return gift.id

    return record


class QueryCounter:
    def __init__(self):
        self.statements = []

    def __len__(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counted: ...`` counts the SQL statements the block runs."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = QueryCounter()

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
                counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user, password=None, follow=False):
        return self._client.post(
            "/account/login", data={"email": user.email, "password": password or user.password}, follow_redirects=follow
        )

    def logout(self):
        return self._client.post("/account/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
