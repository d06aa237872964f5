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
        try:
            if isinstance(database, models.PostgresqlDatabase):
                database.execute_sql("DROP INDEX person_surname_trgm")
                database.execute_sql("DROP TRIGGER link_tally ON link")
            else:
                database.execute_sql("DROP TRIGGER person_name_fragment_update")
                database.execute_sql("DROP TRIGGER link_tally_delete")
            ok, sentence = _by_check(app, {})["_scale_indexes"]
            assert not ok and sentence.startswith(
                "The database lacks the name search index, so searches read every name")
            assert ("; it lacks the link counts' triggers, so Select Person counts every link: "
                    "run `flask --app portal init-db`.") in sentence
        finally:
            models.converge_schema()
        assert _by_check(app, {})["_scale_indexes"][0]
