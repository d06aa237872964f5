"""Home (the tiles), SEND Home, and the footer pages."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from blueprints.web import PUBLIC, SIGNED_IN, access
from services.cases import caseload, dashboard
from services.kernel import clock

bp = Blueprint("home", __name__)


@bp.route("/")
@access(PUBLIC)
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == "officer" and current_user.two_step_passed:
        today = clock.uk_today()  # the SEN team's own home: the work waiting for them
        return render_template("home/officer.html", today=today,
                               work=dashboard.officer_home(current_user, today),
                               days_text=caseload.days_text, uk_time=clock.uk_time)
    return render_template("home/index.html")


@bp.route("/send")
@access(SIGNED_IN)
def send_home():
    """The SEND area; until two-step verification is on it offers to enable it."""
    if not current_user.two_step_passed:
        return render_template("home/enable_two_step.html")
    if current_user.role == "citizen":
        return redirect(url_for("citizen.home"))  # families: My children
    if current_user.role == "officer":
        return redirect(url_for("team.caseload"))  # the SEN team's landing page
    return redirect(url_for("people.index"))  # professionals (and admins): the SEND area


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
