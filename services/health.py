"""Whether the portal can serve: for load balancers' health and readiness checks."""
import datetime as dt

import peewee

import models
from models import Outbox, utcnow

# Mail older than this still unsent means delivery has stopped (no send-mail cron, SMTP down).
MAIL_LAG_LIMIT = dt.timedelta(minutes=15)


def database_answers() -> bool:
    """True when the database answers ``SELECT 1`` (a dead PostgreSQL connection is replaced
    first, by models.ReconnectPostgresqlDatabase)."""
    try:
        return models.db.execute_sql("SELECT 1").fetchone()[0] == 1
    except (peewee.PeeweeException, OSError):
        return False


def mail_problem(now=None) -> str:
    """A plain sentence when the oldest unsent email is older than MAIL_LAG_LIMIT, else ""."""
    oldest = (Outbox.select(Outbox.created_at).where(Outbox.status.in_(("pending", "sending")))
              .order_by(Outbox.created_at).first())
    if oldest is None:
        return ""
    waited = (now or utcnow()) - oldest.created_at
    if waited < MAIL_LAG_LIMIT:
        return ""
    return f"mail not delivered: oldest pending email waiting {int(waited.total_seconds() // 60)} minutes"


def readiness_problem(now=None) -> str:
    """What stops this instance serving well ("" when nothing): the database, then the outbox."""
    if not database_answers():
        return "database unavailable"
    try:
        return mail_problem(now)
    except (peewee.PeeweeException, OSError):
        return "database unavailable"
