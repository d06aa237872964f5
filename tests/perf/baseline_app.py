"""The baseline: a bare Flask + Peewee app that updates one row per request.

Same server (gunicorn, same workers), same SQLite settings as the portal (WAL, synchronous
NORMAL, busy_timeout, IMMEDIATE write transactions, a connection per request). Whatever the
portal spends beyond this is its own work: sessions, CSRF, access checks, the form engine,
JSON answers, audit, templates.

Run: ``gunicorn 'tests.perf.baseline_app:create_app()'`` with BASELINE_DB set.
"""
import os

from flask import Flask, request
from peewee import IntegerField, Model, SqliteDatabase, TextField

db = SqliteDatabase(None, pragmas={"journal_mode": "wal", "foreign_keys": 1,
                                   "busy_timeout": 5000, "synchronous": "normal"},
                    lock_type="IMMEDIATE", check_same_thread=False)


class Note(Model):
    body = TextField(default="")
    version = IntegerField(default=1)

    class Meta:
        database = db


def create_app():
    db.init(os.environ["BASELINE_DB"])
    app = Flask(__name__)

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()

    @app.get("/")
    def index():
        return "ok"

    @app.post("/save/<int:note_id>")
    def save(note_id):
        with db.atomic():
            Note.update(body=request.form.get("body", ""), version=Note.version + 1).where(
                Note.id == note_id).execute()
            version = Note.select(Note.version).where(Note.id == note_id).scalar()
        return f'<span>Saved</span><input type="hidden" id="form-version" value="{version}">'

    return app


def seed(path, rows):
    """Create the table with ``rows`` notes."""
    db.init(path)
    db.connect()
    db.create_tables([Note])
    with db.atomic():
        Note.insert_many([{"body": ""} for _ in range(rows)]).execute()
    db.close()
