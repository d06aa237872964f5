"""Issue 15, retention: `flask --app portal purge` removes only what is past its date."""
import datetime as dt

from models import (AuditEvent, OneTimeCode, Outbox, SignInAttempt, SignInLock, UserSession,
                    utcnow)
from services.ops import retention

NOW = dt.datetime(2026, 6, 1, 12, 0)


def _ago(days):
    return NOW - dt.timedelta(days=days)


def _seed(user):
    for age in (91, 89):
        UserSession.create(user=user, created_at=_ago(age), last_seen=_ago(age))
        attempt = SignInAttempt.create(user=user, created_at=_ago(age))
        OneTimeCode.create(user=user, attempt=attempt, code_hash="x", created_at=_ago(age),
                           expires_at=_ago(age))
        SignInLock.create(user=user, address=f"10.0.0.{age}", failures=3, updated_at=_ago(age))
    for age in (8, 6):
        OneTimeCode.create(user=user, purpose="enable", code_hash="x", created_at=_ago(age),
                           expires_at=_ago(age))
        Outbox.create(message_id=f"<{age}@x>", to_addr="zz@example.org", subject="s",
                      text_body=f"body {age}", html_body="<p>b</p>", status="sent",
                      sent_at=_ago(age))
    Outbox.create(message_id="<pending@x>", to_addr="zz@example.org", subject="s",
                  text_body="waiting", created_at=_ago(30))
    for age in (2558, 2556):
        AuditEvent.create(at=_ago(age), action=f"test-{age}")


def _state():
    return {
        "sessions": sorted((NOW - s.last_seen).days for s in UserSession.select()),
        "attempts": sorted((NOW - a.created_at).days for a in SignInAttempt.select()),
        "codes": sorted((NOW - c.created_at).days for c in OneTimeCode.select()),
        "locks": sorted((NOW - lock.updated_at).days for lock in SignInLock.select()),
        "bodies": sorted(o.text_body for o in Outbox.select()),
        "audit": sorted(e.action for e in AuditEvent.select() if e.action.startswith("test-")),
    }


def test_purge_removes_only_what_is_past_its_date(app, make_user):
    user = make_user("zz.purge@example.org")
    with app.app_context():
        _seed(user)
        before = _state()
        dry = retention.purge(app.config["COUNCIL"], now=NOW, dry_run=True)
        assert _state() == before
        done = retention.purge(app.config["COUNCIL"], now=NOW)
        assert [(w, n) for w, n, _ in dry] == [(w, n) for w, n, _ in done]
        after = _state()
    assert after["sessions"] == [89] and after["attempts"] == [89]
    assert after["codes"] == [6] and after["locks"] == [89]
    assert after["bodies"] == ["", "body 6", "waiting"]
    assert after["audit"] == ["test-2556"]
    counts = {what: count for what, count, _ in done}
    assert counts["sessions"] == 1 and counts["audit events"] == 1
    assert counts["bodies of sent emails"] == 1


def test_council_file_sets_the_limits():
    table = retention.limits({"retention": {"sessions_days": 30, "audit_events_days": "x"}})
    assert table["sessions_days"] == 30
    assert table["audit_events_days"] == retention.DEFAULTS["audit_events_days"]


def test_purge_command_prints_what_it_removed(app, make_user):
    user = make_user("zz.purgecli@example.org")
    with app.app_context():
        UserSession.create(user=user, last_seen=utcnow() - dt.timedelta(days=100))
    out = app.test_cli_runner().invoke(args=["purge", "--dry-run"]).output
    assert "Would remove 1 sessions (kept 90 days)." in out
    out = app.test_cli_runner().invoke(args=["purge"]).output
    assert "Removed 1 sessions (kept 90 days)." in out
    with app.app_context():
        assert UserSession.select().where(UserSession.user == user).count() == 0
