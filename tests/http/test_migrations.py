"""Versioned migrations (issue 14): the previous release's schema (models.py at 3c66794, kept in
tests/schema_snapshots/) with data in it, upgraded by `flask init-db`, ends up with the same
schema as a fresh database (columns, types, lengths, nullability, indexes, foreign keys) and keeps
its rows, on both engines."""
import datetime as dt
import importlib.util
from pathlib import Path

import pytest

import migrations
import models
from portal import create_app
from tests import databases

SNAPSHOT = Path(__file__).resolve().parents[1] / "schema_snapshots" / "models_3c66794.py"


def _previous_release():
    spec = importlib.util.spec_from_file_location("models_3c66794", SNAPSHOT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _url(tmp_path, name):
    if databases.postgres_url():
        return databases.fresh_database(f"portal_{name}_{databases.worker()}")
    return f"sqlite:///{tmp_path / (name + '.db')}"


def _schema(database):
    postgres = isinstance(database, models.PostgresqlDatabase)
    found = {}
    for table in sorted(database.get_tables()):
        columns = {c.name: (c.data_type.lower(), c.null, c.primary_key)
                   for c in database.get_columns(table)}
        if postgres:
            for name, length, default in database.execute_sql(
                    "SELECT column_name, character_maximum_length, column_default FROM "
                    "information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = %s", (table,)).fetchall():
                columns[name] += (length,)
            actions = []
        else:
            actions = sorted(tuple(row[2:7]) for row in database.execute_sql(
                f'PRAGMA foreign_key_list("{table}")').fetchall())
        indexes = sorted((i.name, tuple(c or "(expression)" for c in i.columns), i.unique)
                         for i in database.get_indexes(table))  # SQLite: None for an expression
        keys = sorted((k.column, k.dest_table, k.dest_column)
                      for k in database.get_foreign_keys(table))
        found[table] = {"columns": columns, "indexes": indexes, "keys": keys, "actions": actions}
    if postgres:  # triggers too (LinkTally's, and the name search's on SQLite)
        found["(triggers)"] = sorted(database.execute_sql(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
            ).fetchall())
    else:
        found["(triggers)"] = sorted(database.execute_sql(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'").fetchall())
    return found


def _init_db(tmp_path, monkeypatch, url):
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "zz-test", "DATABASE_URL": url,
                      "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_DIR": str(tmp_path / "mail")})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    return app, result.output


def test_the_previous_release_migrates_to_the_fresh_schema(tmp_path, monkeypatch):
    old = _previous_release()
    old_url = _url(tmp_path, "previous")
    database = models.open_database(old_url)
    old.db.initialize(database)
    try:
        old.create_tables()
        assert not database.table_exists(models.CaseEvent._meta.table_name)
        assert not database.table_exists(models.SchemaVersion._meta.table_name)
        user = old.User.create(email="zz.old@example.org", forename="Zzold")
        person = old.Person.create(forename="Zzamy", surname="Zzold", date_of_birth=dt.date(2016, 5, 1),
                                   created_by=user)
        old.Case.create(person=person, phase="assessment", request_received=dt.date(2026, 1, 5))
        old.Outbox.create(message_id="<zz-old@example.org>", to_addr="zz.old@example.org",
                          subject="Zz", text_body="Zz")
        database.close()

        app, output = _init_db(tmp_path, monkeypatch, old_url)
        with app.app_context():
            assert migrations.current_version() == len(migrations.steps())
            upgraded = _schema(models.db.obj)
            case = models.Case.get()
            assert case.person.surname == "Zzold" and case.next_step is not None
            assert models.CaseEvent.select().where(models.CaseEvent.case == case).exists()
            assert models.Outbox.get().claim_token is None
            assert models.User.get().email == "zz.old@example.org"
            # "user" was rebuilt on SQLite: its children kept their references (no cascade).
            assert models.Person.get().created_by_id == models.User.get().id
            # Run again: nothing left to apply, nothing changes.
            assert migrations.migrate() == []
            assert _schema(models.db.obj) == upgraded
        models.db.close()

        fresh_app, _ = _init_db(tmp_path / "fresh", monkeypatch, _url(tmp_path, "fresh"))
        with fresh_app.app_context():
            assert migrations.current_version() == len(migrations.steps())
            fresh = _schema(models.db.obj)
    finally:
        models.db.close()
    assert upgraded.keys() == fresh.keys()
    triggers = fresh.pop("(triggers)")
    assert upgraded.pop("(triggers)") == triggers
    assert any(name.startswith("link_tally") for name, _table in triggers), triggers
    for table in fresh:
        for part in fresh[table]:
            if part == "columns":
                assert {c: v for c, v in upgraded[table]["columns"].items()
                        if fresh[table]["columns"].get(c) != v} == {}, table
            assert upgraded[table][part] == fresh[table][part], (table, part)


def test_steps_are_numbered_without_gaps_and_each_applied_once(app):
    with app.app_context():
        names = [step.name for step in migrations.steps()]
        assert names[:2] == ["baseline", "columns_like_fresh"]
        rows = list(models.SchemaVersion.select().order_by(models.SchemaVersion.version))
        assert [(r.version, r.name) for r in rows] == list(enumerate(names, start=1))
        assert migrations.migrate() == []
        assert models.SchemaVersion.select().count() == len(names)


def test_a_database_from_before_versioning_gets_every_step(app):
    """The version table missing means no step was recorded: all run (each is safe on a schema
    that already has what it adds)."""
    with app.app_context():
        models.db.execute_sql(f'DROP TABLE "{models.SchemaVersion._meta.table_name}"')
        assert migrations.migrate() == [step.name for step in migrations.steps()]
        assert migrations.current_version() == len(migrations.steps())
