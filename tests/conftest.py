"""Shared fixtures (flaskr style): ``app``, ``client``, ``make_user`` and ``sign_in``.

Each test gets its own SQLite file and instance folder, so tests can run in parallel
(pytest-xdist) without seeing each other's data.
"""
import re

import pytest

import models
from models import Outbox, User, WorkProfile, utcnow

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    from portal import create_app
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MAIL_DIR": str(tmp_path / "mail"),
        "PASSWORD_METHOD": "scrypt:1024:8:1",  # fast hashing in tests; production uses scrypt defaults
    })
    with app.app_context():
        models.create_tables()
    yield app
    models.db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create an active user: make_user(email, role=..., two_step='email'|'totp'|'')."""
    from services import accounts

    def make(email="pro@example.org", *, role="professional", two_step="email",
             password=PASSWORD, secret_answer="zzbiscuit", **fields):
        with app.app_context():
            user = User.create(
                email=email.lower(), role=role, status="active", forename=fields.pop("forename", "Zzsam"),
                surname=fields.pop("surname", "Zztester"), password_hash=accounts.hash_secret(password),
                secret_question="Name of your first pet",
                secret_answer_hash=accounts.hash_secret(accounts.normalise_answer(secret_answer)),
                two_step_method=two_step, activated_at=utcnow(), **fields)
            return user
    return make


def last_email(app, to=None):
    """The newest outbox row (optionally to one address)."""
    with app.app_context():
        query = Outbox.select().order_by(Outbox.id.desc())
        if to:
            query = query.where(Outbox.to_addr == to.lower())
        return query.first()


def code_from(email_row):
    return re.search(r"\b(\d{6})\b", email_row.text_body).group(1)


def link_from(email_row):
    return re.search(r"https?://\S+", email_row.text_body).group(0)
