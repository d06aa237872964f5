"""The SEN team's casework: request advice, reminders, review (accept / return), sharing,
documents (letters and plans), messages and the advice pack for the panel.

Officers only: every route is ``@access("officer")``, so professionals and citizens get 404.
Rules live in services/casework/ (advice.py, pack.py, sharing.py, documents.py) and
services/forms/review.py; each action is one transaction there, and every refusal comes back here
as {field id: message} to show with the GOV.UK error summary (422), keeping what was typed.
"""
import datetime as dt

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

import models
from blueprints.web import access, client_ip, flash_success, render, send_pdf, send_stored_file
from models import FormInstance, Message, Person
from services import audit
from services.casework import advice, documents, messages, notices, pack, sharing
from services.forms import instances, pdf
# The view ``review`` shares this module's name.
from services.forms import review as review_service
from services.kernel import clock, paging, vocab

bp = Blueprint("casework", __name__, url_prefix="/team")

OFFICER = "officer"
MAX_SUBJECT = 300
MAX_BODY = 10000


# --- helpers -----------------------------------------------------------------------------------

def _me():
    return current_user._get_current_object()


def _registry():
    return current_app.extensions["forms"]


def _person(person_id):
    return Person.get_or_none(Person.id == person_id) or abort(404)


def case_url(person_id, anchor=""):
    """The child's case page (team blueprint), where the casework sections are shown."""
    return url_for("team.case", person_id=person_id) + anchor


def _back(person_id, message, anchor=""):
    flash_success(message)
    return redirect(case_url(person_id, anchor), 303)


# --- request advice ----------------------------------------------------------------------------

@bp.route("/people/<id:person_id>/advice/new", methods=["GET", "POST"])
@access(OFFICER)
def request_advice(person_id):
    """Ask a linked (or newly linked, by email) party for a form by a due date."""
    person = _person(person_id)
    values, errors, status = request.form, {}, 200
    if request.method == "POST":
        due, problem = advice.due_date_from(values.get("due_date-day"),
                                            values.get("due_date-month"),
                                            values.get("due_date-year"))
        try:
            made = advice.request_advice(
                person, officer=_me(), registry=_registry(), form_key=values.get("form_key", ""),
                recipient_id=values.get("recipient", ""), email=values.get("email", ""),
                due_date=due, due_problem=problem, today=clock.uk_today(), ip=client_ip())
        except advice.AdviceProblem as refused:
            errors, status = refused.errors, 422
        else:
            return _back(person.id, f"Advice requested from {made.recipient.display_name}, "
                                    f"due {advice.show_date(made.due_date)}", "#advice")
    return render("casework/request_advice.html", status=status, person=person, values=values,
                  errors=errors, parties=advice.parties(person),
                  forms=advice.requestable_forms(_registry()),
                  default_days=advice.DEFAULT_DUE_DAYS,
                  example_due=clock.uk_today() + dt.timedelta(days=advice.DEFAULT_DUE_DAYS),
                  back=case_url(person.id))


@bp.route("/advice/<id:advice_id>/remind", methods=["POST"])
@access(OFFICER)
def remind(advice_id):
    """Send a reminder by hand (always allowed while the advice is awaited; recorded)."""
    item = models.AdviceRequest.get_or_none(models.AdviceRequest.id == advice_id) or abort(404)
    if advice.send_reminder_now(item, officer=_me(), today=clock.uk_today(), ip=client_ip()):
        return _back(item.person_id, f"Reminder sent to {item.recipient.display_name}", "#advice")
    flash("The advice has already been received, so no reminder was sent.", "warning")
    return redirect(case_url(item.person_id, "#advice"), 303)


# --- review ------------------------------------------------------------------------------------

@bp.route("/review")
@access(OFFICER)
def review():
    """Submitted forms awaiting review, oldest first."""
    page = review_service.review_queue(paging.page_number(request.args.get("page")))
    return render("casework/review.html", listing=page, form_title=messages.form_title,
                  uk_time=clock.uk_time)


def _review_page(instance, *, errors=None, status=200, values=None):
    form = instances.form_of(_registry(), instance)
    return render_template(
        "casework/review_form.html", instance=instance, form=form, person=instance.person,
        sections=instances.summary_for(form, instance.answers, instance),
        history=review_service.history(instance), errors=errors or {}, values=values or {},
        uk_time=clock.uk_time, case_link=case_url(instance.person_id),
        status_label=vocab.FORM_STATUS_LABELS.get(instance.status, instance.status)), status


@bp.route("/review/<id:instance_id>")
@access(OFFICER)
def review_form(instance_id):
    """One submitted form: its answers, its history, and Accept / Return."""
    instance = instances.instance_for(_me(), instance_id) or abort(404)
    if instance.status == "draft":
        abort(404)
    instances.record_view(_me(), instance, ip=client_ip(), what="form-reviewed")
    return _review_page(instance)


@bp.route("/review/<id:instance_id>", methods=["POST"])
@access(OFFICER)
def decide(instance_id):
    """Accept, or Return with a reason; both carry the version the officer saw."""
    instance = instances.instance_for(_me(), instance_id) or abort(404)
    if instance.status == "draft":
        abort(404)
    decision = {"accept": "accepted", "return": "returned"}.get(request.form.get("decision"), "")
    try:
        _review, new = review_service.decide(instance, officer=_me(), decision=decision,
                                             reason=request.form.get("reason", ""),
                                             version=request.form.get("version", type=int),
                                             ip=client_ip())
    except review_service.ReviewProblem as refused:
        fresh = FormInstance.get_by_id(instance.id)
        return _review_page(fresh, errors=refused.errors, status=409 if refused.stale else 422,
                            values=request.form)
    title = messages.form_title(instance.form_key)
    if decision == "accepted":
        flash_success(f"{title} accepted" if new else f"{title} was already accepted")
    else:
        flash_success(f"{title} returned to {instance.author.display_name}" if new
                      else f"{title} was already returned")
    return redirect(url_for("casework.review"), 303)


# --- sharing -----------------------------------------------------------------------------------

def _share_target(person, source):
    instance = document = None
    if source.get("instance"):
        instance = sharing.shareable_instance(person, source.get("instance")) or abort(404)
    elif source.get("document"):
        document = sharing.shareable_document(person, source.get("document")) or abort(404)
    else:
        abort(404)
    return instance, document


@bp.route("/people/<id:person_id>/share", methods=["GET", "POST"])
@access(OFFICER)
def share(person_id):
    """Share an accepted form (?instance=) or a document (?document=) with parties on the case."""
    person = _person(person_id)
    source = request.form if request.method == "POST" else request.args
    instance, document = _share_target(person, source)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            made = sharing.share(person, officer=_me(),
                                 recipient_ids=request.form.getlist("recipients"),
                                 instance=instance, document=document,
                                 round_number=request.form.get("round"), ip=client_ip())
        except sharing.SharingProblem as refused:
            errors, status = refused.errors, 422
        else:
            return _back(person.id, f"Shared with {len(made)} "
                                    f"{'person' if len(made) == 1 else 'people'}",
                         "#forms" if instance is not None else "#documents")
    title = (messages.form_title(instance.form_key) if instance is not None else document.title)
    default = sharing.default_round(instance) if instance is not None else None
    return render("casework/share.html", status=status, person=person, instance=instance,
                  document=document, title=title, errors=errors,
                  candidates=sharing.candidates(person, instance=instance),
                  rounds=sharing.rounds(instance) if instance is not None else [],
                  picked=request.form.get("round") or str(default or ""), accepted=default,
                  uk_time=clock.uk_time,
                  already={u.id for u in sharing.shared_with(instance=instance,
                                                             document=document,
                                                             round_number=default)},
                  chosen=set(request.form.getlist("recipients")), back=case_url(person.id))


# --- documents ---------------------------------------------------------------------------------

@bp.route("/people/<id:person_id>/documents/new", methods=["GET", "POST"])
@access(OFFICER)
def upload_document(person_id):
    """Upload a letter, the Draft EHC Plan (optionally issued to the parents) or the Final Plan."""
    person = _person(person_id)
    values, errors, status = request.form, {}, 200
    if request.method == "POST":
        file = request.files.get("file")
        try:
            document = documents.upload(
                person, officer=_me(), kind=values.get("kind", ""), title=values.get("title", ""),
                filename=file.filename if file else "", stream=file.stream if file else None,
                issue=values.get("issue") == "yes", early_reason=values.get("early_reason", "")[:2000],
                upload_dir=current_app.config["UPLOAD_DIR"],
                max_bytes=current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024,
                today=clock.uk_today(), ip=client_ip(),
                clamd=current_app.config.get("CLAMD_SOCKET", ""))
        except documents.DocumentProblem as refused:
            errors, status = refused.errors, 422
        else:
            if getattr(document, "plan_event", None):  # the family and the requester are told
                notices.event_recorded(document.plan_event, _me(), ip=client_ip())
            issued = " and issued to the parents" if document.issued_on and values.get(
                "issue") == "yes" else ""
            return _back(person.id, f"{document.title} uploaded{issued}", "#documents")
    return render("casework/upload.html", status=status, person=person, values=values,
                  errors=errors, kinds=documents.KINDS, back=case_url(person.id),
                  upload_mb=current_app.config["MAX_UPLOAD_MB"])


@bp.route("/documents/<id:document_id>")
@access(OFFICER)
def document(document_id):
    """Download a case document: always an attachment, audited."""
    item = documents.document_by_id(document_id) or abort(404)
    path = documents.path_of(item, current_app.config["UPLOAD_DIR"])
    if not path.is_file():
        abort(404)
    documents.record_download(_me(), item, ip=client_ip())
    return send_stored_file(path, item.filename, item.content_type)


# --- messages ----------------------------------------------------------------------------------

def _templates():
    return [t for t in current_app.config["COUNCIL"].get("message_templates") or []
            if isinstance(t, dict) and t.get("key")]


def _filled(template, person):
    """A council template's subject and body with {child}, {team} and {officer} filled in."""
    names = {"child": person.full_name, "officer": _me().display_name,
             "team": current_app.config["COUNCIL"].get("team_name", "SEN Team")}

    class Keep(dict):
        def __missing__(self, key):
            return "{" + key + "}"
    fill = lambda text: str(text or "").format_map(Keep(names))  # noqa: E731
    return fill(template.get("subject")), fill(template.get("body"))


def _message_errors(values, person):
    errors = {}
    if advice.party(person, values.get("recipient")) is None:
        errors["recipient"] = ("Select who to send the message to" if not values.get("recipient")
                               else "Select someone who is linked to this child or young person")
    subject, body = values.get("subject", "").strip(), values.get("body", "").strip()
    if not subject:
        errors["subject"] = "Enter a subject"
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = f"Subject must be {MAX_SUBJECT} characters or fewer"
    if not body:
        errors["body"] = "Enter a message"
    elif len(body) > MAX_BODY:
        errors["body"] = f"Message must be {MAX_BODY} characters or fewer"
    return errors


@bp.route("/people/<id:person_id>/messages/new", methods=["GET", "POST"])
@access(OFFICER)
def compose(person_id):
    """Write to a party on the case; "Use template" fills subject and body (htmx swaps them),
    but never over what the officer typed unless they confirm."""
    person = _person(person_id)
    values, errors, status = request.form.to_dict(), {}, 200
    if request.method == "POST" and request.form.get("action") in ("template", "replace", "keep"):
        return _use_template(person, values)
    if request.method == "POST":
        errors = _message_errors(values, person)
        if not errors:
            errors = _send(person, values)
        if not errors:
            recipient = advice.party(person, values["recipient"])
            return _back(person.id, f"Message sent to {recipient.display_name}", "#messages")
        status = 422
    return render("casework/compose.html", status=status,
                  **_compose_context(person, values, errors))


def _use_template(person, values):
    """"Use template" (or its confirmation): fill subject and body from the chosen template when
    they are empty or still exactly what the last template put there; otherwise ask first
    ("Replace what I typed" / "Keep what I typed"), keeping the typed text meanwhile."""
    templates = {t["key"]: t for t in _templates()}
    if values.get("action") == "keep":
        values["template"] = values.get("applied", "")
        return _message_fields(person, values)
    chosen = templates.get(values.get("template"))
    if chosen is None:
        return _message_fields(person, values, {"template": "Select a template"}, 422)
    applied = templates.get(values.get("applied"))
    untouched = [("", ""), _typed(_filled(applied, person)) if applied else ("", "")]
    if values["action"] != "replace" and _typed((values.get("subject"), values.get("body"))) \
            not in untouched:
        return _message_fields(person, values, confirm=chosen)
    values["subject"], values["body"] = _filled(chosen, person)
    values["applied"] = chosen["key"]
    return _message_fields(person, values)


def _typed(pair):
    """Subject and body as compared: browsers send a textarea's line ends as CRLF."""
    return tuple((text or "").replace("\r\n", "\n").strip() for text in pair)


def _message_fields(person, values, errors=None, status=200, confirm=None):
    return render("casework/compose.html", "casework/_message_fields.html", status,
                  confirm=confirm, **_compose_context(person, values, errors or {}))


def _send(person, values):
    """Send the message unless the same one went to the same person a moment ago (two clicks)."""
    recipient = advice.party(person, values["recipient"])
    subject, body = values["subject"].strip(), values["body"].strip()
    with models.db.atomic():
        recent = models.utcnow() - dt.timedelta(seconds=60)
        if Message.select().where((Message.recipient == recipient) & (Message.sender == _me())
                                  & (Message.person == person) & (Message.subject == subject)
                                  & (Message.body == body)
                                  & (Message.created_at >= recent)).exists():
            return {"body": "You have just sent this message to "
                            f"{recipient.display_name}; it was not sent again"}
        messages.send_message(recipient, "general", subject, body, sender=_me(), person=person)
        audit.record("message-sent", user=_me(), ip=client_ip(), object_type="person",
                     object_id=person.id, person_id=person.id, recipient_id=recipient.id)
    return {}


def _compose_context(person, values, errors):
    return dict(person=person, values=values, errors=errors, parties=advice.parties(person),
                templates=_templates(), back=case_url(person.id))


# --- the advice pack ---------------------------------------------------------------------------

@bp.route("/people/<id:person_id>/advice-pack")
@access(OFFICER)
def advice_pack(person_id):
    """One PDF of all accepted advice (index, forms, PDF attachments) for the panel."""
    person = _person(person_id)
    today = clock.uk_today()

    def render_index(entries):
        return pdf.render_html_pdf(render_template(
            "casework/pack_index.html", person=person, entries=entries, today=today,
            council=current_app.config["COUNCIL"]))

    body, entries = pack.advice_pack(
        person, registry=_registry(), council=current_app.config["COUNCIL"],
        upload_dir=current_app.config["UPLOAD_DIR"], today=today, render_index=render_index)
    if body is None:
        flash("There is no accepted advice for this child or young person yet, so there is no "
              "advice pack.", "warning")
        return redirect(case_url(person.id, "#forms"), 303)
    pack.record_pack(_me(), person, entries, ip=client_ip())
    return send_pdf(body, pack.pack_filename(person, today))
