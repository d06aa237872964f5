"""Previewing a draft exactly as its users will see it: every step (Add More rows, conditions),
the summary and the PDF, with answers that never touch a child's record.

The preview's answers travel with the page, signed: each step posts them back in a hidden
``answers`` field (itsdangerous, the app's secret key, a salt naming the draft and the officer,
valid for 8 hours) together with the step's inputs. Nothing is written to the database, so a
preview can never become a FormInstance on a real person, needs no clean-up, and two officers
(or two tabs) previewing never meet. Files are not uploaded in a preview (a file question shows
its input; a required one does not block).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from engine import SUMMARY, Journey, save_step
from services.forms import instances
from services.forms import pdf as pdf_service
from services.forms_design import store
from services.kernel import clock

SALT = "form-designer-preview"
MAX_AGE = 8 * 60 * 60  # seconds: a preview left open overnight starts again with no answers
PREVIEW_PERSON_NAME = "Zzpreview Zzchild"


def _serializer(draft, officer):
    # The draft and the officer are in the salt: answers signed for one draft (or one officer)
    # are no answers on another.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"{SALT}:{draft.id}:{officer.id}")


def token(answers: dict, draft, officer) -> str:
    """The answers so far, signed, for the page's hidden field."""
    return _serializer(draft, officer).dumps(answers or {})


def answers_from(text: str, draft, officer) -> dict:
    """The answers a page posted back; {} when missing, tampered with, too old or signed for
    another draft or officer."""
    try:
        value = _serializer(draft, officer).loads(text or "", max_age=MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature
        return {}
    return value if isinstance(value, dict) else {}


def walk(form, answers: dict, step_key: str, request) -> tuple[dict, dict, str]:
    """One preview request: (answers, errors, the step to show).

    GET shows ``step_key``. A POST with ``goto`` jumps to that step (the step bar). Otherwise the
    step's inputs are saved into the answers as the real runner would (``add``/``remove`` an Add
    More row stays on the step); with no errors the journey's next step follows (its
    conditions decide), which may be the summary."""
    if request.method != "POST":
        return answers, {}, step_key
    goto = request.form.get("goto", "")
    if goto:
        known = goto == SUMMARY or goto in form.step_keys
        return answers, {}, goto if known else step_key
    step = form.step(step_key)
    if step.kind == "work_profile":  # a preview has no one's work profiles to choose from
        return answers, {}, Journey(form, answers).next_step(step_key) or SUMMARY
    remove = request.form.get("remove", "")
    answers, errors = save_step(form, answers, step_key, request.form,
                                add_row="add" in request.form,
                                remove_row=int(remove) if re.fullmatch("[0-9]+", remove) else None,
                                today=clock.uk_today())
    errors = {k: v for k, v in errors.items() if _type_of(step, k) != "file"}
    if errors or "add" in request.form or remove:
        return answers, errors, step_key
    return answers, {}, Journey(form, answers, today=clock.uk_today()).next_step(step_key) or SUMMARY


def _type_of(step, input_name: str) -> str:
    try:
        return step.field(input_name.partition("-")[0]).type
    except KeyError:
        return ""


def anchors(step, errors: dict) -> dict:
    """Errors keyed by the input to focus, as the runner's error summary links them."""
    return instances.error_anchors(step, errors)


@dataclass(frozen=True)
class PreviewPerson:
    """Who the preview PDF is "about": an invented Zz name, never a real child."""

    full_name: str = PREVIEW_PERSON_NAME
    initials: str = "ZZ"
    date_of_birth: None = None


def pdf(form, answers: dict, council, officer) -> bytes:
    """The PDF the draft would make from the preview's answers."""
    journey = Journey(form, answers, today=clock.uk_today())
    return pdf_service.render_form_pdf(
        form=form, journey=journey, instance=None, person=PreviewPerson(), council=council,
        submitter=officer, work_profile_text="A work profile (preview)",
        attachment_names=lambda _id: "A file (preview)")


def changes(draft) -> list[str]:
    """What publishing the draft would change since the latest version, in sentences."""
    try:
        latest = store.definition(draft.key)
    except LookupError:
        latest = None
    new = store.form_of(draft)
    if latest is None:
        questions = sum(len(s.fields) for s in new.steps)
        return [f"A new form: {len(new.steps)} step{'s' if len(new.steps) != 1 else ''} and "
                f"{questions} question{'s' if questions != 1 else ''}."]
    return store.diff(store.form_of(latest), new) or ["Nothing has changed since the last version."]
