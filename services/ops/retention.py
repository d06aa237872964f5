"""What the portal keeps and for how long: ``retention`` in the council file, and the daily purge.

Each rule removes only rows older than its limit (``purge(now, dry_run)``); the council file may
shorten or lengthen any of them (days). Defaults follow issue 15: sessions and sign-in attempts
90 days, one-time codes and the bodies of sent emails 7 days, audit events 7 years (2557 days:
the Limitation Act's six years plus one, a common council schedule). Closed cases: the child's
whole record goes 7 years after closure and not before they are 31 (services/ops/closed_cases.py).
"""
import datetime as dt

import models
from services.ops import closed_cases
from services.forms import uploads
from models import (AuditEvent, OneTimeCode, Outbox, SignInAttempt, SignInLock, Throttle,
                    UserSession, utcnow)

DEFAULTS = {
    "sessions_days": 90,
    "sign_in_attempts_days": 90,
    "one_time_codes_days": 7,
    "sent_email_bodies_days": 7,
    "audit_events_days": 2557,
    "closed_cases_days": 2557,
    "closed_cases_min_age_years": 31,
}


def limits(council: dict) -> dict:
    """The council's retention table over the defaults; a missing or bad value keeps the default."""
    given = (council or {}).get("retention") or {}
    table = dict(DEFAULTS)
    for key, value in given.items():
        if key in DEFAULTS and isinstance(value, int) and value > 0:
            table[key] = value
    return table


def _rules(table, now):
    def before(key):
        return now - dt.timedelta(days=table[key])

    sent_bodies = ((Outbox.status == "sent") & (Outbox.sent_at < before("sent_email_bodies_days"))
                   & ((Outbox.text_body != "") | (Outbox.html_body != "")))
    return [
        ("sessions", "sessions_days", UserSession.delete().where(
            UserSession.last_seen < before("sessions_days"))),
        ("one-time codes", "one_time_codes_days", OneTimeCode.delete().where(
            OneTimeCode.created_at < before("one_time_codes_days"))),
        # Their codes go with them (ON DELETE CASCADE).
        ("sign-in attempts", "sign_in_attempts_days", SignInAttempt.delete().where(
            SignInAttempt.created_at < before("sign_in_attempts_days"))),
        ("sign-in failure counts", "sign_in_attempts_days", SignInLock.delete().where(
            (SignInLock.updated_at < before("sign_in_attempts_days"))
            & (SignInLock.locked_until.is_null() | (SignInLock.locked_until < now)))),
        ("rate-limit counters", "one_time_codes_days", Throttle.delete().where(
            Throttle.window < int((before("one_time_codes_days")
                                   - dt.datetime(1970, 1, 1)).total_seconds()))),
        ("bodies of sent emails", "sent_email_bodies_days",
         Outbox.update(text_body="", html_body="").where(sent_bodies)),
        ("audit events", "audit_events_days", AuditEvent.delete().where(
            AuditEvent.at < before("audit_events_days"))),
    ]


def _count(query):
    model = query.model
    return model.select().where(query._where).count() if query._where is not None else 0


def purge(council: dict, now: dt.datetime | None = None, dry_run: bool = False,
          upload_dir=None):
    """Remove what is past its date; returns [(what, how many, days kept)] in order. Closed
    cases past their date go last, with their files (deleted once the transaction commits)."""
    now = now or utcnow()
    table = limits(council)
    done = []
    with models.db.atomic():
        for what, key, query in _rules(table, now):
            count = _count(query) if dry_run else query.execute()
            done.append((what, count, table[key]))
        cases = closed_cases.due(table, now)
        files = [] if dry_run else closed_cases.remove(cases, upload_dir)
        done.append(("closed cases", len(cases), table["closed_cases_days"]))
    uploads.delete_files(files)
    return done
