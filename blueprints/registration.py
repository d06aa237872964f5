"""The registration wizard shared by professionals (blueprints/auth.py: Security Details, About
you, Work Details) and families (blueprints/citizen.py: Security Details, About you), so the two
journeys can never drift apart; its form pieces are blueprints/fields.py's. Not a blueprint:
blueprints import it.

Every step is on one URL: htmx swaps each step in (templates/registration/_step.html), and without
JS each step is a whole page. What was typed is kept in the session between steps — never a
password or secret answer, nor their hashes: those wait server-side (services/identity/drafts.py)
and the session holds only the draft's random token. The rules (password policy, who may register) live in
services/; the wizard reads the forms, rate-limits, audits and chooses the page.
"""
from dataclasses import dataclass, field

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

import models
from blueprints.fields import (WorkForm, add_error, email_field, find_address, max_length, offered,
                               options, strip)
from blueprints.web import client_ip, form_errors, is_partial, rate_limit, render
from services import audit
from services.identity import accounts, drafts


class SecurityForm(FlaskForm):
    """Step 1. Password and answer have no validators here: a stored hash may stand in for them."""
    email = email_field()
    confirm_email = StringField("Confirm Email Address", filters=[strip], validators=[
        DataRequired(message="Confirm your email address"), max_length("Confirm Email Address", 254)])
    password = PasswordField("Password")
    confirm_password = PasswordField("Confirm Password")
    secret_question = SelectField("Secret Question", validate_choice=False,
                                  validators=[offered("Select a secret question")])
    secret_answer = PasswordField("Secret Answer", validators=[max_length("Secret Answer", 100)])

    def validate_confirm_email(self, field):
        if field.data and (self.email.data or "").lower() != field.data.lower():
            raise ValidationError("Email addresses do not match")


# --- The wizard ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step: its title, its form class and the selects whose choices come from the council
    YAML ({form field: council key})."""
    title: str
    form: type
    choices: dict = field(default_factory=dict)


SECURITY = Step("Security Details", SecurityForm, {"secret_question": "secret_questions"})


@dataclass(frozen=True)
class Wizard:
    """A registration journey. ``steps`` starts with SECURITY (the password and secret answer are
    checked there). ``register(data, password_hash=, answer_hash=)`` -> (user, outcome) is the
    service that registers; ``audit_detail`` is added to the "register" audit event."""
    steps: tuple
    session_key: str
    endpoint: str      # this wizard's view, the form's action
    page: str          # the whole page template (it includes registration/_step.html)
    fields: str        # the template with the fields of the steps after SECURITY
    register: object
    audit_detail: dict = field(default_factory=dict)
    email_hint: str = ""

    def view(self):
        """GET shows the current step; POST keeps what was typed, then goes back, shows the errors
        (422), moves on, or registers after the last step."""
        if current_user.is_authenticated:
            return redirect(url_for("home.index"))
        reg = session.get(self.session_key) or {"step": 0, "data": {}}
        if request.method == "GET":
            return self._page(reg, self._form(reg, formdata=False))
        rate_limit(f"register:ip:{client_ip()}", 60, 600)
        step = reg["step"]
        form = self._form(reg)
        lookup = find_address(form) if isinstance(form, WorkForm) else None
        kept = _kept_fields(form)
        for name in kept:  # keep what was typed, even on "Previous" (cut short for the cookie)
            reg["data"][name] = (form[name].data or "")[:254]
        if lookup is not None and lookup.handled:  # Find Address and its buttons (issue 13)
            session[self.session_key] = reg
            return self._page(reg, form, 422 if form.errors else 200, lookup=lookup)
        if request.form.get("action") == "previous" and step > 0:
            reg["step"] = step - 1
            return self._next_step(reg)
        if not self._step_valid(form, step, reg):
            session[self.session_key] = reg
            return self._page(reg, form, 422)
        reg["data"].update({name: form[name].data or "" for name in kept})
        if step < len(self.steps) - 1:
            reg["step"] = step + 1
            return self._next_step(reg)
        return self._submit(reg)

    def _form(self, reg, formdata=True):
        step = self.steps[reg["step"]]
        form = step.form(data=reg["data"], **({} if formdata else {"formdata": None}))
        council = current_app.config["COUNCIL"]
        for name, key in step.choices.items():
            form[name].choices = options(council[key])
        return form

    def _page(self, reg, form, status=200, lookup=None):
        password_hash, answer_hash = drafts.hashes(reg.get("draft"))
        shown = {**reg, "password_hash": bool(password_hash), "answer_hash": bool(answer_hash)}
        if lookup is None and isinstance(form, WorkForm):
            lookup = find_address(form)  # a GET, or a re-shown step: only whether it is offered
        return render(self.page, "registration/_step.html", status, form=form, step=reg["step"],
                      steps=[s.title for s in self.steps], reg=shown, errors=form_errors(form),
                      action=url_for(self.endpoint), fields=self.fields, email_hint=self.email_hint,
                      lookup=lookup)

    def _step_valid(self, form, step, reg):
        valid = form.validate()
        if step != 0:
            return valid
        password, answer = form.password.data or "", form.secret_answer.data or ""
        password_hash, answer_hash = drafts.hashes(reg.get("draft"))
        if password or not password_hash:
            problem = accounts.password_problem(password, email=form.email.data or "",
                                                council=current_app.config["COUNCIL"])
            if problem:
                add_error(form.password, problem)
            elif password != form.confirm_password.data:
                add_error(form.confirm_password, "Passwords do not match")
            else:
                reg["draft"] = drafts.keep(reg.get("draft"),  # never the password itself
                                           password_hash=accounts.hash_secret(password))
        if not answer.strip() and not answer_hash:
            add_error(form.secret_answer, "Enter your secret answer")
        elif answer.strip() and not form.secret_answer.errors:
            reg["draft"] = drafts.keep(reg.get("draft"), answer_hash=accounts.hash_secret(
                accounts.normalise_answer(answer)))
        return not any(field.errors for field in form)

    def _next_step(self, reg):
        session[self.session_key] = reg
        if is_partial():
            return self._page(reg, self._form(reg, formdata=False))
        return redirect(url_for(self.endpoint), 303)

    def _submit(self, reg):
        rate_limit(f"register-submit:ip:{client_ip()}", 10, 3600)
        password_hash, answer_hash = drafts.hashes(reg.get("draft"))
        if not (password_hash and answer_hash and reg["data"].get("email")):
            reg["step"] = 0
            return self._next_step(reg)
        with models.db.atomic():
            user, outcome = self.register(
                reg["data"], password_hash=password_hash, answer_hash=answer_hash)
            audit.record("register", user=user, ip=client_ip(), outcome=outcome, **self.audit_detail)
            drafts.drop(reg.get("draft"))
        session.pop(self.session_key, None)
        target = url_for("auth.registered")  # the same page for professionals and families
        if is_partial():
            return "", 200, {"HX-Redirect": target}
        return redirect(target, 303)


def _kept_fields(form):
    """The fields kept between steps: all but passwords, the secret answer and the CSRF token."""
    return [f.name for f in form if f.name != "csrf_token" and not isinstance(f, PasswordField)]
