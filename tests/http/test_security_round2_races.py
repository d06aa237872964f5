"""Security round two (issue 11): races in check-and-set (seen on PostgreSQL, latent on SQLite).

Two browsers submit the same emailed code, or the same authenticator code, at the same moment:
exactly one is signed in. Ten wrong passwords at once are all counted (the account is locked, or
``failed_logins`` is 10 when the lock rule changes). The fix makes each check-and-set one
conditional UPDATE (``WHERE used_at IS NULL``, ``WHERE totp_last_step < ?``,
``failed_logins = failed_logins + 1``) and stops whole-row ``save()`` on users.

Engines: these run on the SQLite file by default. Set ``PORTAL_TEST_DATABASE_URL`` (e.g.
``postgresql://portal@localhost/portal_test``, an empty database the tests may fill) to run them
on PostgreSQL too; they carry the ``races`` mark (``pytest -m races``). Each thread makes its own
requests (so its own app and request contexts and its own database connection).
"""
import threading

import pyotp
import pytest

import models
from tests import databases
from models import User
from tests.helpers import PASSWORD, code_from, csrf_from, last_email

pytestmark = pytest.mark.races


@pytest.fixture
def app(tmp_path, monkeypatch, postgres_test_url):
    """conftest's app (this worker's PostgreSQL database under PORTAL_TEST_DATABASE_URL), with
    the rate limits loosened so only the race decides."""
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    from portal import create_app
    url = postgres_test_url or f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "DATABASE_URL": url,
                      "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_DIR": str(tmp_path / "mail"),
                      "PASSWORD_METHOD": "scrypt:1024:8:1", "RATE_LIMIT_FACTOR": 10})
    with app.app_context():
        if postgres_test_url:
            databases.empty_all(models.db)  # tables made once per worker; rows from the last test go
        else:
            models.create_tables()
    yield app
    models.db.close()


def at_once(functions):
    """Run each function in its own thread, released together; returns their results."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def run(index, function):
        barrier.wait()
        try:
            results[index] = function()
        finally:
            if not models.db.is_closed():
                models.db.close()
    threads = [threading.Thread(target=run, args=(n, f)) for n, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def password_step(client, email):
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": csrf_from(page)})
    assert response.status_code == 303 and response.headers["Location"] == "/verify"


def poster(client, code):
    """Post the code; "signed-in" when it was accepted, else the status. (A 303 back to /login
    means the shared attempt had already finished — refused, not signed in.)"""
    token = csrf_from(client.get("/verify"))

    def post():
        response = client.post("/verify", data={"code": code, "csrf_token": token})
        if response.status_code == 303 and response.headers["Location"] != "/login":
            return "signed-in"
        return response.status_code
    return post


@pytest.mark.parametrize("round_", range(6))
def test_race_same_emailed_code_twice_at_once_signs_in_once(app, make_user, round_):
    make_user("pro@example.org")
    first, second = app.test_client(), app.test_client()
    password_step(first, "pro@example.org")
    with first.session_transaction() as session:
        attempt = session["attempt"]
    with second.session_transaction() as session:  # the same attempt in a second browser
        session["attempt"] = attempt
    code = code_from(last_email(app, to="pro@example.org"))
    statuses = at_once([poster(first, code), poster(second, code)])
    assert statuses.count("signed-in") == 1, f"both accepted: {statuses}"


@pytest.mark.parametrize("round_", range(6))
def test_race_same_totp_code_from_two_sign_ins_signs_in_once(app, make_user, round_):
    secret = pyotp.random_base32()
    make_user("app@example.org", two_step="totp", totp_secret=secret)
    first, second = app.test_client(), app.test_client()
    password_step(first, "app@example.org")
    password_step(second, "app@example.org")
    code = pyotp.TOTP(secret).now()
    statuses = at_once([poster(first, code), poster(second, code)])
    assert statuses.count("signed-in") == 1, (
        f"the same authenticator code accepted twice: {statuses}")


def test_race_ten_wrong_passwords_at_once_are_all_counted(app, make_user):
    make_user("pro@example.org", two_step="")
    clients = [app.test_client() for _ in range(10)]
    tokens = [csrf_from(c.get("/login")) for c in clients]
    statuses = at_once([
        (lambda c=c, t=t: c.post("/login", data={"email": "pro@example.org",
                                                 "password": "not-the-password-at-all",
                                                 "csrf_token": t}).status_code)
        for c, t in zip(clients, tokens)])
    assert statuses == [422] * 10
    with app.app_context():
        user = User.get(User.email == "pro@example.org")
    assert user.locked_until is not None or user.failed_logins == 10, (
        f"failed_logins={user.failed_logins}, locked_until={user.locked_until}")
