"""The form designer (/team/designer/): officers holding the "Form designer" permission list the
forms, create or copy one, edit a draft (properties, steps, fields by type, conditions, the
question bank), preview it, publish it (the diff first), retire or restore it, see its versions,
export and import YAML, and grant the permission to other officers.

Everyone else gets 404, officers without the permission too (one decorator, ``designer_only``).
Every action is a plain form POST that redirects (303) to the page it changed; htmx posts the same
forms into ``#designer-main`` and, following the redirect, gets that page's fragment. A refusal is
the same page (or fragment) with 422, the GOV.UK error summary and the message at the control; a
stale version lock is 409 with a sentence. Rules live in services/forms_design/ (store.py: drafts,
versions, the permission; editing.py: the changes to a draft; preview.py: the preview's answers).
"""
import re
from functools import wraps

from flask import (Blueprint, abort, current_app, get_flashed_messages, redirect, request,
                   url_for)
from flask_login import current_user

from blueprints.web import access, client_ip, flash_success, is_partial, render, send_pdf
from engine import SUMMARY, Journey
from engine.schema import ROLES, TABS
from services.forms_design import editing, preview, store
from services.identity import officers as officer_accounts
from services.kernel import clock

bp = Blueprint("designer", __name__, url_prefix="/team/designer")

MAX_YAML = 200_000  # characters of an imported file


def designer_only(view):
    """Officers with the Form designer permission; 404 for everyone else (never a hint)."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if not store.is_designer(current_user._get_current_object()):
            abort(404)
        return view(*args, **kwargs)

    return access("officer")(guarded)


@bp.app_context_processor
def _designer_link():
    """``is_form_designer()`` for the officer's home, which links here only for designers."""
    return {"is_form_designer": lambda: store.is_designer(current_user._get_current_object())}


def _me():
    return current_user._get_current_object()


def _page(template, status=200, **context):
    """The page ``designer/_<template>.html`` in the layout, or for htmx just that fragment (the
    contents of #designer-main), which carries the flashed notices itself."""
    context.setdefault("errors", {})
    context.setdefault("typed", {})
    fragment = f"designer/_{template}.html"
    notices = get_flashed_messages() if is_partial() else []
    body, status = render("designer/page.html", "designer/_partial.html", status,
                          designer_fragment=fragment,
                          designer_template=template, notices=notices,
                          roles=ROLES, tabs=TABS, tab_names=editing.TAB_NAMES,
                          role_names=editing.ROLE_NAMES, **context)
    headers = {"HX-Push-Url": request.full_path.rstrip("?")} if (
        is_partial() and request.method == "GET") else {}
    return body, status, headers


def _done(message, url):
    flash_success(message)
    return redirect(url, 303)


def _sentences(problems):
    """The engine's sentences without their ``file:line:`` prefix."""
    return " ".join(re.sub(r"^[^:\n]*:[0-9]+: ", "", p).rstrip(".") + "." for p in problems)


def _draft(form_key):
    return store.draft_of(form_key) or abort(404)


def _lock():
    return request.form.get("lock", type=int)


def _change(draft, change, page, done, *, control):
    """Apply ``change`` to the draft's dict and save it with the posted lock.

    ``change(data)`` returns the new dict (or (dict, extra)); ``page(errors=..., typed=...,
    status=...)`` renders the refusal; ``done(extra)`` gives (message, url) on success."""
    try:
        result = change(store.data_of(draft))
        data, extra = result if isinstance(result, tuple) else (result, None)
        store.save_draft(draft, data, _lock(), _me())
    except editing.Refused as refused:
        return page(errors=refused.errors, typed=request.form, status=422)
    except store.Refused as refused:
        return page(errors={control: _sentences(refused.problems)}, typed=request.form, status=422)
    except store.Conflict as conflict:
        return _conflict(draft, str(conflict))
    except KeyError:
        abort(404)
    return _done(*done(extra))


def _conflict(draft, sentence):
    return _page("conflict", 409, draft=draft, sentence=sentence,
                 reload=url_for("designer.draft", form_key=draft.key))


# --- the list, new forms, import ------------------------------------------------------------------

@bp.route("/")
@designer_only
def index():
    """Every form by tab: version, status, who changed it when; create, copy or import."""
    return _index()


def _index(errors=None, typed=None, status=200):
    rows = store.catalogue()
    by_tab = {tab: [r for r in rows if r.tab == tab] for tab in TABS}
    return _page("index", status, by_tab=by_tab, rows=rows, errors=errors or {}, typed=typed or {})


@bp.route("/new", methods=["POST"])
@designer_only
def new_form():
    """A new form: blank, or a copy of an existing one (``copy_of``)."""
    form = request.form
    key, title, tab = (form.get(n, "").strip() for n in ("key", "title", "tab"))
    copy_of = form.get("copy_of", "").strip() or None
    errors = {n: m for n, m in (
        ("title", None if title else "Enter the form's title"),
        ("key", None if key else "Enter a key, like zz-speech-update"),
        ("tab", None if tab in TABS else "Choose the tab the form belongs to")) if m}
    if not errors:
        try:
            draft = store.new_form(key, title, tab, _me(), copy_of=copy_of)
        except store.Refused as refused:
            errors = {"key": _sentences(refused.problems)}
        except KeyError:  # copy_of names no form
            errors = {"copy_of": "Choose a form to copy, or a blank form"}
    if errors:
        return _index(errors, form, 422)
    return _done(f"The form “{title}” has been created as a draft.",
                 url_for("designer.draft", form_key=draft.key))


@bp.route("/import", methods=["POST"])
@designer_only
def import_yaml():
    """A form from a YAML file (shared by another council): it becomes a draft."""
    upload = request.files.get("yaml_file")
    text = upload.read(MAX_YAML + 1).decode("utf-8", "replace") if upload and upload.filename else ""
    errors = {}
    if not text.strip():
        errors = {"yaml_file": "Choose a YAML file to import"}
    elif len(text) > MAX_YAML:
        errors = {"yaml_file": "The file is too big to be a form"}
    else:
        try:
            draft = store.import_yaml(text, _me())
        except store.Refused as refused:
            errors = {"yaml_file": _sentences(refused.problems)}
    if errors:
        return _index(errors, status=422)
    return _done(f"“{draft.title}” has been imported as a draft.",
                 url_for("designer.draft", form_key=draft.key))


# --- the permission --------------------------------------------------------------------------

@bp.route("/designers", methods=["GET", "POST"])
@designer_only
def designers():
    """Who holds the permission; grant it to another officer, or take it away."""
    errors = {}
    if request.method == "POST":
        officer = officer_accounts.officer_by_id(request.form.get("officer", ""))
        action = request.form.get("action")
        if officer is None or action not in ("grant", "revoke"):
            errors = {"officer": "Choose an officer"}
        else:
            try:
                change = store.grant_designer if action == "grant" else store.revoke_designer
                change(_me(), officer, ip=client_ip())
            except store.Refused as refused:
                errors = {"officer": _sentences(refused.problems)}
        if not errors:
            done = "can now design forms" if action == "grant" else "can no longer design forms"
            return _done(f"{officer.display_name or officer.email} {done}.",
                         url_for("designer.designers"))
    officers = officer_accounts.officers()
    return _page("designers", 422 if errors else 200, errors=errors,
                 holders=[o for o in officers if store.is_designer(o)],
                 others=[o for o in officers if not store.is_designer(o)])


# --- one form: versions, drafts, retire, export ------------------------------------------------

@bp.route("/<form_key>")
@designer_only
def form_page(form_key):
    """A form's status, its version history (with exports) and what can be done with it."""
    return _form_page(form_key)


def _form_page(form_key, errors=None, status=200):
    versions = store.versions_of(form_key)
    draft = store.draft_of(form_key)
    if not versions and draft is None:
        abort(404)
    row = next((r for r in store.catalogue() if r.key == form_key), None)
    return _page("form", status, form_key=form_key, versions=versions, draft=draft, row=row,
                 errors=errors or {})


@bp.route("/<form_key>/draft/start", methods=["POST"])
@designer_only
def start_draft(form_key):
    """Start a draft of the next version (or carry on with the one there is)."""
    if not store.versions_of(form_key):
        abort(404)
    store.start_draft(form_key, _me())
    return _done("A draft of the next version is open.", url_for("designer.draft", form_key=form_key))


@bp.route("/<form_key>/retire", methods=["POST"])
@bp.route("/<form_key>/restore", methods=["POST"], endpoint="restore")
@designer_only
def retire(form_key):
    """Retire (no new starts; everything started or sent keeps working) or restore a form."""
    if not store.versions_of(form_key):
        abort(404)
    restoring = request.endpoint == "designer.restore"
    try:
        (store.restore if restoring else store.retire)(form_key, _me())
    except store.Refused as refused:  # already retired (or restored): a second click, say
        return _form_page(form_key, {"retire": _sentences(refused.problems)}, 422)
    return _done("The form can be started again." if restoring else
                 "The form is retired: nobody can start it now; forms already started or sent "
                 "keep working.", url_for("designer.form_page", form_key=form_key))


@bp.route("/<form_key>/export")
@designer_only
def export(form_key):
    """A version (``?version=N``, else the latest) as a YAML download."""
    version = request.args.get("version", type=int)
    try:
        text = store.export_yaml(form_key, version)
    except (KeyError, LookupError):
        abort(404)
    response = current_app.response_class(text, mimetype="application/x-yaml")
    name = f"{form_key}.v{version}.yaml" if version else f"{form_key}.yaml"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


# --- the draft editor ------------------------------------------------------------------------

def _editor(draft, errors=None, typed=None, status=200):
    data = store.data_of(draft)
    return _page("draft", status, draft=draft, data=data, errors=errors or {},
                 values={**editing.properties_of(data), **dict(typed or {})},
                 started_by=typed.getlist("started_by") if typed else data.get("started_by") or [],
                 steps=editing.steps(data), new_step=dict(typed or {}))


@bp.route("/<form_key>/draft")
@designer_only
def draft(form_key):
    """The draft: its properties, its steps (move, remove, add), preview and publish."""
    return _editor(_draft(form_key))


@bp.route("/<form_key>/draft/properties", methods=["POST"])
@designer_only
def properties(form_key):
    """Title, tab, intro, who may start it, due days, PDF, declarations."""
    draft = _draft(form_key)
    return _change(draft, lambda d: editing.set_properties(d, request.form),
                   lambda **kw: _editor(draft, **kw),
                   lambda _: ("The form's details have been saved.",
                              url_for("designer.draft", form_key=form_key)), control="title")


@bp.route("/<form_key>/draft/steps", methods=["POST"])
@designer_only
def add_step(form_key):
    """A new step at the end, with its first question."""
    draft = _draft(form_key)
    return _change(draft, lambda d: editing.add_step(d, request.form),
                   lambda **kw: _editor(draft, **kw),
                   lambda key: ("The step has been added.",
                                url_for("designer.step", form_key=form_key, step_key=key)),
                   control="step_title")


@bp.route("/<form_key>/draft/steps/<step_key>/move", methods=["POST"])
@bp.route("/<form_key>/draft/steps/<step_key>/remove", methods=["POST"], endpoint="remove_step")
@designer_only
def move_step(form_key, step_key):
    """Move a step up or down (``direction``), or remove it."""
    draft = _draft(form_key)
    return _move_or_remove(draft, "step", step_key, (step_key,),
                           lambda **kw: _editor(draft, **kw),
                           url_for("designer.draft", form_key=form_key))


def _move_or_remove(draft, what, name, where, page, url):
    """The Move up / Move down / Remove buttons of a step or a question; a refusal is shown at
    the button's row (``move-<name>``, ``remove-<name>``)."""
    removing = request.endpoint.startswith("designer.remove_")
    if removing:
        change = lambda d: getattr(editing, f"remove_{what}")(d, *where)  # noqa: E731
        said = f"The {'question' if what == 'field' else what} has been removed."
    else:
        up = request.form.get("direction") == "up"
        change = lambda d: getattr(editing, f"move_{what}")(d, *where, -1 if up else 1)  # noqa: E731
        said = f"The {'question' if what == 'field' else what} has been moved {'up' if up else 'down'}."
    return _change(draft, change,
                   lambda errors, **kw: page(errors={f"{k}-{name}": v for k, v in errors.items()},
                                             **kw),
                   lambda _: (said, url), control="remove" if removing else "move")


@bp.route("/<form_key>/draft/discard", methods=["POST"])
@designer_only
def discard(form_key):
    """Throw the draft away (published versions are untouched)."""
    store.discard_draft(_draft(form_key), _me())
    return _done("The draft has been discarded.", url_for("designer.index"))


# --- a step and its fields ---------------------------------------------------------------------

def _step_page(draft, step_key, errors=None, typed=None, status=200):
    data = store.data_of(draft)
    try:
        step = editing.step_of(data, step_key)
    except KeyError:
        abort(404)
    return _page("step", status, draft=draft, data=data, step=step, errors=errors or {},
                 values={**editing.step_values(step), **dict(typed or {})},
                 type_names=editing.TYPE_NAMES, field_types=editing.field_types())


@bp.route("/<form_key>/draft/steps/<step_key>", methods=["GET", "POST"])
@designer_only
def step(form_key, step_key):
    """A step's title, intro and Add More settings; its questions (move, remove, add, copy)."""
    draft = _draft(form_key)
    if request.method == "GET":
        return _step_page(draft, step_key)
    return _change(draft, lambda d: editing.set_step(d, step_key, request.form),
                   lambda **kw: _step_page(draft, step_key, **kw),
                   lambda _: ("The step has been saved.",
                              url_for("designer.step", form_key=form_key, step_key=step_key)),
                   control="step_title")


@bp.route("/<form_key>/draft/steps/<step_key>/fields/<name>/move", methods=["POST"])
@bp.route("/<form_key>/draft/steps/<step_key>/fields/<name>/remove", methods=["POST"],
          endpoint="remove_field")
@designer_only
def move_field(form_key, step_key, name):
    """Move a question up or down (``direction``), or remove it."""
    draft = _draft(form_key)
    return _move_or_remove(draft, "field", name, (step_key, name),
                           lambda **kw: _step_page(draft, step_key, **kw),
                           url_for("designer.step", form_key=form_key, step_key=step_key))


def _field_page(draft, step_key, name=None, errors=None, typed=None, status=200):
    data = store.data_of(draft)
    try:
        step = editing.step_of(data, step_key)
        field = editing.field_of(data, step_key, name) if name else {}
    except KeyError:
        abort(404)
    values = editing.field_values(data, field) if field else {}
    values.update(dict(typed or {}))
    type_name = (typed or {}).get("type") or request.args.get("type") or field.get("type")
    if type_name not in dict(editing.field_types()):
        type_name = None
    return _page("field", status, draft=draft, data=data, step=step, field=field, name=name,
                 type_name=type_name, values=values, errors=errors or {},
                 controls=editing.controls_for(type_name) if type_name else [],
                 field_types=editing.field_types(), date_rules=editing.DATE_RULES,
                 widths=sorted(editing.ft.WIDTHS),
                 conditions=editing.condition_choices(data, step_key, name),
                 lists=sorted((data.get("lists") or {}).keys()))


@bp.route("/<form_key>/draft/steps/<step_key>/fields/new", methods=["GET", "POST"],
          defaults={"name": None})
@bp.route("/<form_key>/draft/steps/<step_key>/fields/<name>", methods=["GET", "POST"])
@designer_only
def field(form_key, step_key, name):
    """Add a question (choose its type, then its settings) or change one."""
    draft = _draft(form_key)
    if request.method == "GET":
        return _field_page(draft, step_key, name)
    return _change(draft, lambda d: editing.set_field(d, step_key, request.form, name),
                   lambda **kw: _field_page(draft, step_key, name, **kw),
                   lambda _: ("The question has been saved.",
                              url_for("designer.step", form_key=form_key, step_key=step_key)),
                   control="name")  # what the engine alone refuses: a built-in field's name


@bp.route("/<form_key>/draft/steps/<step_key>/bank", methods=["GET", "POST"])
@designer_only
def bank(form_key, step_key):
    """The question bank: find a question on any form and copy it into this step."""
    draft = _draft(form_key)
    search = (request.values.get("q") or "").strip()[:100]
    items = store.question_bank(search)
    if request.method == "GET":
        return _bank_page(draft, step_key, items, search)
    chosen = editing.bank_item(store.question_bank(), request.form.get("item", ""))
    if chosen is None:
        return _bank_page(draft, step_key, items, search, {"item": "Choose a question to copy"}, 422)
    return _change(draft, lambda d: editing.copy_field(d, step_key, chosen.field),
                   lambda errors, **kw: _bank_page(draft, step_key, items, search,
                                                   {"item": errors.get("copy", "")}, 422),
                   lambda name: ("The question has been copied. Check its settings.",
                                 url_for("designer.field", form_key=form_key, step_key=step_key,
                                         name=name)), control="item")


def _bank_page(draft, step_key, items, search, errors=None, status=200):
    try:
        step = editing.step_of(store.data_of(draft), step_key)
    except KeyError:
        abort(404)
    return _page("bank", status, draft=draft, step=step, items=items[:50], more=len(items) > 50,
                 search=search, errors=errors or {}, item_id=editing.bank_id)


# --- publish -------------------------------------------------------------------------------------

@bp.route("/<form_key>/draft/publish", methods=["GET", "POST"])
@designer_only
def publish(form_key):
    """What changed since the last version; publishing makes the draft the new version."""
    draft = _draft(form_key)
    if request.method == "POST":
        try:
            published, lines = store.publish(draft, _lock(), _me())
        except store.Conflict as conflict:
            return _conflict(draft, str(conflict))
        except store.Refused as refused:
            return _unloadable(draft, refused)
        return _done(f"Version {published.version} of “{published.title}” is published. "
                     "New starts get it; forms already started keep their own version.",
                     url_for("designer.form_page", form_key=form_key))
    try:
        return _page("publish", draft=draft, lines=preview.changes(draft),
                     version=store.publish_version(draft))
    except store.Refused as refused:
        return _unloadable(draft, refused)


def _unloadable(draft, refused):
    """A draft the engine no longer loads (the portal was upgraded under it): the publish page
    with the engine's sentences, 422, instead of a 500."""
    return _page("publish", 422, draft=draft, lines=[], version=store.publish_version(draft),
                 errors={"publish": _sentences(refused.problems)})


# --- preview -------------------------------------------------------------------------------------

@bp.route("/<form_key>/draft/preview", methods=["GET", "POST"], defaults={"step_key": None})
@bp.route("/<form_key>/draft/preview/<step_key>", methods=["GET", "POST"])
@designer_only
def preview_step(form_key, step_key):
    """The draft as its users will see it, step by step, with no child and nothing stored."""
    draft = _draft(form_key)
    try:
        form = store.form_of(draft)
    except store.Refused as refused:
        return _unloadable(draft, refused)
    step_key = step_key or form.steps[0].key
    if step_key != SUMMARY and step_key not in form.step_keys:
        abort(404)
    answers = preview.answers_from(request.form.get("answers", ""), draft, _me())
    answers, errors, shown = preview.walk(form, answers, step_key, request)
    journey = Journey(form, answers, today=clock.uk_today())
    context = {"draft": draft, "form": form, "journey": journey, "token": preview.token(answers, draft, _me())}
    if shown == SUMMARY:
        council = current_app.config["COUNCIL"]
        return _page("preview_summary", **context,
                     statements=form.declaration_statements(council.get("declarations")))
    step = form.step(shown)
    return _page("preview", 422 if errors else 200, **context, step=step, errors=errors,
                 anchors=preview.anchors(step, errors))


@bp.route("/<form_key>/draft/preview.pdf", methods=["POST"])
@designer_only
def preview_pdf(form_key):
    """The PDF the draft would make from the preview's answers (a made-up child's name)."""
    draft = _draft(form_key)
    try:
        form = store.form_of(draft)
    except store.Refused as refused:
        return _unloadable(draft, refused)
    answers = preview.answers_from(request.form.get("answers", ""), draft, _me())
    return send_pdf(preview.pdf(form, answers, current_app.config["COUNCIL"], _me()),
                    f"Preview - {form.title}.pdf")
