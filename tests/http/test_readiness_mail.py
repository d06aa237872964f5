"""/readyz also watches the outbox: mail waiting 15 minutes or more means delivery has stopped."""
import datetime as dt

from models import Outbox, utcnow
from services import health


def _waiting_mail(minutes_old, status="pending"):
    at = utcnow() - dt.timedelta(minutes=minutes_old)
    return Outbox.create(message_id=f"<zz-{minutes_old}-{status}@example.org>",
                         to_addr="zz.mail@example.org", subject="Zz", text_body="Zz",
                         status=status, created_at=at, next_attempt_at=at)


def test_ready_with_recent_pending_mail(app, client):
    with app.app_context():
        _waiting_mail(14)
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ready\n"


def test_not_ready_when_the_oldest_pending_mail_is_15_minutes_old(app, client):
    with app.app_context():
        _waiting_mail(3)
        _waiting_mail(40)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == (
        "mail not delivered: oldest pending email waiting 40 minutes\n")
    assert client.get("/healthz").status_code == 200  # the process itself is fine


def test_a_send_stuck_in_sending_counts_but_sent_mail_does_not(app, client):
    with app.app_context():
        _waiting_mail(90, status="sent")
        assert client.get("/readyz").status_code == 200
        _waiting_mail(20, status="sending")
    assert client.get("/readyz").status_code == 503


def test_ready_again_once_the_mail_has_gone(app, client):
    with app.app_context():
        row = _waiting_mail(30)
        assert health.readiness_problem().startswith("mail not delivered")
        Outbox.update(status="sent").where(Outbox.id == row.id).execute()
        assert health.readiness_problem() == ""
    assert client.get("/readyz").status_code == 200


def test_the_limit_is_measured_from_when_the_mail_was_written(app):
    with app.app_context():
        row = _waiting_mail(0)
        later = row.created_at + health.MAIL_LAG_LIMIT
        assert health.mail_problem(now=later - dt.timedelta(seconds=1)) == ""
        assert "waiting 15 minutes" in health.mail_problem(now=later)
