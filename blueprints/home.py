"""Home (the tiles), SEND Home, and the footer pages."""
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

from blueprints.common import PUBLIC, SIGNED_IN, access

bp = Blueprint("home", __name__)


@bp.route("/")
@access(PUBLIC)
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("home/index.html")


@bp.route("/send")
@access(SIGNED_IN)
def send_home():
    """The SEND area; until two-step verification is on it offers to enable it."""
    if not current_user.two_step_passed:
        return render_template("home/enable_two_step.html")
    if current_user.role == "citizen" and "citizen.home" in current_app.view_functions:
        return redirect(url_for("citizen.home"))  # families: My children (blueprints/citizen.py)
    if current_user.role == "officer" and "team.caseload" in current_app.view_functions:
        return redirect(url_for("team.caseload"))  # the SEN team's landing page
    if "people.index" in current_app.view_functions:  # the SEND area (issue 3 of 6)
        return redirect(url_for("people.index"))
    return render_template("home/send.html")


@bp.route("/accessibility")
@access(PUBLIC)
def accessibility():
    return render_template("home/accessibility.html")


@bp.route("/privacy")
@access(PUBLIC)
def privacy():
    return render_template("home/privacy.html")


@bp.route("/cookies")
@access(PUBLIC)
def cookies():
    return render_template("home/cookies.html")
