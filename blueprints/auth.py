"""Sign in, two-step verification, registration, password reset. (Being written: issue 2.)"""
from flask import Blueprint, redirect, url_for
from flask_login import logout_user

from blueprints.common import PUBLIC, access

bp = Blueprint("auth", __name__)


@bp.route("/login")
@access(PUBLIC)
def login():
    return "login"


@bp.route("/register")
@access(PUBLIC)
def register():
    return "register"


@bp.route("/logout", methods=["POST"])
@access(PUBLIC)
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
