"""Email through an outbox.

Every email is an ``Outbox`` row written in the same transaction as the change that causes it
(``queue``), so a rolled-back change sends nothing and a committed one always sends. Delivery
(``deliver_pending``) claims each due row, sends it over SMTP, and on failure backs off and
tries again later: SMTP being down means mail waits, never that it is lost.

With no ``PORTAL_SMTP_HOST`` (development) each email is printed to the console and written to
``instance/mail/`` as an ``.eml`` file.
"""
import datetime as dt
import logging
import smtplib
import threading
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import g, render_template

import models
from models import Outbox, utcnow

log = logging.getLogger("portal.mail")

# Mail that carries a one-time code or a link that signs in, activates, resets or confirms: its
# bodies are kept only until it is sent (the outbox is no second copy of anyone's secrets).
SECRET_KINDS = frozenset({
    "verification-code", "account-verification-code", "activation", "citizen-activation",
    "password-reset", "officer-invitation", "account-email-change-confirm"})
PURGED = "(Removed once sent: this email held a one-time code or a secret link.)"

# Under TESTING only, the dev sender keeps what it delivered (message id -> (text, html)) so the
# tests can read a code or link after the outbox row was emptied. Never filled in production.
TEST_DELIVERIES: dict = {}

BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60)  # then every hour until delivered
CLAIM_TIMEOUT = dt.timedelta(minutes=10)  # a "sending" row older than this was lost mid-send
_delivery_lock = threading.Lock()


def init_app(app):
    @app.after_request
    def _deliver_after_request(response):
        # The change that queued mail has committed by now; send straight away so codes arrive
        # promptly. Whatever fails here stays pending for the send-mail command.
        if g.get("mail_queued") and app.config.get("MAIL_SYNC", True):
            try:
                deliver_pending(app)
            except Exception:  # never let mail break the page the user is looking at
                log.exception("Mail delivery after request failed; it will be retried")
        return response


def queue(to_addr, template, subject, *, kind="", council, secret=None, **context):
    """Write an email to the outbox (call inside the transaction that causes it).

    ``template`` names ``templates/email/<template>.txt`` and ``.html``. The council's name
    is put in front of the subject. ``secret`` (by default: the kind is in SECRET_KINDS) empties
    the bodies once the email has been sent.
    """
    kind = kind or template
    if secret is None:
        secret = kind in SECRET_KINDS or template in SECRET_KINDS
    context = {"council": council, **context}
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    domain = (council.get("mail_from") or "portal@localhost").rsplit("@", 1)[-1].strip(">")
    row = Outbox.create(
        message_id=make_msgid(idstring=uuid.uuid4().hex[:12], domain=domain),
        to_addr=to_addr, subject=f"{council['name']}: {subject}", text_body=text,
        html_body=html, kind=kind, secret=bool(secret))
    try:
        g.mail_queued = True
    except RuntimeError:  # outside a request (CLI): the command delivers itself
        pass
    return row


def _build(row, sender):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Message-ID"] = row.message_id  # lets a receiving server drop a rare duplicate
    msg["Date"] = format_datetime(row.created_at.replace(tzinfo=dt.timezone.utc))
    msg.set_content(row.text_body)
    if row.html_body:
        msg.add_alternative(row.html_body, subtype="html")
    return msg


def _send_smtp(config, msg):
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(msg)


def _send_dev(config, msg, row):
    folder = Path(config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{row.id:06d}-{row.kind or 'mail'}.eml").write_bytes(bytes(msg))
    if config.get("TESTING"):
        if len(TEST_DELIVERIES) > 5000:
            TEST_DELIVERIES.clear()
        TEST_DELIVERIES[row.message_id] = (row.text_body, row.html_body)
    else:
        print(f"\n--- email to {row.to_addr}: {row.subject}\n{row.text_body}\n---", flush=True)


def _claim(row_id, now):
    """Mark a row as being sent; only one sender can win it."""
    with models.db.atomic():
        return (Outbox.update(status="sending", next_attempt_at=now)
                .where((Outbox.id == row_id) & (Outbox.status == "pending"))
                .execute()) == 1


def deliver_pending(app, now=None, limit=200):
    """Send every due email. Returns (sent, still_waiting)."""
    config = app.config
    sender = config.get("MAIL_FROM") or config["COUNCIL"].get("mail_from") or "portal@localhost"
    with _delivery_lock:
        now = now or utcnow()
        # Rows stuck in "sending" (a worker died mid-send) go back to the queue.
        with models.db.atomic():
            (Outbox.update(status="pending")
             .where((Outbox.status == "sending") & (Outbox.next_attempt_at < now - CLAIM_TIMEOUT))
             .execute())
        due = list(Outbox.select(Outbox.id)
                   .where((Outbox.status == "pending") & (Outbox.next_attempt_at <= now))
                   .order_by(Outbox.id).limit(limit))
        sent = 0
        for ref in due:
            if not _claim(ref.id, now):
                continue
            row = Outbox.get_by_id(ref.id)
            sent += _deliver_one(config, sender, row)
        waiting = Outbox.select().where(Outbox.status != "sent").count()
    return sent, waiting


def _deliver_one(config, sender, row):
    msg = _build(row, sender)
    try:
        if config.get("SMTP_HOST"):
            _send_smtp(config, msg)
        else:
            _send_dev(config, msg, row)
    except Exception as exc:  # SMTP down, refused, timed out: wait and retry
        attempts = row.attempts + 1
        minutes = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
        with models.db.atomic():
            (Outbox.update(status="pending", attempts=attempts, last_error=str(exc)[:500],
                           next_attempt_at=utcnow() + dt.timedelta(minutes=minutes))
             .where(Outbox.id == row.id).execute())
        log.warning("Email %s not sent (attempt %s): %s", row.id, attempts, exc)
        return 0
    purge = {"text_body": PURGED, "html_body": ""} if row.secret else {}
    with models.db.atomic():
        (Outbox.update(status="sent", attempts=row.attempts + 1, sent_at=utcnow(), last_error="",
                       **purge)
         .where(Outbox.id == row.id).execute())
    return 1
