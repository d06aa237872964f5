"""Issue 15, deployment: `flask --app portal doctor` says what is wrong, in sentences."""
import socket

from services.ops import doctor


def _by_check(app, env):
    return dict(zip((c.__name__ for c in doctor.CHECKS), doctor.run(app.config, env)))


def test_a_default_checkout_gets_sentences_for_what_is_missing(app):
    with app.app_context():
        results = _by_check(app, {})
    assert results["_secret_key"] == (False, results["_secret_key"][1])
    assert "PORTAL_SECRET_KEY is not set" in results["_secret_key"][1]
    assert not results["_base_url"][0] and "https" in results["_base_url"][1]
    assert not results["_smtp"][0] and "PORTAL_SMTP_HOST is not set" in results["_smtp"][1]
    assert results["_database"] == (True, "The database is reachable and has every table.")
    assert results["_uploads"][0] and results["_clamd"][0]
    assert results["_scale_indexes"] == (
        True, "The name search index and the link counts' triggers are in place.")


def test_a_database_without_the_scale_indexes_is_named(app):
    import models
    with app.app_context():
        database = models.db.obj
        if isinstance(database, models.PostgresqlDatabase):
            database.execute_sql("DROP EXTENSION pg_trgm CASCADE")
        else:
            database.execute_sql("DROP TABLE person_name_search")
        ok, sentence = _by_check(app, {})["_scale_indexes"]
        assert not ok and "lacks the name search index: run `flask --app portal init-db`" in sentence
        models.converge_schema()
        assert _by_check(app, {})["_scale_indexes"][0]


def test_a_good_configuration_passes(app, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    app.config.update(BASE_URL="https://send.example.gov.uk", SMTP_HOST="127.0.0.1",
                      SMTP_PORT=listener.getsockname()[1], TRUSTED_PROXIES=1)
    try:
        with app.app_context():
            results = doctor.run(app.config, {"PORTAL_SECRET_KEY": "k" * 40})
    finally:
        listener.close()
    assert all(ok for ok, _ in results), results


def test_unreachable_smtp_clamd_and_unwritable_uploads_are_named(app, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, UPLOAD_DIR=str(blocker / "uploads"),
                      BASE_URL="https://send.example.gov.uk", TRUSTED_PROXIES=0)
    with app.app_context():
        results = _by_check(app, {"PORTAL_CLAMD_SOCKET": str(tmp_path / "clamd.sock")})
    assert "127.0.0.1:1 cannot be reached" in results["_smtp"][1]
    assert "is not writable" in results["_uploads"][1]
    assert "uploads will be refused" in results["_clamd"][1]
    assert "PORTAL_TRUSTED_PROXIES is 0" in results["_proxies"][1]
    assert not any(ok for ok, _ in (results["_smtp"], results["_uploads"], results["_clamd"]))


def test_doctor_command_exits_non_zero_with_problems(app):
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "PROBLEM PORTAL_SMTP_HOST is not set" in result.output
