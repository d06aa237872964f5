"""/metrics for Prometheus: only from this machine, or with ``PORTAL_METRICS_TOKEN`` as a bearer
token. Anyone else gets the same 404 as an unknown page."""
import hmac
import os

from flask import Blueprint, abort, request
from prometheus_client import CONTENT_TYPE_LATEST

from blueprints.web import PUBLIC, access
from services.ops import observe

bp = Blueprint("metrics", __name__)
_LOCAL = {"127.0.0.1", "::1"}


def _allowed() -> bool:
    token = os.environ.get("PORTAL_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(given.encode(), token.encode())
    return request.remote_addr in _LOCAL


@bp.route("/metrics")
@access(PUBLIC)
def metrics():
    if not _allowed():
        abort(404)
    return observe.exposition(), 200, {"Content-Type": CONTENT_TYPE_LATEST}
