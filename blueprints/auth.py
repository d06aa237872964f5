"""Sign in, two-step verification, sign out, registration, activation, forgotten password.

The rules (passwords, codes, lockout, links) live in services/identity/accounts.py; these views
read the form, apply rate limits, write audit events and choose the page. Nothing here reveals whether an
email address has an account: registration, sign-in and reset answer alike for both.
"""
import re

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, ValidationError

import models
from blueprints.fields import AboutForm, WorkForm, add_error, email_field, max_length, strip
from blueprints.registration import SECURITY, Step, Wizard
from blueprints.web import (PUBLIC, access, client_ip, flash_success, form_errors, rate_limit,
                            safe_next)
from services import audit, limits
from services.identity import accounts, registration

bp = Blueprint("auth", __name__)

VAGUE = "The email address or password is not correct"


# --- Form pieces ---------------------------------------------------------------------------------

def _required(message):
    return DataRequired(message=message)


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[
        _required("Enter your password"), max_length("Password", accounts.PASSWORD_MAX)])
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField("Your Verification Code", filters=[strip], validators=[
        _required("Enter your verification code"), max_length("Verification code", 20)])

    def validate_code(self, field):
        if field.data and not re.fullmatch(r"\d{6}", accounts.clean_code(field.data)):
            raise ValidationError("The verification code must be 6 digits")


class ForgottenForm(FlaskForm):
    email = email_field()
    secret_answer = PasswordField("Secret Answer", validators=[
        _required("Enter your secret answer"), max_length("Secret Answer", 100)])


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password")
    confirm_password = PasswordField("Confirm password")


def _council():
    return current_app.config["COUNCIL"]


# --- Sign in -------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login():
    """Stockton p. 4: email and password; one vague message for every failure."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    form = SignInForm(next=request.args.get("next", ""))
    if request.method == "GET" or not _limited_sign_in(form):
        return render_template("auth/login.html", form=form, errors=form_errors(form)), (
            422 if request.method == "POST" else 200)
    with models.db.atomic():
        user, outcome = accounts.authenticate(form.email.data, form.password.data,
                                              address=client_ip())
        if outcome != "ok":
            audit.record("sign-in-failed", user=user, ip=client_ip(), reason=outcome)
            limits.hit(_email_key(form), 1, 900)  # only failures count towards the email's limit
            if outcome == "locked-now":
                audit.record("lockout", user=user, ip=client_ip())
    if outcome != "ok":
        add_error(form.email, VAGUE)
        return render_template("auth/login.html", form=form, errors={"email": VAGUE}), 422
    return _after_password(user, safe_next(form.next.data))


def _limited_sign_in(form):
    """Validate the form; rate-limit by address and by email (429 past the limit)."""
    rate_limit(f"sign-in:ip:{client_ip()}", 20, 60)
    if not form.validate():
        return False
    # Failures only (counted after the password check). Above the lockout's 10, so the owner is
    # locked (and told) before this limit bites.
    if limits.count(_email_key(form), 900) >= limits.scaled(15):
        abort(429)
    return True


def _email_key(form):
    return f"sign-in:email:{form.email.data.lower()}"


def _after_password(user, next_path):
    session.clear()  # rotate: nothing from before sign-in survives
    if not user.two_step_enabled:
        with models.db.atomic():
            token = accounts.finish_sign_in(user, two_step_passed=False, address=client_ip())
            audit.record("sign-in", user=user, ip=client_ip(), two_step=False)
        return _log_in(user, token, next_path)
    with models.db.atomic():
        attempt = accounts.begin_two_step(user)
        audit.record("sign-in-password-ok", user=user, ip=client_ip())
        if user.two_step_method == "email":
            audit.record("code-sent", user=user, ip=client_ip(), method="email")
    session["attempt"] = attempt.token
    session["next"] = next_path or ""
    return redirect(url_for("auth.verify"), 303)


def _log_in(user, token, next_path):
    session.clear()
    user.session_token = token
    login_user(user)
    return redirect(next_path or url_for("home.index"), 303)


def _attempt_or_none():
    return accounts.live_attempt(session.get("attempt"))


@bp.route("/verify", methods=["GET", "POST"])
@access(PUBLIC)
def verify():
    """Coventry 1.1.8 / Stockton p. 5: the one-time code (email) or authenticator-app code."""
    attempt = _attempt_or_none()
    if attempt is None:
        session.pop("attempt", None)
        flash("Your sign-in has timed out. Sign in again.", "warning")
        return redirect(url_for("auth.login"), 303)
    form = CodeForm()
    if request.method == "GET":
        return _verify_page(form, attempt)
    rate_limit(f"verify:ip:{client_ip()}", 30, 60)
    rate_limit(f"verify:attempt:{attempt.id}", 20, 900)
    if not form.validate():
        return _verify_page(form, attempt, 422)
    with models.db.atomic():
        outcome = accounts.check_sign_in_code(attempt, form.code.data, address=client_ip())
        if outcome == "ok":
            token = accounts.finish_sign_in(attempt.user, two_step_passed=True, attempt=attempt,
                                            address=client_ip())
            audit.record("sign-in", user=attempt.user, ip=client_ip(), two_step=True)
        else:
            audit.record("code-failed", user=attempt.user, ip=client_ip(), reason=outcome)
            if outcome == "locked-now":
                audit.record("lockout", user=attempt.user, ip=client_ip())
    if outcome == "ok":
        return _log_in(attempt.user, token, safe_next(session.get("next")))
    if outcome in ("locked", "locked-now"):
        session.pop("attempt", None)
    add_error(form.code, CODE_MESSAGES[outcome])
    return _verify_page(form, attempt, 422)


CODE_MESSAGES = {
    "wrong": "The verification code is not correct",
    "reused": "That code has already been used. Wait for your app to show a new code",
    "dead": "You have entered the wrong code too many times. Select “Not received it? Send a new code”",
    "expired": "This verification code has expired. Select “Not received it? Send a new code”",
    "locked-now": "Too many failed attempts. Sign-in is locked for 15 minutes. We have emailed you",
    "locked": "Too many failed attempts. Sign-in is locked for 15 minutes",
}


def _verify_page(form, attempt, status=200, errors=None):
    return render_template("auth/verify.html", form=form, method=attempt.user.two_step_method,
                           errors=errors if errors is not None else form_errors(form)), status


@bp.route("/verify/new-code", methods=["POST"])
@access(PUBLIC)
def resend_code():
    """"Not received it? Send a new code": at most one every 30 seconds and 5 per sign-in."""
    attempt = _attempt_or_none()
    if attempt is None or attempt.user.two_step_method != "email":
        return redirect(url_for("auth.login"), 303)
    rate_limit(f"resend:ip:{client_ip()}", 10, 60)
    problem = accounts.resend_problem(attempt)
    if problem:
        return _verify_page(CodeForm(formdata=None), attempt, 429, errors={"code": problem})
    with models.db.atomic():
        accounts.send_sign_in_code(attempt.user, attempt)
        audit.record("code-sent", user=attempt.user, ip=client_ip(), method="email", resend=True)
    flash_success("We have sent you a new verification code.")
    return redirect(url_for("auth.verify"), 303)


@bp.route("/logout", methods=["POST"])
@access(PUBLIC)
def logout():
    """End the server-side session, so a copied cookie stops working too."""
    if current_user.is_authenticated:
        with models.db.atomic():
            accounts.end_session(current_user.session_token)
            audit.record("sign-out", user=current_user._get_current_object(), ip=client_ip())
    logout_user()
    session.clear()
    flash_success("You have signed out")
    return redirect(url_for("auth.login"), 303)


# --- Registration (Coventry 1.1.2-1.1.5) -----------------------------------------------------------

def _register_professional(details, **hashes):
    """The shared WorkForm calls it ``organisation_name`` (as My Account does); the registration
    service reads ``organisation``."""
    return accounts.register_professional({**details, "organisation": details["organisation_name"]},
                                          **hashes)


WIZARD = Wizard(
    steps=(SECURITY, Step("About you", AboutForm),
           Step("Work Details", WorkForm, {"professional_role": "professional_roles"})),
    session_key="registration", endpoint="auth.register", page="auth/register.html",
    fields="auth/_register_fields.html", register=_register_professional,
    email_hint="Use your work email address")


@bp.route("/register", methods=["GET", "POST"])
@access(PUBLIC)
def register():
    """Three steps on one URL; htmx swaps each step in, and it works as whole pages without JS."""
    return WIZARD.view()


@bp.route("/register/check-your-email")
@access(PUBLIC)
def registered():
    """The same page whether the address was new, pending or already registered."""
    return render_template("auth/registered.html")


@bp.route("/activate/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def activate(token):
    """The link in the activation email. A GET only shows a page with a button (a mail gateway
    that fetches links activates nothing); its POST activates, once, while the account is pending
    and is not older than 48 hours."""
    if request.method == "GET":
        user = accounts.pending_for_activation(token)
        if user is None:
            return render_template("auth/link_invalid.html", what="activation"), 400
        return render_template("auth/activate.html", token=token, email=user.email)
    with models.db.atomic():
        user = accounts.activate(token)
        if user is not None:
            audit.record("activate", user=user, ip=client_ip())
    if user is None:
        return render_template("auth/link_invalid.html", what="activation"), 400
    flash_success("Your account is now active. Sign in with your email address and password.")
    return redirect(url_for("auth.login"), 303)


class ResendActivationForm(FlaskForm):
    email = email_field()


@bp.route("/activation/resend", methods=["GET", "POST"])
@access(PUBLIC)
def resend_activation():
    """"Not received your activation email? Send it again": re-sent only to a pending account,
    and always the same answer page whatever the address (no enumeration)."""
    form = ResendActivationForm()
    if request.method == "GET":
        return render_template("auth/resend_activation.html", form=form, errors={})
    rate_limit(f"activation-resend:ip:{client_ip()}", 10, 900)
    if not form.validate():
        return render_template("auth/resend_activation.html", form=form,
                               errors=form_errors(form)), 422
    rate_limit(f"activation-resend:email:{form.email.data.lower()}", 3, 3600)
    with models.db.atomic():
        user = registration.resend_activation(form.email.data)
        if user is not None:
            audit.record("activation-resent", user=user, ip=client_ip())
    return redirect(url_for("auth.activation_resent"), 303)


@bp.route("/activation/resend/sent")
@access(PUBLIC)
def activation_resent():
    return render_template("auth/activation_resent.html")


# --- Forgotten password (Stockton p. 13) -------------------------------------------------------------

@bp.route("/forgotten-password", methods=["GET", "POST"])
@access(PUBLIC)
def forgotten_password():
    """Email + secret answer; always the same "Password Change Requested" page."""
    form = ForgottenForm()
    if request.method == "GET":
        return render_template("auth/forgotten.html", form=form, errors={})
    rate_limit(f"reset:ip:{client_ip()}", 10, 900)
    if not form.validate():
        return render_template("auth/forgotten.html", form=form, errors=form_errors(form)), 422
    rate_limit(f"reset:email:{form.email.data.lower()}", 5, 3600)
    with models.db.atomic():
        user = accounts.request_password_reset(form.email.data, form.secret_answer.data)
        audit.record("reset-requested" if user else "reset-refused", user=user, ip=client_ip())
    return redirect(url_for("auth.reset_requested"), 303)


@bp.route("/forgotten-password/requested")
@access(PUBLIC)
def reset_requested():
    return render_template("auth/reset_requested.html")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset_password(token):
    """The emailed reset link (1 hour) or officer invitation (48 hours): choose a password."""
    user, kind = accounts.user_for_reset(token)
    if user is None:
        return render_template("auth/link_invalid.html", what="password"), 400
    form = NewPasswordForm()
    if request.method == "GET":
        return render_template("auth/reset.html", form=form, kind=kind, errors={})
    problem = accounts.password_problem(form.password.data, email=user.email, council=_council())
    if problem:
        add_error(form.password, problem)
    elif form.password.data != form.confirm_password.data:
        add_error(form.confirm_password, "Passwords do not match")
    if problem or form.confirm_password.errors:
        return render_template("auth/reset.html", form=form, kind=kind,
                               errors=form_errors(form)), 422
    with models.db.atomic():
        accounts.complete_reset(user, form.password.data, kind)
        audit.record("reset-completed", user=user, ip=client_ip(), kind=kind)
    logout_user()
    session.clear()
    flash_success("Your password has been set. Sign in with your new password." if kind == "invite"
                  else "Your password has been changed. Sign in with your new password.")
    return redirect(url_for("auth.login"), 303)
