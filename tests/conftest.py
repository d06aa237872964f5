"""Shared fixtures (flaskr style): ``app``, ``client``, ``make_user`` and ``sign_in``.

Each test gets its own instance folder and an empty database, so tests can run in parallel
(pytest-xdist) without seeing each other's data: its own SQLite file by default, or, with
``PORTAL_TEST_DATABASE_URL=postgresql://...``, the worker's own PostgreSQL database, emptied
before each test (tests/databases.py).
"""
import time
import types

import pyotp
import pytest

import models
from models import User
from services import demo, limits
from services.identity import accounts, secrets_at_rest
from tests import databases
from tests.helpers import PASSWORD, code_from, csrf_from, last_email


def pytest_report_header(config):
    return f"database engine: {databases.engine_name()}"


@pytest.fixture(scope="session")
def postgres_test_url():
    """This worker's PostgreSQL database with every table, made once per session; None on SQLite."""
    if not databases.postgres_url():
        return None
    url = databases.fresh_database(f"portal_test_{databases.worker()}")
    database = models.open_database(url)
    models.create_tables()
    database.close()
    return url


@pytest.fixture
def app(tmp_path, monkeypatch, postgres_test_url):
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    # Rate limits count in fixed windows (services.limits): the limiter's clock stands at the
    # start of this hour, where every window (30 s to an hour) starts, so a test's requests
    # never straddle a window's end (the 11th wrong password went unrefused once, at 01:30:00).
    # Only the limiter's: tests that move time patch limits.time.time as before.
    hour = float(int(time.time()) // 3600 * 3600)
    monkeypatch.setattr(limits, "time", types.SimpleNamespace(time=lambda: hour))
    from portal import create_app
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": postgres_test_url or f"sqlite:///{tmp_path / 'test.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MAIL_DIR": str(tmp_path / "mail"),
        "PASSWORD_METHOD": "scrypt:1024:8:1",  # fast hashing in tests; production uses scrypt defaults
    })
    with app.app_context():
        if postgres_test_url:
            databases.empty_all(models.db)  # tables made once; rows from the last test go
        else:
            models.create_tables()
    yield app
    models.db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create an active user through services.demo.make_user (the one way users are made):
    make_user(email, role=..., two_step='email'|'totp'|'', forename=..., any User column=...),
    with the tests' PASSWORD and "Zzsam Zztester" unless told otherwise."""
    def make(email="pro@example.org", *, forename="Zzsam", surname="Zztester", password=PASSWORD,
             **fields):
        with app.app_context():
            return demo.make_user(email, forename, surname, password=password, **fields)
    return make


@pytest.fixture
def sign_in(app):
    """sign_in(client, email, password=PASSWORD): through the login page and, when the account
    has two-step verification, the code (emailed, or the authenticator app's). Returns the last
    response."""
    def go(client, email, password=PASSWORD):
        page = client.get("/login")
        response = client.post("/login", data={"email": email, "password": password,
                                               "csrf_token": csrf_from(page)})
        if response.status_code != 303 or "/verify" not in response.headers["Location"]:
            return response
        with app.app_context():
            user = User.get(User.email == email.lower())
        if user.two_step_method == "totp":
            with app.app_context():
                code = pyotp.TOTP(secrets_at_rest.open(user.totp_secret)).now()
        else:
            code = code_from(last_email(app, to=email))
        page = client.get("/verify")
        return client.post("/verify", data={"code": code, "csrf_token": csrf_from(page)})
    return go


@pytest.fixture
def signed_in(app):
    """signed_in(client, user, two_step_passed=True): sign a browser in without the UI.

    Starts a server-side session (accounts.start_session) and puts its token where flask-login
    looks (``_user_id``). Returns the session token.
    """
    def go(client, user, two_step_passed=True):
        with app.app_context():
            with models.db.atomic():
                token = accounts.start_session(user, two_step_passed=two_step_passed)
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        return token
    return go
