"""The form runner: start, step through, autosave, Add More, uploads, summary, submit, edit,
delete, view, PDF and the officers' preview.

HTTP only: rules live in services/forms/instances.py (access, versioned saves, rounds) and
services/forms/uploads.py (file checks). Anything a user may not see answers 404 — never 403, never a
hint that it exists.
"""
import re

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import ClientDisconnected
from werkzeug.routing import BuildError

from blueprints.web import (SIGNED_IN, access, awaiting_verification, client_ip, flash_success, is_partial, render, send_pdf,
                            send_stored_file)
from engine import SUMMARY, SUMMARY_STEP, Journey, save_step
from services.casework import notices
from services.forms import instances, kept, uploads
from services.forms.instances import NotEditable, Refused, VersionConflict, WindowClosed
from services.kernel import clock, paging, vocab

bp = Blueprint("forms", __name__)
bp.before_request(awaiting_verification)  # a council's "verified professionals only"

EVERYONE = ("professional", "citizen", "officer")


@bp.before_request
def keep_when_signed_out():
    """A step posted after its session ended: keep the answers for the user the page was made
    for (signed ``kept_for``); the access check then asks them to sign in (401 for htmx)."""
    if request.endpoint != "forms.save" or current_user.is_authenticated:
        return None
    if "add" in request.form or "remove" in request.form or "upload" in request.form:
        return None
    instance_id = request.view_args["instance_id"]
    owner = kept.owner_of(current_app.config["SECRET_KEY"], request.form.get("kept_for", ""),
                          instance_id)
    if owner is not None:
        kept.keep(instance_id=instance_id, user_id=owner, step_key=request.view_args["step_key"],
                  posted=_posted(), version=request.form.get("version", type=int))
    return None


# --- helpers -----------------------------------------------------------------------------------

def _registry():
    return current_app.extensions["forms"]


def _instance(instance_id, *, edit=False):
    instance = instances.instance_for(current_user, instance_id, edit=edit)
    if instance is None:
        if edit and is_partial() and instances.instance_for(current_user, instance_id):
            abort(409)  # htmx: "Not saved — ... can no longer be changed here" (sent meanwhile)
        abort(404)
    return instance, instances.form_of(_registry(), instance)


def _step_of(form, step_key, journey=None):
    try:
        step = form.step(step_key)
    except KeyError:
        abort(404)
    if journey is not None and not journey.step_visible(step_key):
        abort(404)
    return step


def _version():
    return request.form.get("version", type=int)


def _row_index(step=None):
    """The Add More row a Remove button names (0-based), or None for nonsense or a row past the
    step's last (never an overflow further down)."""
    raw = request.form.get("remove", "").strip()
    if not re.fullmatch(r"[0-9]{1,4}", raw):
        return None
    row = int(raw)
    if step is not None and step.repeat and row >= step.repeat.max:
        return None
    return row


def _upload_dir():
    return current_app.config["UPLOAD_DIR"]


def _step_url(instance, step_key, **args):
    if step_key == SUMMARY:
        return url_for("forms.summary", instance_id=instance.id)
    return url_for("forms.step", instance_id=instance.id, step_key=step_key, **args)


def _conflict(instance):
    """409: the page was stale. Nothing was saved; offer a reload."""
    if is_partial():
        return render_template("forms/_autosave.html", conflict=True), 409
    return render_template("forms/conflict.html", instance=instance,
                           reload_url=request.path), 409


def _step_page(instance, form, step, journey, *, errors=None, status=200, upload_errors=None,
               action=None):
    errors = dict(errors or {})
    errors.update(upload_errors or {})
    return render(
        "forms/step.html", "forms/_step.html", status, form=form, step=step, journey=journey,
        instance=instance, person=instance.person, errors=errors,
        values_journey=instances.shown_journey(form, instance, step),
        anchors=instances.error_anchors(step, errors),
        files=instances.files_by_field(instance, step),
        profiles=instances.work_profiles(instance.author) if step.kind == "work_profile" else [],
        action=action or (request.full_path.rstrip("?") if request.method == "POST" else
                          _step_url(instance, step.key, **({"return": "summary"}
                                    if request.args.get("return") == "summary" else {}))),
        upload_mb=current_app.config["MAX_UPLOAD_MB"], preview=False,
        kept_for=kept.token_for(current_app.config["SECRET_KEY"], current_user, instance))


def _person_forms_url(person_id):
    try:
        if current_user.role == "citizen":  # families: their child's page (blueprints/citizen.py)
            return url_for("citizen.child", person_id=person_id)
        return url_for("people.forms", person_id=person_id)
    except BuildError:
        return url_for("home.send_home")


# --- start and continue ------------------------------------------------------------------------

@bp.route("/people/<id:person_id>/forms/<form_key>/start", methods=["POST"])
@access(*EVERYONE)
def start(person_id, form_key):
    """Start: a new draft, only for roles the form's started_by names and linked people."""
    try:
        form = _registry().get(form_key)
    except KeyError:
        abort(404)
    person = instances.person_for(current_user, person_id)
    if person is None or not instances.may_start(current_user, form):
        abort(404)
    try:
        instance = instances.start(current_user, person, form, ip=client_ip())
    except WindowClosed:
        abort(404)
    return redirect(_step_url(instance, form.steps[0].key), 303)


@bp.route("/forms/<id:instance_id>")
@access(*EVERYONE)
def resume(instance_id):
    """Continue: the first step still to do (View Details once it is submitted)."""
    instance, form = _instance(instance_id)
    if not instances.may_edit(current_user, instance):
        return redirect(url_for("forms.view", instance_id=instance.id))
    journey = instances.journey_for(form, instance.answers)
    return redirect(_step_url(instance, journey.first_incomplete()))


# --- steps -------------------------------------------------------------------------------------

@bp.route("/forms/<id:instance_id>/<step_key>")
@access(*EVERYONE)
def step(instance_id, step_key):
    instance, form = _instance(instance_id, edit=True)
    journey = instances.journey_for(form, instance.answers)
    step = _step_of(form, step_key, journey)
    if not journey.can_visit(step_key):
        return redirect(_step_url(instance, journey.first_incomplete()))
    instances.record_view(current_user, instance, ip=client_ip(), step=step_key)
    restored = kept.take(instance, current_user, step_key)
    if restored is not None:  # posted after the session ended: back on the step, saved
        try:
            saved = instances.save(instance, form, step_key, restored.posted,
                                   version=restored.version, user=current_user, partial=True)
            journey = instances.journey_for(form, saved.answers)
            flash("You were signed out before your answers were saved. We kept them: "
                  "check them, then continue.")
        except VersionConflict:
            pass  # the form changed since that page: its answers are no longer the latest
    return _step_page(instance, form, step, journey)


@bp.route("/forms/<id:instance_id>/<step_key>", methods=["POST"])
@access(*EVERYONE)
def save(instance_id, step_key):
    """Every button of a step posts here: autosave, Add More, Remove, upload, Back, Save & Continue."""
    instance, form = _instance(instance_id, edit=True)
    step = _step_of(form, step_key, instances.journey_for(form, instance.answers))
    try:
        if request.form.get("autosave") == "1":
            return _autosave(instance, form, step)
        if "add" in request.form or "remove" in request.form:
            return _rows(instance, form, step)
        if "upload" in request.form:
            return _upload(instance, form, step)
        return _save_and_continue(instance, form, step)
    except VersionConflict:
        return _conflict(instance)


def _posted():
    return request.form.to_dict(flat=False)


def _autosave(instance, form, step):
    saved = instances.save(instance, form, step.key, _posted(), version=_version(),
                             user=current_user, partial=True)
    return render_template("forms/_autosave.html", saved=saved), 200


def _rows(instance, form, step):
    """Add More / Remove: htmx gets the new row (or the whole group); without JS the step reloads."""
    adding = "add" in request.form
    remove = _row_index(step)
    if not step.repeat or (not adding and remove is None):
        abort(404)
    saved = instances.save(instance, form, step.key, _posted(), version=_version(),
                           user=current_user, add_row=adding, remove_row=remove,
                           upload_dir=_upload_dir())
    journey = instances.journey_for(form, saved.answers)
    if is_partial():
        ctx = dict(form=form, step=step, journey=journey, instance=instance, errors={},
                   files=instances.files_by_field(instance, step), saved=saved,
                   action=request.full_path.rstrip("?"), preview=False,
                   upload_mb=current_app.config["MAX_UPLOAD_MB"])
        if adding:
            return render_template("forms/_row_added.html", row=journey.row_count(step.key) - 1, **ctx)
        return render_template("forms/_rows_changed.html", **ctx)
    anchor = f"#row-{step.key}-{journey.row_count(step.key) - 1}" if adding else f"#rows-{step.key}"
    return redirect(request.full_path.rstrip("?") + anchor, 303)


def _store_file(instance, form, step, input_name, file):
    """Keep one chosen file; returns the message for its field when it is refused."""
    config = current_app.config
    try:
        instances.upload(instance, form, step.key, input_name,
                         filename=file.filename if file else "", stream=file.stream if file else None,
                         user=current_user, upload_dir=_upload_dir(),
                         max_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024,
                         max_files_per_field=config.get("UPLOAD_MAX_FILES_PER_FIELD",
                                                        uploads.MAX_FILES_PER_FIELD),
                         max_files_per_form=config.get("UPLOAD_MAX_FILES_PER_FORM",
                                                       uploads.MAX_FILES_PER_FORM),
                         clamd=config.get("CLAMD_SOCKET", ""))
    except uploads.UploadError as error:
        return str(error)
    return None


def _chosen_files(instance, form, step):
    """Save & Continue (and Back) keep every file chosen on the step, as "Upload file" does:
    {input name: message} for the ones refused. Names that are no file field of the step are
    ignored."""
    chosen = [(name, f) for name, f in request.files.items(multi=True) if f and f.filename]
    if chosen:
        instances.check_version(instance, _version())  # a stale page stores nothing
    problems = {}
    for input_name, file in chosen:
        if uploads.CANNOT_SCAN in problems.values():  # one wait for clamd per request, not one a file
            problems[input_name] = uploads.CANNOT_SCAN
            continue
        try:
            problem = _store_file(instance, form, step, input_name, file)
        except KeyError:
            continue
        if problem:
            problems[input_name] = problem
    return problems


def _upload(instance, form, step):
    """The upload button (a submit button: works without JS) saves the step, then keeps the file."""
    input_name = request.form.get("upload", "")
    instances.check_version(instance, _version())
    try:
        message = _store_file(instance, form, step, input_name, request.files.get(input_name))
    except KeyError:
        abort(404)
    problem = {input_name: message} if message else None
    # partial: only what was posted changes, so a post carrying just the file loses nothing.
    saved = instances.save(instance, form, step.key, _posted(), version=_version(),
                             user=current_user, partial=True)
    if problem:
        journey = instances.journey_for(form, saved.answers)
        return _step_page(instance, form, step, journey, status=422, upload_errors=problem)
    flash_success("File uploaded")
    return redirect(request.full_path.rstrip("?") + f"#{input_name}", 303)


def _save_and_continue(instance, form, step):
    removing = "remove_file" in request.form
    remove_file = paging.parse_id(request.form.get("remove_file"))
    back = "back" in request.form
    problems = {} if removing else _chosen_files(instance, form, step)
    saved = instances.save(instance, form, step.key, _posted(), version=_version(),
                           user=current_user, remove_attachment=remove_file,
                           upload_dir=_upload_dir())
    journey = instances.journey_for(form, saved.answers)
    if removing:
        return redirect(request.full_path.rstrip("?") + f"#{step.key}-files", 303)
    if (saved.errors or problems) and not back:
        return _step_page(instance, form, step, journey, errors=saved.errors, status=422,
                          upload_errors=problems)
    to_summary = request.args.get("return") == "summary"
    target = instances.after_save_step(journey, step.key, back=back, to_summary=to_summary)
    if is_partial():  # htmx: the next step's fragment, its URL pushed (DESIGN §3 step swap)
        return _next_fragment(instance, form, journey, target)
    return redirect(_step_url(instance, target), 303)


def _next_fragment(instance, form, journey, target):
    """The step (or Summary) Save & Continue / Back lead to, as the #form-step fragment."""
    instance = instances.instance_for(current_user, instance.id, edit=True)
    url = _step_url(instance, target)
    instances.record_view(current_user, instance, ip=client_ip(), step=target)
    if target == SUMMARY:
        body, status = _summary_page(instance, form)
    else:
        body, status = _step_page(instance, form, form.step(target), journey, action=url)
    return body, status, {"HX-Push-Url": url}


@bp.app_context_processor
def _session_timeout():
    """For the timeout warning on every page (forms/_timeout_warning.html)."""
    def session_timeout():
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        return {"idle": int(idle), "warn": int(min(120, idle / 3)),
                "ends": clock.uk_now() + dt.timedelta(seconds=idle)}
    return {"session_timeout": session_timeout}


@bp.route("/session/stay", methods=["POST"])
@access(SIGNED_IN)
def stay_signed_in():
    """The timeout warning's "Stay signed in": any signed-in request extends the session."""
    return "", 204


# --- summary, declaration, submit --------------------------------------------------------------

def _summary_page(instance, form, *, status=200, errors=None, error_list=None, agreed=()):
    council = current_app.config["COUNCIL"]
    journey = instances.journey_for(form, instance.answers)
    return render(
        "forms/summary.html", "forms/_summary.html", status, instance=instance, form=form,
        person=instance.person, journey=journey, step=journey.step(SUMMARY),
        sections=instances.summary_for(form, instance.answers, instance),
        statements=form.declaration_statements(council.get("declarations")),
        errors=errors or {}, errors_list=error_list, agreed=set(agreed), preview=False)


@bp.route("/forms/<id:instance_id>/summary")
@access(*EVERYONE)
def summary(instance_id):
    """Check your answers, the declarations and Submit."""
    instance, form = _instance(instance_id, edit=True)
    journey = instances.journey_for(form, instance.answers)
    if not journey.can_visit(SUMMARY):
        return redirect(_step_url(instance, journey.first_incomplete()))
    instances.record_view(current_user, instance, ip=client_ip(), step=SUMMARY)
    return _summary_page(instance, form)


@bp.route("/forms/<id:instance_id>/submit", methods=["POST"])
@access(*EVERYONE)
def submit(instance_id):
    instance = instances.instance_for(current_user, instance_id)
    if instance is None or instance.author_id != current_user.id:
        abort(404)
    form = instances.form_of(_registry(), instance)
    try:
        outcome = instances.submit(
            instance, form, user=current_user, version=_version(), posted=request.form,
            council_statements=current_app.config["COUNCIL"].get("declarations"), ip=client_ip())
    except NotEditable:  # a second click on Submit: the first one did the work
        return redirect(url_for("forms.submitted", instance_id=instance.id), 303)
    except VersionConflict:
        return _conflict(instance)
    if isinstance(outcome, Refused):
        problems = [{"text": m, "href": f"#{k}"} for k, m in outcome.declarations.items()]
        problems += [{"text": m, "href": _step_url(instance, k)} for k, m in outcome.missing]
        agreed = [k for k in request.form if k.startswith("agree-")]
        return _summary_page(instance, form, status=422, errors=outcome.declarations,
                             error_list=problems, agreed=agreed)
    notices.request_submitted_notice(instance, outcome)  # tells the team if the case opened
    return redirect(url_for("forms.submitted", instance_id=instance.id), 303)


@bp.route("/forms/<id:instance_id>/submitted")
@access(*EVERYONE)
def submitted(instance_id):
    instance, form = _instance(instance_id)
    if instance.status not in instances.SUBMITTED:
        abort(404)
    return render_template("forms/submitted.html", instance=instance, form=form,
                           person=instance.person)


# --- view, edit, delete ------------------------------------------------------------------------

@bp.route("/forms/<id:instance_id>/view")
@bp.route("/forms/<id:instance_id>/view/<id:round_number>")
@access(*EVERYONE)
def view(instance_id, round_number=None):
    """View Details: read-only answers (the current ones, or one earlier submitted round)."""
    instance, form = _instance(instance_id)
    scope = instances.view_scope(current_user, instance)
    try:  # a share recipient sees the shared round only (H2)
        shown = instances.shown_round(scope, instance, round_number)
    except LookupError:
        abort(404)
    answers, profile_id = instance.answers, instance.work_profile_id
    if shown is not None:
        form = _registry().get(instance.form_key, shown.schema_version)
        answers, profile_id = shown.answers, shown.work_profile_id
    instances.record_view(current_user, instance, ip=client_ip(),
                          round=shown.round if shown else None)
    return render_template(
        "forms/view.html", instance=instance, form=form, person=instance.person,
        rounds=instances.rounds_for(scope, instance) if scope == instances.ALL_ROUNDS else [],
        shown=shown, sections=instances.summary_for(form, answers, instance, profile_id),
        can_amend=instances.can_amend(current_user, instance),
        can_edit=instances.may_edit(current_user, instance), uk_time=clock.uk_time,
        status_label=vocab.FORM_STATUS_LABELS.get(instance.status, instance.status))


@bp.route("/forms/<id:instance_id>/edit", methods=["POST"])
@access(*EVERYONE)
def edit(instance_id):
    """Edit: a submitted form becomes editable again; the submitted round is kept."""
    instance, _form = _instance(instance_id)
    if not instances.can_amend(current_user, instance):
        abort(404)
    try:
        instances.amend(instance, user=current_user, version=_version(), ip=client_ip())
    except VersionConflict:
        return _conflict(instance)
    return redirect(url_for("forms.summary", instance_id=instance.id), 303)


@bp.route("/forms/<id:instance_id>/delete", methods=["GET", "POST"])
@access(*EVERYONE)
def delete(instance_id):
    """Delete a draft (never a submitted form), after a confirmation page."""
    instance, form = _instance(instance_id, edit=True)
    if not instances.can_delete(current_user, instance):
        abort(404)
    if request.method == "GET":
        return render_template("forms/delete.html", instance=instance, form=form,
                               person=instance.person)
    person_id = instance.person_id
    instances.delete(instance, user=current_user, upload_dir=current_app.config["UPLOAD_DIR"],
                       ip=client_ip())
    flash_success(f"{form.title} deleted")
    return redirect(_person_forms_url(person_id), 303)


# --- files and PDF -----------------------------------------------------------------------------

@bp.route("/forms/<id:instance_id>/files/<id:attachment_id>")
@access(*EVERYONE)
def download(instance_id, attachment_id):
    """A file, only through this authorised view: always a download, never rendered inline."""
    instance, _form = _instance(instance_id)
    attachment = next((a for a in instance.attachments if a.id == attachment_id), None)
    if attachment is None or not instances.may_download(
            instances.view_scope(current_user, instance), instance, attachment):
        abort(404)  # a share recipient: only the shared round's files (H2)
    path = uploads.path_of(attachment, _upload_dir())
    if path is None or not path.is_file():
        abort(404)
    instances.record_view(current_user, instance, ip=client_ip(), what="form-file-downloaded",
                            attachment_id=attachment.id)
    return send_stored_file(path, attachment.filename, attachment.content_type)


@bp.route("/forms/<id:instance_id>/pdf")
@access(*EVERYONE)
def pdf(instance_id):
    """PDF of a submitted (or accepted) form."""
    instance, form = _instance(instance_id)
    if instance.status not in instances.SUBMITTED or not form.pdf:
        abort(404)
    from services.forms import pdf as pdf_service  # written beside this runner; imported when used
    answers, profile_id = instance.answers, None
    try:
        shown = instances.shown_round(instances.view_scope(current_user, instance), instance)
    except LookupError:
        abort(404)
    if shown is not None:  # a share recipient: the shared round (H2)
        form = _registry().get(instance.form_key, shown.schema_version)
        answers, profile_id = shown.answers, shown.work_profile_id
    journey = instances.journey_for(form, answers)
    body = pdf_service.render_form_pdf(
        form=form, journey=journey, instance=instance, person=instance.person,
        council=current_app.config["COUNCIL"], submitter=instance.author,
        work_profile_text=instances.work_profile_text(instance, profile_id),
        attachment_names=instances.attachment_descriptions(instance))
    instances.record_view(current_user, instance, ip=client_ip(), what="form-pdf-downloaded")
    name = pdf_service.pdf_filename(form, instance.person,
                                    clock.uk_time(instance.submitted_at).date())
    return send_pdf(body, name)


# --- preview for form authors ------------------------------------------------------------------

@bp.route("/forms/preview/<form_key>", methods=["GET", "POST"])
@bp.route("/forms/preview/<form_key>/<step_key>", methods=["GET", "POST"])
@access("officer")
def preview(form_key, step_key=None):
    """Any form, step by step, with no child and nothing saved; POSTs show the errors only."""
    try:
        form = _registry().get(form_key)
    except KeyError:
        abort(404)
    if step_key is None:
        return redirect(url_for("forms.preview", form_key=form.key, step_key=form.steps[0].key))
    journey = Journey(form, {}, today=clock.uk_today())
    bar_steps = list(form.steps) + [SUMMARY_STEP]  # every step, even those a condition hides
    if step_key == SUMMARY:
        return render_template("forms/preview_summary.html", form=form, journey=journey,
                               bar_steps=bar_steps,
                               statements=form.declaration_statements(
                                   current_app.config["COUNCIL"].get("declarations")))
    step = _step_of(form, step_key)
    answers, errors = {}, {}
    if request.method == "POST":
        answers, errors = save_step(form, {}, step.key, request.form, today=clock.uk_today(),
                                    add_row="add" in request.form,
                                    remove_row=_row_index(step))
    journey = Journey(form, answers, today=clock.uk_today())
    return render_template(
        "forms/preview.html", form=form, step=step, journey=journey, errors=errors,
        bar_steps=bar_steps,
        anchors=instances.error_anchors(step, errors), files={}, profiles=[], preview=True,
        checked=request.method == "POST", instance=None, person=None,
        action=url_for("forms.preview", form_key=form.key, step_key=step.key),
        upload_mb=current_app.config["MAX_UPLOAD_MB"]), 422 if errors else 200


# --- an upload cut off half-way ----------------------------------------------------------------

@bp.errorhandler(ClientDisconnected)
def upload_interrupted(error):
    """The browser stopped sending (connection lost mid-upload): nothing from it was kept."""
    return render_template("forms/upload_interrupted.html"), 400


@bp.errorhandler(CSRFError)
def csrf_or_interrupted(error):
    """A multipart post that arrived cut short parses as an empty form, so it fails the CSRF
    check first; say what really happened instead of "page expired"."""
    if (request.mimetype == "multipart/form-data" and (request.content_length or 0) > 0
            and not request.form and not request.files):
        return upload_interrupted(error)
    return render_template("errors/csrf.html"), 400

