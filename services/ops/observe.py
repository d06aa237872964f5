"""One JSON log line per request, and the Prometheus metrics behind /metrics.

The log line holds the request id (also sent back as ``X-Request-Id``), the user's id, the route
*pattern* (``/forms/<int:submission_id>``, never the path: paths can carry reset tokens), method,
status and duration. Nothing else: no names, emails, query strings, codes or tokens.

Counters and histograms live in this process (``REGISTRY``); the outbox and lockout figures are
read from the database when /metrics is scraped, so they are right whichever worker answers.
Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` (deploy/systemd: a fresh
runtime folder; deploy/gunicorn.conf.py empties it at start): prometheus_client then keeps every
worker's counters in files there and /metrics adds them all up (``scrape_registry``).
"""
import json
import logging
import os
import re
import time
import uuid

from flask import g, request
from flask_login import current_user
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

import models
from models import Outbox, SignInLock, User, utcnow

log = logging.getLogger("portal.request")
REGISTRY = CollectorRegistry()
LATENCY = Histogram("portal_request_duration_seconds", "Time to answer a request, by route.",
                    ["route", "method"], registry=REGISTRY,
                    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
ERRORS = Counter("portal_http_5xx", "Responses with a 5xx status, by route.", ["route"],
                 registry=REGISTRY)
SIGN_IN_FAILURES = Counter("portal_sign_in_failures", "Wrong passwords or codes at sign-in.",
                           registry=REGISTRY)
LOCKOUTS = Counter("portal_sign_in_lockouts", "Sign-in failures that locked an account/address.",
                   registry=REGISTRY)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class JsonFormatter(logging.Formatter):
    """Every record as one JSON object; a request line adds its ``fields``."""

    def format(self, record):
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def sign_in_failed(locked: bool) -> None:
    SIGN_IN_FAILURES.inc()
    if locked:
        LOCKOUTS.inc()


class _DatabaseFigures:
    """Outbox depth, oldest pending age, failed sends and locks in force, read at scrape time."""

    def collect(self):
        now = utcnow()
        pending = Outbox.select().where(Outbox.status == "pending")
        oldest = pending.select(Outbox.created_at).order_by(Outbox.created_at).limit(1).scalar()
        failed = Outbox.select().where(Outbox.status == "failed").count()
        retrying = pending.where(Outbox.attempts > 0).count()
        locked = (SignInLock.select().where(SignInLock.locked_until > now).count()
                  + User.select().where(User.locked_until > now).count())
        for name, text, value in (
                ("portal_outbox_pending", "Emails waiting to be sent.", pending.count()),
                ("portal_outbox_oldest_pending_seconds", "Age of the oldest waiting email.",
                 (now - oldest).total_seconds() if oldest else 0),
                ("portal_outbox_failed", "Emails given up on after every retry.", failed),
                ("portal_outbox_retrying", "Waiting emails whose last send failed.", retrying),
                ("portal_sign_in_locked", "Accounts or account/address pairs locked now.", locked)):
            yield GaugeMetricFamily(name, text, value=value)


REGISTRY.register(_DatabaseFigures())


def scrape_registry():
    """This process's registry; with PROMETHEUS_MULTIPROC_DIR, every worker's figures summed from
    the files there (plus the database figures, read once)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    registry.register(_DatabaseFigures())
    return registry


def exposition() -> bytes:
    models.db.connect(reuse_if_open=True)
    return generate_latest(scrape_registry())


def init_app(app) -> None:
    if not app.testing and not any(isinstance(h.formatter, JsonFormatter)
                                   for h in logging.getLogger().handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.INFO)

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def _finish(response):
        started = getattr(g, "started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule else "unmatched"
        response.headers["X-Request-Id"] = g.request_id
        LATENCY.labels(route, request.method).observe(seconds)
        if response.status_code >= 500:
            ERRORS.labels(route).inc()
        # get_id() is the session token: log the account id only.
        user = current_user.id if current_user and current_user.is_authenticated else None
        log.info("request", extra={"fields": {
            "request_id": g.request_id, "user_id": user, "method": request.method,
            "route": route, "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1)}})
        return response
