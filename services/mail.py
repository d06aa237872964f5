"""Email through an outbox.

Every email is an ``Outbox`` row written in the same transaction as the change that causes it
(``queue``), so a rolled-back change sends nothing and a committed one always sends. Delivery
(``deliver_pending``) claims each due row, sends it over SMTP, and on failure backs off and
tries again later: SMTP being down means mail waits, never that it is lost.

Neither lost nor doubled, with any number of senders (cron on several servers, overlapping runs):
each claim is one row, stamped with its own time (``claimed_at``) and a random ``claim_token``;
on PostgreSQL the row is picked with ``FOR UPDATE SKIP LOCKED`` so senders share the queue
instead of queueing behind each other; on SQLite the claiming UPDATE (``WHERE status =
'pending'``) is the lock. Only a claim older than CLAIM_TIMEOUT (its sender died) is released,
and a sender records the outcome only while the claim is still its own.

Requests send nothing themselves when an SMTP host is set (``MAIL_SYNC`` off, the default then):
``flask send-mail`` from cron delivers. With no ``PORTAL_SMTP_HOST`` (development and tests) each
email is printed to the console and written to ``instance/mail/`` as an ``.eml`` file, straight
after the request that queued it.
"""
import datetime as dt
import logging
import smtplib
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
# A claim older than this was lost mid-send (its sender died). Far above one send, which the
# SMTP timeouts bound to seconds, so mail in flight is never released and sent twice.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)


def init_app(app):
    @app.after_request
    def _deliver_after_request(response):
        # The change that queued mail has committed by now. Without an SMTP host (development,
        # tests) send straight away; in production (MAIL_SYNC off) the send-mail command does,
        # so a slow or hanging relay never holds a request. Failures stay pending for it.
        if g.get("mail_queued") and app.config.get("MAIL_SYNC"):
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
    """One message over SMTP: at most SMTP_CONNECT_TIMEOUT to connect, SMTP_READ_TIMEOUT for each
    answer, so a relay that accepts and never answers holds a sender for seconds, not minutes."""
    with smtplib.SMTP(timeout=config.get("SMTP_CONNECT_TIMEOUT", 5)) as smtp:
        smtp.connect(config["SMTP_HOST"], config["SMTP_PORT"])
        smtp.sock.settimeout(config.get("SMTP_READ_TIMEOUT", 10))
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


def _release_stale_claims(now):
    """Rows whose claim is older than CLAIM_TIMEOUT go back to the queue (their sender died).
    A row claimed by an older release has no claimed_at: its claim time was next_attempt_at."""
    cutoff = now - CLAIM_TIMEOUT
    stale = (Outbox.claimed_at < cutoff) | (
        Outbox.claimed_at.is_null() & (Outbox.next_attempt_at < cutoff))
    with models.db.atomic():
        return (Outbox.update(status="pending", claim_token=None, claimed_at=None)
                .where((Outbox.status == "sending") & stale).execute())


def _claim_next(now, after_id):
    """Claim the first due row after ``after_id`` for this sender; None when there is none.

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` hands each sender a different row. SQLite
    (one writer at a time): the UPDATE's ``status = 'pending'`` condition decides; a sender that
    loses a row to another moves on to the next."""
    token = uuid.uuid4().hex
    due = ((Outbox.status == "pending") & (Outbox.next_attempt_at <= now) & (Outbox.id > after_id))
    while True:
        with models.db.atomic():
            query = Outbox.select(Outbox.id).where(due).order_by(Outbox.id).limit(1)
            if isinstance(models.db.obj, models.PostgresqlDatabase):
                query = query.for_update(skip_locked=True)
            candidate = query.first()
            if candidate is None:
                return None
            won = (Outbox.update(status="sending", claim_token=token, claimed_at=utcnow())
                   .where((Outbox.id == candidate.id) & (Outbox.status == "pending"))
                   .execute()) == 1
        if won:
            return Outbox.get_by_id(candidate.id)
        due &= Outbox.id > candidate.id


def deliver_pending(app, now=None, limit=200):
    """Send up to ``limit`` due emails (due at ``now``, default: now). Returns (sent, still
    waiting). Safe to run in several processes and threads at once."""
    config = app.config
    sender = config.get("MAIL_FROM") or config["COUNCIL"].get("mail_from") or "portal@localhost"
    now = now or utcnow()
    _release_stale_claims(utcnow())
    sent, after_id = 0, 0
    for _ in range(limit):
        row = _claim_next(now, after_id)
        if row is None:
            break
        after_id = row.id
        sent += _deliver_one(config, sender, row)
    waiting = Outbox.select().where(Outbox.status != "sent").count()
    return sent, waiting


def _settle(row, **fields):
    """Record a send's outcome, only while the claim is still this sender's."""
    with models.db.atomic():
        done = (Outbox.update(claim_token=None, claimed_at=None, **fields)
                .where((Outbox.id == row.id) & (Outbox.claim_token == row.claim_token))
                .execute())
    if not done:
        log.error("Email %s: its claim was released while it was being sent", row.id)


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
        _settle(row, status="pending", attempts=attempts, last_error=str(exc)[:500],
                next_attempt_at=utcnow() + dt.timedelta(minutes=minutes))
        log.warning("Email %s not sent (attempt %s): %s", row.id, attempts, exc)
        return 0
    purge = {"text_body": PURGED, "html_body": ""} if row.secret else {}
    _settle(row, status="sent", attempts=row.attempts + 1, sent_at=utcnow(), last_error="",
            **purge)
    return 1
