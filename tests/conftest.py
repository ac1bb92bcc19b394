"""Fixtures: the app against SQLite and a real PostgreSQL, a client, a runner, and AuthActions.

The schema is built once per database by running the Alembic migrations (so every test run
also proves the migrations); each test starts from empty tables. Under pytest-xdist every
worker runs these session fixtures itself: its own PostgreSQL, Redis and databases.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug import security

from crm import create_app
from crm.clock import FixedClock
from crm.extensions import db, limiter
from tests import services

BACKENDS = [
    name.strip()
    for name in os.environ.get("RAPPORT_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
]
START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session", autouse=True)
def _each_password_hashed_once() -> Iterator[None]:
    """scrypt costs a tenth of a second per hash and per check, and the suite makes users
    and logs in with the same password thousands of times: compute each (salt, password)
    once. Hashes and checks stay real werkzeug scrypt; only the salt is one per session."""
    salt = security.gen_salt(64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "gen_salt", lambda length: salt[:length])
        patch.setattr(security, "_hash_internal", functools.cache(security._hash_internal))
        yield


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[services.Postgres]:
    server = services.start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[services.Redis]:
    server = services.start_redis()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, empty database of each kind, shared by the session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'rapport.db'}"
    else:
        url = _fresh_postgres_database(request.getfixturevalue("postgres_server"))
    app = _make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    yield url


def _fresh_postgres_database(server: services.Postgres) -> str:
    engine = sa.create_engine(server.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS rapport_test"))
        connection.execute(sa.text("CREATE DATABASE rapport_test"))
    engine.dispose()
    return server.url.rsplit("/", 1)[0] + "/rapport_test"


def _make_app(url: str, instance_path, **extra) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": instance_path,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # Scans run when a test asks for one, not from every tick.
            "FOLLOWUP_SCAN_MINUTES": 0,
            # Helpers would not see a test's monkeypatches; one test starts them on purpose.
            "TICK_PROCESSES": 1,
            **extra,
        }
    )


@pytest.fixture
def app_config() -> dict:
    """Per-test overrides for create_app; a test may request and extend it."""
    return {}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def app(request, database_url, tmp_path, clock, app_config) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    own = bool(app_config) or request.node.get_closest_marker("own_app") is not None
    app = _make_app(database_url, instance, **app_config) if own else _shared_app(
        database_url, instance)
    app.extensions["rapport.clock"] = clock
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()
    if not own:
        _reset_shared_app(database_url)


class _Pristine:
    """What a shared app looked like when it was made, to put back after each test."""

    def __init__(self, app: Flask) -> None:
        self.config = copy.deepcopy(dict(app.config))
        self.extensions = dict(app.extensions)


# Building the app (routes, and the OpenAPI document from every schema) costs a quarter of a
# second, more than most tests: tests without their own app_config share one app per
# database in each worker, put back as it was after every test. A test that changes the app
# itself (adds a route or a hook) takes @pytest.mark.own_app.
_shared_apps: dict[str, tuple[Flask, _Pristine]] = {}


def _shared_app(url: str, instance) -> Flask:
    if url not in _shared_apps:
        app = _make_app(url, instance)
        _shared_apps[url] = (app, _Pristine(app))
    app = _shared_apps[url][0]
    # Flask-Limiter keeps `enabled` on its one global instance, set by the latest init_app:
    # a test with its own rate-limited app would otherwise leave limits on here.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    instance.mkdir(parents=True, exist_ok=True)
    app.instance_path = str(instance)  # uploads and the like stay per test
    return app


def _reset_shared_app(url: str) -> None:
    from outreach import broker, tick_helpers

    app, pristine = _shared_apps[url]
    tick_helpers.stop(app)
    for name in set(app.extensions) - set(pristine.extensions):
        extension = app.extensions.pop(name)
        if hasattr(extension, "close_all"):  # a mailer made by the test's sends
            extension.close_all()
    app.extensions.update(pristine.extensions)
    app.config.clear()
    app.config.update(copy.deepcopy(pristine.config))
    # A new broker: no message outlives its test, and its middleware boots afresh.
    broker.init_app(app)


def _empty_tables() -> None:
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(_postgres_emptying(connection))
        else:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


_emptying: dict[str, str] = {}


def _postgres_emptying(connection: sa.Connection) -> str:
    """One round trip that empties every table and restarts every id sequence.

    DELETE, children first, then ALTER SEQUENCE … RESTART: 3-10 ms against TRUNCATE's
    45-100 ms for the few rows a test leaves."""
    url = str(connection.engine.url)
    if url not in _emptying:
        sequences = connection.exec_driver_sql(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").scalars()
        _emptying[url] = "; ".join(
            [f"DELETE FROM {table.name}" for table in reversed(db.metadata.sorted_tables)]
            + [f"ALTER SEQUENCE {name} RESTART" for name in sequences])
    return _emptying[url]


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def manager(app):
    from tests.factories import make_user

    return make_user(email="mia@agency.example.com", name="Mia Manager", timezone="Europe/Berlin")


@pytest.fixture
def admin(app):
    from tests.factories import make_user

    return make_user(email="ada@agency.example.com", name="Ada Admin", role="admin")


class AuthActions:
    """Log a test client in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str = "mia@agency.example.com", password: str = PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def logged_in(client, auth, manager) -> FlaskClient:
    """A client signed in as the manager."""
    response = auth.login()
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def api_token(manager) -> str:
    from crm.auth.service import create_token

    return create_token(manager, "tests")


@pytest.fixture
def api(client, api_token):
    """A client whose requests carry the manager's bearer token."""
    from tests.factories import ApiClient

    return ApiClient(client, api_token)
