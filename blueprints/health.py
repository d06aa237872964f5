"""/healthz and /readyz for load balancers and orchestrators (plain text, no session, no page).

- ``/healthz``: the process is up and serving (200 "ok"); it never touches the database, so a
  database outage does not get every instance killed and restarted.
- ``/readyz``: the database answers ``SELECT 1`` (200 "ready"), else 503: take this instance out
  of rotation until it answers again.
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
    if health.database_answers():
        return "ready\n", 200, _PLAIN
    return "database unavailable\n", 503, _PLAIN
