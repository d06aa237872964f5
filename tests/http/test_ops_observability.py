"""Issue 15, observability: one JSON log line per request and Prometheus /metrics."""
import datetime as dt
import json
import logging
import re

import pytest

from models import Outbox, utcnow
from services.ops import observe
from tests.helpers import csrf_from


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="portal.request")

    def lines():
        formatter = observe.JsonFormatter()
        return [json.loads(formatter.format(r)) for r in caplog.records
                if r.name == "portal.request"]
    return lines


def test_each_request_logs_one_json_line_without_personal_data(
        app, client, make_user, signed_in, request_lines):
    user = make_user("zz.logged@example.org", forename="Zzlogname")
    token = signed_in(client, user)
    response = client.get("/account/?email=zz.logged@example.org", headers={"X-Request-Id": "abc123-test-id"})
    [line] = [l for l in request_lines() if l["route"] == "/account/"]
    assert response.headers["X-Request-Id"] == "abc123-test-id"
    assert line["request_id"] == "abc123-test-id"
    assert line["user_id"] == user.id
    assert line["status"] == response.status_code and line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    text = json.dumps(line)
    assert token not in text and "zz.logged" not in text and "Zzlogname" not in text and "?" not in text


def test_request_id_is_made_when_missing_or_malformed(client, request_lines):
    first = client.get("/login")
    second = client.get("/login", headers={"X-Request-Id": "bad id {}"})
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert all(len(i) == 32 for i in ids) and ids[0] != ids[1]
    assert [l["request_id"] for l in request_lines()] == ids
    assert request_lines()[0]["user_id"] is None


def test_token_paths_are_logged_as_their_route_pattern(client, request_lines):
    client.get("/reset-password/secret-token-value-123")
    assert "secret-token-value-123" not in json.dumps(request_lines())


def _metrics(client, **kw):
    response = client.get("/metrics", **kw)
    return response.status_code, response.get_data(as_text=True)


def test_metrics_names(app, client):
    with app.app_context():
        Outbox.create(message_id="<a@x>", to_addr="zz@example.org", subject="s", text_body="b",
                      created_at=utcnow() - dt.timedelta(minutes=10))
        Outbox.create(message_id="<b@x>", to_addr="zz@example.org", subject="s", text_body="b",
                      status="failed")
    client.get("/login")
    status, body = _metrics(client)
    assert status == 200
    for name in ("portal_request_duration_seconds_bucket", "portal_http_5xx_total",
                 "portal_sign_in_failures_total", "portal_sign_in_lockouts_total",
                 "portal_sign_in_locked", "portal_outbox_retrying"):
        assert name in body, name
    assert 'route="/login"' in body
    assert "portal_outbox_pending 1.0" in body and "portal_outbox_failed 1.0" in body
    oldest = float(re.search(r"^portal_outbox_oldest_pending_seconds (\S+)$", body, re.M)[1])
    assert 590 < oldest < 700


def test_sign_in_failures_are_counted(client, make_user):
    make_user("zz.fail@example.org")
    before = observe.SIGN_IN_FAILURES._value.get()
    page = client.get("/login")
    client.post("/login", data={"email": "zz.fail@example.org", "password": "wrong-password-1",
                                "csrf_token": csrf_from(page)})
    assert observe.SIGN_IN_FAILURES._value.get() == before + 1


def test_5xx_are_counted(app, client):
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("boom")
    boom.access_levels = ("public",)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    before = observe.ERRORS.labels("/boom-for-test")._value.get()
    assert client.get("/boom-for-test").status_code == 500
    assert observe.ERRORS.labels("/boom-for-test")._value.get() == before + 1


def test_metrics_refused_from_elsewhere_and_token_needed_when_set(client, monkeypatch):
    assert _metrics(client, environ_base={"REMOTE_ADDR": "203.0.113.9"})[0] == 404
    monkeypatch.setenv("PORTAL_METRICS_TOKEN", "t0ken-zz")
    assert _metrics(client)[0] == 404
    assert _metrics(client, headers={"Authorization": "Bearer wrong"})[0] == 404
    status, _ = _metrics(client, environ_base={"REMOTE_ADDR": "203.0.113.9"},
                         headers={"Authorization": "Bearer t0ken-zz"})
    assert status == 200
