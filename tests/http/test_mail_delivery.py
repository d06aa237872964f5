"""Mail that is neither lost nor doubled (issue 14), on both engines: senders running at once
share the queue and never deliver one message twice; a batch longer than the stale-claim limit
re-sends nothing; a relay that accepts connections and never answers does not hold a sign-in."""
import datetime as dt
import socket
import threading

import pytest

import models
from models import Outbox, utcnow
from portal import create_app
from services import mail
from tests.helpers import PASSWORD, csrf_from


def _queue_many(app, count):
    with app.test_request_context(), models.db.atomic():
        for n in range(count):
            mail.queue(f"zz.reader{n}@example.org", "test-message", f"Zz {n}",
                       council=app.config["COUNCIL"], body_text=f"Zz body {n}")


def _with_test_templates(app):
    from jinja2 import ChoiceLoader, DictLoader
    app.jinja_loader = ChoiceLoader([
        DictLoader({"email/test-message.txt": "{{ body_text }}",
                    "email/test-message.html": "<p>{{ body_text }}</p>"}),
        app.jinja_loader])


@pytest.fixture(autouse=True)
def _templates(app):
    _with_test_templates(app)


@pytest.fixture
def relay(app, monkeypatch):
    """An SMTP "relay" that records every message it is handed (thread-safe)."""
    app.config["SMTP_HOST"] = "relay.invalid"
    delivered, lock = [], threading.Lock()

    def send(config, msg):
        with lock:
            delivered.append(msg["Message-ID"])
    monkeypatch.setattr(mail, "_send_smtp", send)
    return delivered


@pytest.mark.races
def test_two_senders_at_once_never_deliver_one_message_twice(app, relay):
    _queue_many(app, 40)
    barrier = threading.Barrier(3)
    counts = []

    def sender():
        barrier.wait()
        try:
            with app.app_context():
                counts.append(mail.deliver_pending(app)[0])
        finally:
            models.db.close()
    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(relay) == 40 and len(set(relay)) == 40
    assert sum(counts) == 40
    with app.app_context():
        assert Outbox.select().where(Outbox.status == "sent").count() == 40
        assert Outbox.select().where(Outbox.claim_token.is_null(False)).count() == 0


def test_a_batch_longer_than_the_stale_limit_does_not_resend(app, relay, monkeypatch):
    """Each send takes "2 minutes" of a fake clock; while the first sender is on its sixth
    message (12 minutes into the batch, past CLAIM_TIMEOUT) a second sender runs. Before, claims
    were stamped with the batch's start and the message in flight was released and sent again."""
    _queue_many(app, 10)
    clock = {"now": utcnow()}
    monkeypatch.setattr(mail, "utcnow", lambda: clock["now"])
    second_run = []
    handed = mail._send_smtp

    def slow_send(config, msg):
        clock["now"] += dt.timedelta(minutes=2)
        if len(relay) == 5 and not second_run:  # the sixth message is in flight
            second_run.append("started")
            other = threading.Thread(target=second_sender)
            other.start()
            other.join(20)
        handed(config, msg)

    def second_sender():  # another process's send-mail run: its own connection
        try:
            with app.app_context():
                second_run[0] = mail.deliver_pending(app)
        finally:
            models.db.close()
    monkeypatch.setattr(mail, "_send_smtp", slow_send)
    with app.app_context():
        first = mail.deliver_pending(app)
    assert second_run[0] != "started", "the second sender finished while the first was mid-batch"
    assert len(relay) == 10 and len(set(relay)) == 10
    assert first[0] + second_run[0][0] == 10 and first[1] == 0


def test_a_claim_is_released_only_when_it_is_itself_stale(app, relay):
    _queue_many(app, 2)
    with app.app_context():
        old, fresh = Outbox.select().order_by(Outbox.id)
        Outbox.update(status="sending", claim_token="a" * 32,
                      claimed_at=utcnow() - mail.CLAIM_TIMEOUT - dt.timedelta(minutes=1)
                      ).where(Outbox.id == old.id).execute()
        Outbox.update(status="sending", claim_token="b" * 32, claimed_at=utcnow(),
                      next_attempt_at=utcnow() - dt.timedelta(hours=3)
                      ).where(Outbox.id == fresh.id).execute()
        assert mail.deliver_pending(app) == (1, 1)
        assert Outbox.get_by_id(old.id).status == "sent"
        assert Outbox.get_by_id(fresh.id).status == "sending"  # its sender is still at it
    assert relay == [old.message_id]


def test_a_sender_whose_claim_was_taken_does_not_overwrite_the_outcome(app, relay, monkeypatch):
    _queue_many(app, 1)
    handed = mail._send_smtp

    def send_and_lose_the_claim(config, msg):
        handed(config, msg)
        Outbox.update(claim_token="another-sender").execute()
    monkeypatch.setattr(mail, "_send_smtp", send_and_lose_the_claim)
    with app.app_context():
        mail.deliver_pending(app)
        row = Outbox.get()
    assert row.status == "sending" and row.claim_token == "another-sender"


class SilentRelay:
    """Accepts TCP connections on 127.0.0.1 and never says a word (a hung SMTP relay)."""
    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)  # the kernel completes each handshake; nobody ever answers
        self.port = self.socket.getsockname()[1]

    def close(self):
        self.socket.close()


@pytest.fixture
def silent_relay():
    relay = SilentRelay()
    yield relay
    relay.close()


def _app_with_smtp(tmp_path, monkeypatch, postgres_test_url, port, **extra):
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "smtp-instance"))
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret-key",
                       "DATABASE_URL": postgres_test_url or f"sqlite:///{tmp_path / 'test.db'}",
                       "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_DIR": str(tmp_path / "mail"),
                       "PASSWORD_METHOD": "scrypt:1024:8:1", "SMTP_HOST": "127.0.0.1",
                       "SMTP_PORT": port, "SMTP_STARTTLS": False, **extra})


def test_mail_sync_defaults_off_with_an_smtp_host_and_on_without(app, tmp_path, monkeypatch,
                                                                postgres_test_url):
    assert app.config["MAIL_SYNC"] is True  # no SMTP host: tests and `make run` see mail at once
    smtp = _app_with_smtp(tmp_path, monkeypatch, postgres_test_url, 25)
    assert smtp.config["MAIL_SYNC"] is False
    monkeypatch.setenv("PORTAL_MAIL_SYNC", "1")
    assert _app_with_smtp(tmp_path, monkeypatch, postgres_test_url, 25).config["MAIL_SYNC"] is True


def test_a_hung_relay_does_not_hold_a_sign_in(app, make_user, silent_relay, tmp_path,
                                              monkeypatch, postgres_test_url):
    make_user("zz.hung@example.org", two_step="email")
    smtp_app = _app_with_smtp(tmp_path, monkeypatch, postgres_test_url, silent_relay.port)
    client = smtp_app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"email": "zz.hung@example.org", "password": PASSWORD,
                                           "csrf_token": csrf_from(page)})
    assert response.status_code == 303 and response.headers["Location"] == "/verify"
    with smtp_app.app_context():
        code_mail = Outbox.get()
    # The request came back without trying the relay: the code waits for send-mail.
    assert code_mail.status == "pending" and code_mail.attempts == 0 and code_mail.last_error == ""


def test_send_mail_gives_up_on_a_hung_relay_after_its_timeouts(app, make_user, silent_relay,
                                                               tmp_path, monkeypatch,
                                                               postgres_test_url):
    smtp_app = _app_with_smtp(tmp_path, monkeypatch, postgres_test_url, silent_relay.port,
                              SMTP_CONNECT_TIMEOUT=0.3, SMTP_READ_TIMEOUT=0.3)
    _with_test_templates(smtp_app)
    _queue_many(smtp_app, 1)
    with smtp_app.app_context():
        assert mail.deliver_pending(smtp_app) == (0, 1)
        row = Outbox.get()
    assert row.status == "pending" and row.attempts == 1 and "timed out" in row.last_error
    assert row.claim_token is None
