"""My Account (Coventry guide 1.1.7): personal and work details, email, password, secret question,
change of circumstances and Two Step Verification.

Every page is ``SIGNED_IN`` (a user without Two Step Verification must reach it to turn it on).
The rules live in ``services/identity/profile.py``; these views check forms and answer.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Regexp, ValidationError

from blueprints.fields import (AboutForm, WorkForm, email_address, find_address, max_length, nfc,
                               options)
from blueprints.web import (SIGNED_IN, access, client_ip, flash_success, form_errors, rate_limit,
                            render)
from services.identity import accounts, profile
from services.kernel import checks

bp = Blueprint("account", __name__, url_prefix="/account")

CODE_PROBLEMS = {
    "wrong": "The verification code is not correct. Check the code and try again",
    "expired": "The verification code has expired or has already been used. Send a new code",
    "none": "Send a new code first",
}


# --- Forms --------------------------------------------------------------------------------------

class AccountForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect already checks every POST (400 when missing)


class EmailForm(AccountForm):
    new_email = StringField("New email address", filters=[nfc], validators=[
        DataRequired("Enter your new email address"), max_length("Email address", 254),
        email_address])
    confirm_email = StringField("Confirm new email address", filters=[nfc], validators=[
        DataRequired("Confirm your new email address")])
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password")])

    def validate_new_email(self, field):
        if field.errors:
            return  # not an email address: nothing to compare
        if checks.fold_email(field.data) == current_user.email:
            raise ValidationError("Enter a different email address to the one you use now")

    def validate_confirm_email(self, field):
        if checks.fold_email(field.data) != checks.fold_email(self.new_email.data):
            raise ValidationError("The email addresses do not match")


class PasswordForm(AccountForm):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password")])
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password")])
    confirm_password = PasswordField("Confirm new password", validators=[
        DataRequired("Confirm your new password"),
        EqualTo("new_password", message="The passwords do not match")])

    def validate_new_password(self, field):
        problem = accounts.password_problem(field.data, email=current_user.email,
                                            council=current_app.config["COUNCIL"])
        if problem:
            raise ValidationError(problem)
        if field.data == self.current_password.data:
            raise ValidationError("Your new password must be different from your current password")


class SecretQuestionForm(AccountForm):
    secret_question = SelectField("Secret question", validate_choice=False,
                                  validators=[DataRequired("Select a secret question")])
    secret_answer = StringField("Secret answer", filters=[nfc], validators=[
        DataRequired("Enter the answer to your secret question"), max_length("Secret answer", 100)])
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password")])

    def validate_secret_question(self, field):
        if field.data not in current_app.config["COUNCIL"]["secret_questions"]:
            raise ValidationError("Select a secret question")


class CircumstancesForm(AccountForm):
    kind = RadioField("What has changed?", choices=options(profile.CIRCUMSTANCE_KINDS),
                      validate_choice=False, validators=[
                          DataRequired("Select what has changed"),
                          AnyOf(list(profile.CIRCUMSTANCE_KINDS), message="Select what has changed")])
    organisation_name = StringField("New organisation name", filters=[nfc],
                                    validators=[max_length("New organisation name", 200)])
    effective_date_day = StringField("Day", filters=[nfc])
    effective_date_month = StringField("Month", filters=[nfc])
    effective_date_year = StringField("Year", filters=[nfc])
    details = TextAreaField("Details", filters=[nfc], validators=[max_length("Details", 2000)])
    effective_date = None  # the parsed date once the form is valid

    def validate_organisation_name(self, field):
        if self.kind.data == "new-organisation" and not field.data:
            raise ValidationError("Enter the name of your new organisation")

    def validate_effective_date_day(self, field):
        parsed, problem = checks.date_from_parts(field.data, self.effective_date_month.data,
                                                 self.effective_date_year.data,
                                                 missing="Enter the date the change happens")
        if problem:
            raise ValidationError(problem)
        if abs((parsed - profile.utcnow().date()).days) > 366:
            raise ValidationError("The date must be within a year of today")
        self.effective_date = parsed


class TwoStepForm(AccountForm):
    method = SelectField("Preferred method", choices=options(profile.TWO_STEP_METHODS),
                         validate_choice=False, validators=[
                             AnyOf(list(profile.TWO_STEP_METHODS), message="Select a preferred method")])
    # Asked once two-step verification is on: changing the method, or binding another
    # authenticator app, needs the password as email, password and secret question do.
    current_password = PasswordField("Current password")

    def validate_current_password(self, field):
        if current_user.two_step_enabled and not field.data:
            raise ValidationError("Enter your password")


class CodeForm(AccountForm):
    code = StringField("Your Verification Code", filters=[accounts.clean_code], validators=[
        DataRequired("Enter your verification code"),
        Regexp(r"^\d{6}$", message="The verification code must be 6 digits")])


# --- Helpers ------------------------------------------------------------------------------------

def _me():
    return current_user._get_current_object()


def _council():
    return current_app.config["COUNCIL"]


def _page(template, form=None, **context):
    """The page, with 422 when the form has errors (typed values stay; passwords never echo)."""
    errors = form_errors(form) if form is not None else {}
    status = context.pop("status", 422 if errors else 200)
    return render(f"account/{template}.html", status=status, form=form, errors=errors, **context)


def _password_ok(form):
    """Check the current password, counting tries so a borrowed session cannot guess it."""
    user = _me()
    rate_limit(f"account-password-check:{user.id}", 10, 900)
    if accounts.check_password(user, form.current_password.data):
        return True
    form.current_password.errors.append("Your current password is not correct")
    return False


def _professionals_only():
    if current_user.role == "citizen":
        abort(404)


@bp.before_request
def _finish_sign_in_first():
    """A session that has not passed the code of an account with 2SV may not change the account."""
    if (current_user.is_authenticated and current_user.two_step_enabled
            and not current_user.two_step_passed):
        return render_template("account/finish_sign_in.html"), 403
    return None


# --- Personal details ---------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@access(SIGNED_IN)
def index():
    """Personal Details (the first page of My Account)."""
    user = _me()
    form = AboutForm(obj=user if request.method == "GET" else None)
    if request.method == "POST" and form.validate():
        changes = profile.update_personal(user, form.data, ip=client_ip())
        flash_success("Your personal details have been saved." if changes
                      else "Nothing was changed.")
        return redirect(url_for("account.index"), 303)
    return _page("personal", form)


# --- Work details -------------------------------------------------------------------------------

@bp.route("/work")
@access(SIGNED_IN)
def work():
    _professionals_only()
    return _page("work", profiles=profile.active_work_profiles(_me()))


def _work_form(work_profile=None):
    form = WorkForm(obj=work_profile if request.method == "GET" else None)
    if request.method == "GET" and work_profile is not None:
        form.organisation_name.data = work_profile.organisation.name
    form.professional_role.choices = options(_council()["professional_roles"])
    return form


@bp.route("/work/add", methods=["GET", "POST"])
@access(SIGNED_IN)
def work_add():
    _professionals_only()
    form = _work_form()
    lookup = find_address(form)
    if request.method == "POST" and not lookup.handled and form.validate():
        profile.save_work_profile(_me(), form.data, ip=client_ip())
        flash_success("Your new role has been added.")
        return redirect(url_for("account.work"), 303)
    return _page("work_form", form, adding=True, lookup=lookup)


@bp.route("/work/<id:profile_id>", methods=["GET", "POST"])
@access(SIGNED_IN)
def work_edit(profile_id):
    _professionals_only()
    work_profile = profile.work_profile_of(_me(), profile_id) or abort(404)
    form = _work_form(work_profile)
    lookup = find_address(form)
    if request.method == "POST" and not lookup.handled and form.validate():
        profile.save_work_profile(_me(), form.data, work_profile, ip=client_ip())
        flash_success("Your work details have been saved.")
        return redirect(url_for("account.work"), 303)
    return _page("work_form", form, adding=False, work_profile=work_profile, lookup=lookup)


@bp.route("/work/<id:profile_id>/end", methods=["GET", "POST"])
@access(SIGNED_IN)
def work_end(profile_id):
    _professionals_only()
    user = _me()
    work_profile = profile.work_profile_of(user, profile_id) or abort(404)
    only_one = len(profile.active_work_profiles(user)) <= 1
    if request.method == "POST":
        problem = profile.end_work_profile(user, work_profile, ip=client_ip())
        if problem is None:
            flash_success(f"Your role as {work_profile.professional_role} has ended.")
            return redirect(url_for("account.work"), 303)
        return _page("work_end", work_profile=work_profile, only_one=True, problem=problem,
                     status=422)
    return _page("work_end", work_profile=work_profile, only_one=only_one,
                 children=profile.children_through(user, work_profile))


# --- Email address ------------------------------------------------------------------------------

@bp.route("/email", methods=["GET", "POST"])
@access(SIGNED_IN)
def email():
    form = EmailForm()
    if request.method == "POST" and form.validate() and _password_ok(form):
        user = _me()
        rate_limit(f"account-email-change:{user.id}", 5, 3600)
        base = current_app.config["BASE_URL"]
        profile.request_email_change(
            user, form.new_email.data, council=_council(), ip=client_ip(),
            link_for=lambda token: base + url_for("account.email_confirm", token=token))
        return redirect(url_for("account.email_sent"), 303)
    return _page("email", form)


@bp.route("/email/sent")
@access(SIGNED_IN)
def email_sent():
    """"Check your email" — the same whether or not the address belongs to someone else."""
    return _page("email_sent")


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@access(SIGNED_IN)
def email_confirm(token):
    """The emailed link. GET asks for a click (mail scanners that open links change nothing)."""
    user = _me()
    outcome, new_email = profile.read_email_change(user, token)
    if outcome == "ok" and request.method == "POST":
        outcome = profile.confirm_email_change(user, token, council=_council(), ip=client_ip())
        if outcome == "ok":
            flash_success(f"Your email address has been changed to {new_email}.")
            return redirect(url_for("account.index"), 303)
    status = {"ok": 200, "in-use": 409}.get(outcome, 400)
    return _page("email_confirm", outcome=outcome, new_email=new_email, token=token, status=status)


# --- Password and secret question ---------------------------------------------------------------

@bp.route("/password", methods=["GET", "POST"])
@access(SIGNED_IN)
def password():
    form = PasswordForm()
    if request.method == "POST" and form.validate() and _password_ok(form):
        user = _me()
        passed = bool(user.two_step_passed)
        # Every session ends with the old password; this browser carries on in a new one.
        token = profile.change_password(user, form.new_password.data, keep_two_step=passed,
                                        council=_council(), ip=client_ip())
        user.session_token, user.two_step_passed = token, passed
        login_user(user)
        flash_success("Your password has been changed. You have been signed out everywhere else.")
        return redirect(url_for("account.password"), 303)
    return _page("password", form)


@bp.route("/secret-question", methods=["GET", "POST"])
@access(SIGNED_IN)
def secret_question():
    form = SecretQuestionForm()
    form.secret_question.choices = options(_council()["secret_questions"], "Please select")
    if request.method == "GET":
        form.secret_question.data = current_user.secret_question
    if request.method == "POST" and form.validate() and _password_ok(form):
        profile.change_secret_question(_me(), form.secret_question.data, form.secret_answer.data,
                                       ip=client_ip())
        flash_success("Your secret question and answer have been changed.")
        return redirect(url_for("account.secret_question"), 303)
    form.secret_answer.data = "" if request.method == "GET" else form.secret_answer.data
    return _page("secret_question", form)


# --- Change of circumstances --------------------------------------------------------------------

@bp.route("/circumstances", methods=["GET", "POST"])
@access(SIGNED_IN)
def circumstances():
    _professionals_only()
    form = CircumstancesForm()
    if request.method == "POST" and form.validate():
        profile.record_circumstances(
            _me(), kind=form.kind.data, organisation_name=form.organisation_name.data or "",
            effective_date=form.effective_date, details=form.details.data or "",
            council=_council(), ip=client_ip())
        flash_success(f"Your change of circumstances has been sent to the {_council()['team_name']}.")
        return redirect(url_for("account.circumstances"), 303)
    return _page("circumstances", form)


# --- Two Step Verification ----------------------------------------------------------------------

def _limit_code_sends(user):
    rate_limit(f"enable-code-30s:{user.id}", 1, 30)
    rate_limit(f"enable-code-hour:{user.id}", 10, 3600)


@bp.route("/two-step", methods=["GET", "POST"])
@access(SIGNED_IN)
def two_step():
    """Choose a method; it is switched on only once a code proves it works (two_step_verify)."""
    user = _me()
    form = TwoStepForm(data={"method": user.two_step_method or "email"}
                       if request.method == "GET" else None)
    if (request.method == "POST" and form.validate()
            and (not user.two_step_enabled or _password_ok(form))):
        method = form.method.data
        if method == "email" and user.two_step_method == "email":
            flash("Two Step Verification by email is already on.", "info")
            return redirect(url_for("account.two_step"), 303)
        if method == "email":
            _limit_code_sends(user)
            profile.send_enable_code(user, user.session_token, council=_council(), ip=client_ip())
        else:
            profile.start_totp(user, user.session_token)
        return redirect(url_for("account.two_step_verify"), 303)
    return _page("two_step", form, method_text=profile.TWO_STEP_METHODS.get(user.two_step_method))


@bp.route("/two-step/verify", methods=["GET", "POST"])
@access(SIGNED_IN)
def two_step_verify():
    user = _me()
    method, secret = profile.pending_two_step(user.session_token)
    if not method:
        return redirect(url_for("account.two_step"), 303)
    form = CodeForm()
    if request.method == "POST" and form.validate():
        rate_limit(f"enable-verify:{user.id}", 10, 300)
        result = profile.confirm_two_step(user, user.session_token, form.code.data,
                                          council=_council(), ip=client_ip())
        if result == "ok":
            flash_success("Two Step Verification is now on. You can use the portal. Each time you "
                          "sign in you will be asked for a verification code.")
            return redirect(url_for("home.index"), 303)
        form.code.errors.append(CODE_PROBLEMS[result])
    app_setup = {}
    if method == "totp":
        uri = profile.totp_uri(user, secret, _council())
        app_setup = {"qr": profile.qr_data_uri(uri), "key": profile.grouped_key(secret),
                     "issuer": profile.totp_issuer(_council()), "account": user.email}
    return _page("two_step_verify", form, method=method, app_setup=app_setup)
