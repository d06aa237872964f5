"""My Account. (Being written: issue 2.)"""
from flask import Blueprint

from blueprints.common import SIGNED_IN, access

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/")
@access(SIGNED_IN)
def index():
    return "account"


@bp.route("/two-step")
@access(SIGNED_IN)
def two_step():
    return "two-step"
