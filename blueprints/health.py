"""/healthz and /readyz for load balancers and orchestrators (plain text, no session, no page).

- ``/healthz``: the process is up and serving (200 "ok"); it never touches the database, so a
  database outage does not get every instance killed and restarted.
- ``/readyz``: the database answers ``SELECT 1`` and the oldest email still waiting in the outbox
  is younger than 15 minutes (200 "ready"), else 503 with the reason in plain text: take this
  instance out of rotation (or look at mail delivery) until it is ready again.
"""
from flask import Blueprint

from blueprints.web import PUBLIC, access
from services import health

bp = Blueprint("health", __name__)

_PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/healthz")
@access(PUBLIC)
def healthz():
    return "ok\n", 200, _PLAIN


@bp.route("/readyz")
@access(PUBLIC)
def readyz():
    problem = health.readiness_problem()
    if not problem:
        return "ready\n", 200, _PLAIN
    return f"{problem}\n", 503, _PLAIN
