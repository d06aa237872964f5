"""Plain helpers for the unit and HTTP tests (no fixtures: those live in the conftest.py files).

The shared password of test accounts, and what tests read back from the outbox and from pages.
"""
import contextlib
import re

from models import Case, Outbox
from services import mail
from services.cases import events

PASSWORD = "correct-horse-battery-staple-42"


def as_sent(row):
    """The outbox row with the bodies it was sent with: a secret-bearing email's bodies are
    emptied in the database once sent (issue 11, L6), the test mailer kept a copy."""
    if row is not None and row.secret and row.message_id in mail.TEST_DELIVERIES:
        row.text_body, row.html_body = mail.TEST_DELIVERIES[row.message_id]
    return row


def last_email(app, to=None):
    """The newest outbox row (optionally to one address), as it was sent."""
    with app.app_context():
        query = Outbox.select().order_by(Outbox.id.desc())
        if to:
            query = query.where(Outbox.to_addr == to.lower())
        return as_sent(query.first())


def code_from(email_row):
    """The 6-digit verification code in an email's text."""
    return re.search(r"\b(\d{6})\b", as_sent(email_row).text_body).group(1)


def link_from(email_row):
    """The first web address in an email's text."""
    return re.search(r"https?://\S+", as_sent(email_row).text_body).group(0)


def csrf_from(response):
    """The CSRF token of a rendered page (tests run with CSRF on, as in production)."""
    html = response.get_data(as_text=True)
    match = (re.search(r'name="csrf_token" value="([^"]+)"', html)
             or re.search(r'name="csrf-token" content="([^"]+)"', html))
    return match.group(1)


def html(response):
    """A response's body as text."""
    return response.get_data(as_text=True)


@contextlib.contextmanager
def sql_statements(database):
    """Collect every statement ``database`` runs inside the block, as peewee QueryEvents
    (sql, params, duration, exception), through peewee's own query hooks: the same on SQLite
    and PostgreSQL."""
    events = []
    database.query_hooks.append(events.append)
    try:
        yield events
    finally:
        database.query_hooks.remove(events.append)


def explain(database, sql, params=()):
    """The engine's query plan for ``sql`` (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL)."""
    import peewee
    prefix = "EXPLAIN QUERY PLAN " if isinstance(database, peewee.SqliteDatabase) else "EXPLAIN "
    return database.execute_sql(prefix + sql, params).fetchall()


def legacy_case(person, today, **columns):
    """A Case written the way releases before case events did (phase and date columns), then
    upgraded by ``services.cases.events.convert_legacy`` — what ``flask init-db`` runs. Call in
    an app context; returns the fresh Case."""
    case = Case.create(person=person, **columns)
    events.convert_legacy(case, today=today)
    return Case.get_by_id(case.id)
