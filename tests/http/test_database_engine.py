"""What must hold on both engines (tests/databases.py picks SQLite or PostgreSQL): rate limits past
2038, health and readiness endpoints, and PostgreSQL connections that heal after the server drops
them."""
import peewee
import pytest

import models
from models import Throttle
from portal import create_app
from services import limits
from tests import databases
from tests.helpers import csrf_from

POSTGRES_ONLY = pytest.mark.skipif(
    not databases.postgres_url(),
    reason="PostgreSQL only: set PORTAL_TEST_DATABASE_URL (make test runs it on a throwaway cluster)")

AFTER_2038 = 2**31 + 3600  # 2038-01-19 04:14:08 UTC is 2**31 - 1 seconds since the epoch


def test_a_limit_is_counted_and_reached_after_2038(app):
    with app.app_context():
        assert all(limits.hit("k2038", 3, 60, now=AFTER_2038) for _ in range(3))
        assert not limits.hit("k2038", 3, 60, now=AFTER_2038 + 1)
        assert limits.hit("k2038", 3, 60, now=AFTER_2038 + 60)  # the next window
        assert Throttle.select().where(Throttle.window >= 2**31).count() == 2


def test_sign_in_works_after_2038(app, client, make_user, monkeypatch):
    make_user("zz.later@example.org", two_step="")
    monkeypatch.setattr(limits.time, "time", lambda: float(AFTER_2038))
    page = client.get("/login")
    response = client.post("/login", data={"email": "zz.later@example.org",
                                           "password": "wrong-password-zz", "csrf_token": csrf_from(page)})
    assert response.status_code in (200, 422)  # the form again with the error, never a 500
    with app.app_context():
        assert Throttle.select().where(Throttle.window >= 2**31).exists()


def test_healthz_answers_ok_without_the_database(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    assert response.mimetype == "text/plain"


def test_readyz_answers_when_the_database_does(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ready\n"


def test_readyz_is_503_and_healthz_200_when_the_database_is_gone(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "zz-test",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-folder' / 'portal.db'}"})
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_data(as_text=True) == "database unavailable\n"
    finally:
        models.db.close()


def _terminate_my_connections(app):
    """What a database restart, a failover or an idle reaper does: end the server side of every
    connection this test's database has, from another connection."""
    import psycopg2
    own = models.db.obj
    admin = psycopg2.connect(databases.postgres_url())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = %s AND pid <> pg_backend_pid()", (own.database,))
        ended = cursor.rowcount
    admin.close()
    return ended


@POSTGRES_ONLY
def test_the_next_sign_in_succeeds_after_the_connection_is_killed(app, client, make_user):
    make_user("zz.heal@example.org", two_step="")
    page = client.get("/login")  # the app's connection is open and kept (one per thread)
    with app.app_context():
        assert not models.db.is_closed()
    assert _terminate_my_connections(app) >= 1
    response = client.post("/login", data={"email": "zz.heal@example.org",
                                           "password": "wrong-password-zz", "csrf_token": csrf_from(page)})
    assert response.status_code in (200, 422)
    page = client.get("/login")
    _terminate_my_connections(app)
    from tests.helpers import PASSWORD
    response = client.post("/login", data={"email": "zz.heal@example.org", "password": PASSWORD,
                                           "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    assert client.get("/readyz").status_code == 200


@POSTGRES_ONLY
def test_readyz_heals_a_killed_connection(app, client):
    assert client.get("/readyz").status_code == 200
    _terminate_my_connections(app)
    assert client.get("/readyz").status_code == 200


@POSTGRES_ONLY
def test_an_old_32_bit_window_column_is_widened(app):
    with app.app_context():
        database = models.db.obj
        database.execute_sql('ALTER TABLE "throttle" ALTER COLUMN "window" TYPE integer')
        models.create_tables()
        types = {c.name: c.data_type for c in database.get_columns("throttle")}
        assert types["window"] == "bigint"
        with pytest.raises(peewee.DataError):  # the failure the old column gave
            with database.atomic():
                database.execute_sql("SELECT %s::integer", (AFTER_2038,))
