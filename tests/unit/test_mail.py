"""The outbox: mail is written with the change, delivered once, and waits while SMTP is down."""
import datetime as dt
import smtplib
from email import message_from_bytes
from pathlib import Path

import pytest

import models
from models import Outbox, utcnow
from services import mail


def _queue(app, to="someone@example.org"):
    with app.test_request_context():
        with models.db.atomic():
            return mail.queue(to, "test-message", "Hello", council=app.config["COUNCIL"],
                              body_text="Zz test body")


@pytest.fixture(autouse=True)
def _template(app, tmp_path):
    folder = Path(app.root_path) / "templates" / "email"
    assert folder.is_dir()
    # A throwaway template pair for these tests, written into a loader of its own.
    from jinja2 import ChoiceLoader, DictLoader
    app.jinja_loader = ChoiceLoader([
        DictLoader({"email/test-message.txt": "{{ body_text }}",
                    "email/test-message.html": "<p>{{ body_text }}</p>"}),
        app.jinja_loader])


def test_queue_writes_a_row_with_the_council_in_the_subject(app):
    row = _queue(app)
    assert row.status == "pending"
    assert row.subject == "Stockton-on-Tees Borough Council: Hello"
    assert "Zz test body" in row.text_body and "<p>" in row.html_body


def test_rolled_back_change_sends_nothing(app):
    with app.test_request_context():
        with pytest.raises(RuntimeError):
            with models.db.atomic():
                mail.queue("x@example.org", "test-message", "Hi", council=app.config["COUNCIL"],
                           body_text="x")
                raise RuntimeError("the change failed")
        assert Outbox.select().count() == 0


def test_development_mail_is_written_as_eml_with_text_and_html(app):
    _queue(app)
    with app.app_context():
        sent, waiting = mail.deliver_pending(app)
    assert (sent, waiting) == (1, 0)
    files = list(Path(app.config["MAIL_DIR"]).glob("*.eml"))
    assert len(files) == 1
    msg = message_from_bytes(files[0].read_bytes())
    assert msg["To"] == "someone@example.org"
    kinds = {part.get_content_type() for part in msg.walk()}
    assert {"text/plain", "text/html"} <= kinds


def test_smtp_down_means_mail_waits_then_goes_once(app, monkeypatch):
    app.config["SMTP_HOST"] = "127.0.0.1"
    calls = []

    def down(config, msg):
        raise smtplib.SMTPConnectError(421, "down")

    monkeypatch.setattr(mail, "_send_smtp", down)
    row = _queue(app)
    with app.app_context():
        assert mail.deliver_pending(app) == (0, 1)
        row = Outbox.get_by_id(row.id)
        assert row.status == "pending" and row.attempts == 1 and "down" in row.last_error
        # Not due again yet: the backoff holds it.
        assert mail.deliver_pending(app) == (0, 1)
        monkeypatch.setattr(mail, "_send_smtp", lambda config, msg: calls.append(msg["To"]))
        later = utcnow() + dt.timedelta(minutes=2)
        assert mail.deliver_pending(app, now=later) == (1, 0)
        assert mail.deliver_pending(app, now=later + dt.timedelta(hours=1)) == (0, 0)
    assert calls == ["someone@example.org"]


def test_a_row_claimed_by_a_dead_sender_is_retried(app):
    row = _queue(app)
    with app.app_context():
        Outbox.update(status="sending", next_attempt_at=utcnow() - dt.timedelta(hours=1)).execute()
        assert mail.deliver_pending(app) == (1, 0)
        assert Outbox.get_by_id(row.id).status == "sent"
