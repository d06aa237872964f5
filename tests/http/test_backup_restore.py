"""Backups on both engines (issue 14): `flask backup PATH` copies the database (pg_dump -Fc on
PostgreSQL) and the uploaded files it references with a manifest; `flask restore PATH` puts both
back into an empty database and upload folder."""
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

import models
from models import Document, Person
from portal import create_app
from services import backups
from tests import databases

POSTGRES_ONLY = pytest.mark.skipif(not databases.postgres_url(), reason="PostgreSQL only")


def _some_data(app, make_user):
    officer = make_user("zz.backup@example.org", role="officer")
    with app.app_context():
        person = Person.create(forename="Zzbella", surname="Zzbackup",
                               date_of_birth=dt.date(2015, 3, 1), created_by=officer)
        folder = Path(app.config["UPLOAD_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        for n, content in enumerate((b"%PDF-1.4 Zz letter", b"%PDF-1.4 Zz plan " * 500)):
            name = f"zzstored{n:02d}"
            (folder / name).write_bytes(content)
            Document.create(person=person, kind="letter", title=f"Zz {n}", filename=f"zz{n}.pdf",
                            stored_name=name, size=len(content))
        (folder / "zz-not-referenced").write_bytes(b"left out")


def _counts():
    return {model.__name__: model.select().count() for model in models.ALL_MODELS}


def test_backup_then_restore_into_an_empty_database(app, make_user, tmp_path, monkeypatch):
    _some_data(app, make_user)
    with app.app_context():
        before = _counts()
    target = tmp_path / "nightly"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 uploaded file(s)" in result.output
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["engine"] == databases.engine_name().lower()
    assert [f["name"] for f in manifest["files"]] == ["zzstored00", "zzstored01"]
    assert manifest["files"][1]["size"] == len(b"%PDF-1.4 Zz plan " * 500)
    assert sorted(p.name for p in (target / "uploads").iterdir()) == ["zzstored00", "zzstored01"]
    models.db.close()

    # An empty database and upload folder elsewhere: restore fills them.
    if databases.postgres_url():
        url = databases.fresh_database(f"portal_restore_{databases.worker()}")
    else:
        url = f"sqlite:///{tmp_path / 'restored.db'}"
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "restored-instance"))
    restored = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key", "DATABASE_URL": url,
                           "UPLOAD_DIR": str(tmp_path / "restored-uploads"),
                           "MAIL_DIR": str(tmp_path / "mail")})
    try:
        result = restored.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code == 0, result.output
        with restored.app_context():
            assert _counts() == before
            assert Person.get().surname == "Zzbackup"
        uploads = Path(restored.config["UPLOAD_DIR"])
        assert sorted(p.name for p in uploads.iterdir()) == ["zzstored00", "zzstored01"]
        assert (uploads / "zzstored00").read_bytes() == b"%PDF-1.4 Zz letter"
    finally:
        models.db.close()


def test_a_backup_of_sqlite_is_a_whole_database(app, make_user, tmp_path):
    if databases.postgres_url():
        pytest.skip("SQLite only")
    _some_data(app, make_user)
    app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    copy = sqlite3.connect(tmp_path / "b" / "database.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM document").fetchone()[0] == 2
    copy.close()


def test_a_referenced_file_not_on_disk_is_listed_as_missing(app, make_user, tmp_path):
    _some_data(app, make_user)
    (Path(app.config["UPLOAD_DIR"]) / "zzstored00").unlink()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0 and "1 referenced file(s) not on disk" in result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["missing"] == ["zzstored00"]


def test_backup_refuses_a_folder_that_is_not_empty(app, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("zz")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "used")])
    assert result.exit_code != 0 and "is not empty" in result.output


def test_restore_refuses_a_damaged_backup_and_changes_nothing(app, make_user, tmp_path):
    _some_data(app, make_user)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    (tmp_path / "b" / "uploads" / "zzstored01").write_bytes(b"damaged")
    with app.app_context():
        Person.delete().execute()
    result = runner.invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code != 0 and "differs from the manifest" in result.output
    with app.app_context():
        assert Person.select().count() == 0  # nothing restored


@POSTGRES_ONLY
def test_backup_without_pg_dump_fails_with_a_clear_message(app, tmp_path, monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code != 0
    assert "pg_dump not found" in result.output and "postgresql-client" in result.output


@POSTGRES_ONLY
def test_restore_by_a_role_that_does_not_own_pg_trgm(app, make_user, tmp_path, monkeypatch):
    """The README's fallback: a superuser made pg_trgm, the portal's own role restores. The
    dump's DROP/COMMENT of the extension would need its owner: they are left out, and the name
    search index and the link counts' triggers come back with the tables."""
    import psycopg2
    from services.people import people
    _some_data(app, make_user)
    target = tmp_path / "nightly"
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    models.db.close()
    url = databases.fresh_database(f"portal_owner_{databases.worker()}")
    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cursor:  # as the superuser: the role, its database, the extension
        cursor.execute("DROP ROLE IF EXISTS zz_portal_role")
        cursor.execute("CREATE ROLE zz_portal_role LOGIN")
        cursor.execute(f"ALTER DATABASE portal_owner_{databases.worker()} OWNER TO zz_portal_role")
        cursor.execute("ALTER SCHEMA public OWNER TO zz_portal_role")
        cursor.execute("CREATE EXTENSION pg_trgm")
    admin.close()
    role_url = url.replace("://postgres@", "://zz_portal_role@", 1)
    assert role_url != url
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "role-instance"))
    restored = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key",
                           "DATABASE_URL": role_url, "UPLOAD_DIR": str(tmp_path / "role-uploads"),
                           "MAIL_DIR": str(tmp_path / "mail")})
    try:
        result = restored.test_cli_runner().invoke(args=["restore", str(target)])
        assert result.exit_code == 0, result.output
        with restored.app_context():
            assert Person.get().surname == "Zzbackup"
            assert models.name_search_indexed() and models.link_tally_kept()
            user = models.User.get(models.User.email == "zz.backup@example.org")
            models.Link.create(user=user, person=Person.get())
            assert people.linked_people(user, search="backup").total == 1
            assert people.linked_count(user) == 1
    finally:
        models.db.close()
