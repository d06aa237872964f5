"""Forms as versioned data (issue 17): drafts, publish, retire, import/export and the Form
designer permission. The designer (blueprints/designer.py) and the ``flask forms`` commands
call only this module.

Every definition is YAML the engine loads; anything it refuses raises Refused with its
sentences and nothing is saved. A draft is version = latest + 1 of its form; saving or
publishing names the draft's ``lock`` and raises Conflict when someone else saved in between.
Publishing, retiring, restoring and importing the catalogue bump FormCatalogueStamp in the same
transaction, so every process's live registry (registry.py) reloads.
"""
import re
from dataclasses import dataclass, field as dc_field

import peewee
import yaml
from flask import current_app

import models
from engine.schema import KEBAB, TABS, SchemaError, _Loader, load_form_text
from models import FormDefinition, FormDesigner, User, utcnow
from services import audit
from services.forms_design import registry as live
from services.forms_design.diff import diff

__all__ = [
    "Refused", "Conflict", "Row", "BankItem", "catalogue", "definition", "draft_of", "start_draft",
    "new_form", "data_of", "save_draft", "form_of", "discard_draft", "publish", "publish_version",
    "retire", "restore",
    "diff", "versions_of", "export_yaml", "import_yaml", "question_bank", "is_designer",
    "grant_designer", "revoke_designer", "import_catalogue", "check_database_forms",
]


class Refused(Exception):
    """The engine or a rule refused; ``problems`` are its sentences. Nothing was saved."""

    def __init__(self, problems):
        problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(problems))
        self.problems = problems


class Conflict(Exception):
    """Someone else saved the draft since it was opened; str() is the sentence for a 409 page."""


@dataclass
class Row:
    """One form in the designer's list."""
    key: str
    title: str
    tab: str
    version: int  # the latest published (or retired) version; 0 for a form never published
    status: str  # published | retired | draft
    draft: FormDefinition | None = None
    changed_by: User | None = None
    changed_at: object = None


@dataclass
class BankItem:
    """A question from a current form, ``field`` as YAML data ready to paste into a step."""
    form_key: str
    form_title: str
    step_title: str
    field: dict = dc_field(default_factory=dict)


def _registry():
    return current_app.extensions["forms"]


def _problem_sentences(exc: SchemaError, filename: str) -> list[str]:
    """The engine's sentences without the ``file:line:`` in front (the designer shows them on
    the control, not at a line of YAML)."""
    prefix = re.compile(rf"^{re.escape(filename)}:\d+: ")
    return [prefix.sub("", p) for p in exc.problems]


def _load(text, key="form"):
    filename = f"draft {key}"
    try:
        return load_form_text(text, filename)
    except SchemaError as exc:
        raise Refused(_problem_sentences(exc, filename)) from None


# --- reading -------------------------------------------------------------------------------

def definition(key, version=None) -> FormDefinition:
    """The published or retired ``key`` at ``version`` (latest when None); KeyError if none.
    A version only in the shipped files comes back unsaved (``id`` None, origin "shipped")."""
    version = _registry().get(key, version).version  # KeyError when unknown
    row = FormDefinition.get_or_none((FormDefinition.key == key)
                                     & (FormDefinition.version == version)
                                     & FormDefinition.status.in_(live.LIVE))
    if row is not None:
        return row
    text = _registry().file_text(key, version)
    if text is None:
        raise KeyError(key)
    form = load_form_text(text, key)
    return FormDefinition(key=key, version=version, status="published", source=text,
                          title=form.title, tab=form.tab, origin="shipped")


def draft_of(key) -> FormDefinition | None:
    return FormDefinition.get_or_none((FormDefinition.key == key)
                                      & (FormDefinition.status == "draft"))


def versions_of(key) -> list[FormDefinition]:
    """Every published or retired version, newest first, with who published it and when."""
    rows = {r.version: r for r in FormDefinition.select().where(
        (FormDefinition.key == key) & FormDefinition.status.in_(live.LIVE))}
    for version in _registry().versions(key) if key in _registry() else ():
        if version not in rows:
            rows[version] = definition(key, version)
    return [rows[v] for v in sorted(rows, reverse=True)]


def catalogue() -> list[Row]:
    """Every form: the live ones and those that only have a draft, by tab then title."""
    registry = _registry()
    drafts = {d.key: d for d in FormDefinition.select().where(FormDefinition.status == "draft")}
    latest = {}
    for row in FormDefinition.select().order_by(FormDefinition.updated_at):
        latest[row.key] = row
    rows = []
    for key, form in registry.current().items():
        status = "published" if registry.startable(key) else "retired"
        rows.append(Row(key, form.title, form.tab, form.version, status, drafts.get(key)))
    for key, draft in drafts.items():
        if key not in registry:
            rows.append(Row(key, draft.title, draft.tab, 0, "draft", draft))
    for row in rows:
        changed = latest.get(row.key)
        if changed is not None:
            row.changed_by = changed.updated_by
            row.changed_at = changed.updated_at
    order = {tab: i for i, tab in enumerate(TABS)}
    return sorted(rows, key=lambda r: (order.get(r.tab, len(order)), r.title.lower(), r.key))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def yaml_data(text) -> dict:
    """YAML text as plain data, read the way the engine reads it (YAML 1.2: ``On`` and ``1:1``
    stay text, ``012`` is 12), so a save never changes what the engine would have seen."""
    loader = _Loader(text)
    try:
        return _plain(loader.get_single_data()) or {}
    finally:
        loader.dispose()


def data_of(draft) -> dict:
    """The draft's YAML as plain data (dicts, lists, strings, numbers)."""
    return yaml_data(draft.source)


def form_of(draft):
    """The engine Form of a draft (or any definition), for preview; Refused if it does not load."""
    return _load(draft.source, draft.key)


def export_yaml(key, version=None) -> str:
    return definition(key, version).source


# --- YAML ----------------------------------------------------------------------------------

FORM_ORDER = ("key", "title", "tab", "version", "started_by", "pdf", "due_days", "description",
              "intro", "declarations", "lists", "steps")
STEP_ORDER = ("key", "title", "intro", "kind", "show_if", "repeat", "fields")
FIELD_ORDER = ("name", "type", "label", "hint", "text", "required", "show_if", "options")


def _ordered(block: dict, order) -> dict:
    first = {k: block[k] for k in order if k in block}
    return {**first, **{k: v for k, v in block.items() if k not in first}}


class _Dumper(yaml.SafeDumper):
    """Text with line breaks as a ``|`` block, the way people write intros in the files."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def dump_yaml(data: dict) -> str:
    """Readable YAML with a stable key order (form, then steps, then fields)."""
    data = _ordered(dict(data), FORM_ORDER)
    if isinstance(data.get("steps"), list):
        steps = []
        for step in data["steps"]:
            if isinstance(step, dict):
                step = _ordered(step, STEP_ORDER)
                if isinstance(step.get("fields"), list):
                    step["fields"] = [_ordered(f, FIELD_ORDER) if isinstance(f, dict) else f
                                      for f in step["fields"]]
            steps.append(step)
        data["steps"] = steps
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)


_VERSION_LINE = re.compile(r"^version:[^\n]*$", re.M)


def _with_version(text, version) -> str:
    """The YAML text with its top-level ``version:`` set (comments and layout kept)."""
    if _VERSION_LINE.search(text):
        return _VERSION_LINE.sub(f"version: {version}", text, count=1)
    return text.rstrip("\n") + f"\nversion: {version}\n"


def _latest_version(key) -> int:
    """The highest version of ``key`` anywhere: files, published, retired or draft."""
    stored = (FormDefinition.select(peewee.fn.MAX(FormDefinition.version))
              .where(FormDefinition.key == key).scalar()) or 0
    files = max(_registry().versions(key), default=0) if key in _registry() else 0
    return max(stored, files)


def _live_versions(key) -> set[int]:
    """Every version of ``key`` the registry knows: the files and the published/retired rows."""
    files = set(_registry().versions(key)) if key in _registry() else set()
    rows = FormDefinition.select(FormDefinition.version).where(
        (FormDefinition.key == key) & FormDefinition.status.in_(live.LIVE))
    return files | {r.version for r in rows}


# --- drafts --------------------------------------------------------------------------------

def start_draft(key, by) -> FormDefinition:
    """The form's draft: the existing one, or a copy of the latest version as version + 1."""
    existing = draft_of(key)
    if existing is not None:
        return existing
    source = definition(key)  # KeyError when there is no such form
    version = _latest_version(key) + 1
    text = _with_version(source.source, version)
    return _create_draft(key, version, text, by, origin="designer", action="form-draft-started")


def _create_draft(key, version, text, by, *, origin, action) -> FormDefinition:
    form = _load(text, key)
    try:
        with models.db.atomic():
            draft = FormDefinition.create(key=key, version=version, status="draft", source=text,
                                          title=form.title, tab=form.tab, origin=origin,
                                          created_by=by, updated_by=by)
            audit.record(action, user=by, object_type="form-definition", object_id=draft.id,
                         form_key=key, version=version)
    except peewee.IntegrityError:  # someone started it at the same moment: theirs is the draft
        existing = draft_of(key)
        if existing is None:
            raise
        return existing
    return draft


BLANK_STEP = {"key": "details", "title": "Details",
              "fields": [{"name": "details", "type": "textarea", "label": "Details"}]}


def new_form(key, title, tab, by, copy_of=None) -> FormDefinition:
    """A new form's first draft (version 1): blank (one step), or a copy of ``copy_of``'s
    latest version under the new key, title and tab. Refused on a bad or taken key."""
    key = (key or "").strip()
    problems = []
    if not KEBAB.fullmatch(key):
        problems.append(f'form key "{key}" must be kebab-case (lower-case letters, digits and '
                        "hyphens, like speech-therapy-update)")
    elif key in _registry() or FormDefinition.select().where(FormDefinition.key == key).exists():
        problems.append(f'form key "{key}" is already used by another form')
    if problems:
        raise Refused(problems)
    if copy_of:
        data = yaml_data(definition(copy_of).source)
    else:
        data = {"started_by": ["professional"], "pdf": True, "steps": [BLANK_STEP]}
    data.update(key=key, title=(title or "").strip(), tab=tab, version=1)
    return _create_draft(key, 1, dump_yaml(data), by, origin="designer", action="form-created")


def _problems_beyond_engine(data) -> list[str]:
    """Rules the engine does not state itself (none at present: it already refuses a duplicate
    field name, a condition on a later or missing field and a select without options)."""
    return []


def save_draft(draft, data: dict, lock: int, by) -> FormDefinition:
    """Save ``data`` as the draft's YAML; Refused (nothing saved) when the engine refuses it,
    Conflict when ``lock`` is not the draft's current one. Returns the saved draft (lock + 1)."""
    data = dict(data)
    data.update(key=draft.key, version=draft.version)
    text = dump_yaml(data)
    form = _load(text, draft.key)
    with models.db.atomic():
        updated = (FormDefinition.update(source=text, title=form.title, tab=form.tab,
                                         lock=FormDefinition.lock + 1, updated_by=by,
                                         updated_at=utcnow())
                   .where((FormDefinition.id == draft.id) & (FormDefinition.lock == _lock_of(draft, lock))
                          & (FormDefinition.status == "draft")).execute())
        if not updated:
            raise Conflict(_conflict_sentence(draft))
    return FormDefinition.get_by_id(draft.id)


def _lock_of(draft, lock) -> int:
    """The posted lock as a number; a missing or garbled one is a Conflict (never a 500)."""
    if lock is None or not re.fullmatch("[0-9]+", str(lock)):
        raise Conflict(_conflict_sentence(draft))
    return int(lock)


def _conflict_sentence(draft) -> str:
    now = FormDefinition.get_or_none(FormDefinition.id == draft.id)
    if now is None or now.status != "draft":
        return (f'The draft of "{draft.title}" was published or discarded by someone else while '
                "you were editing it. Your change was not saved.")
    who = now.updated_by.display_name if now.updated_by else "someone else"
    return (f'{who} changed the draft of "{now.title}" after you opened it. Your change was not '
            "saved: open the draft again to see theirs, then make your change.")


def discard_draft(draft, by) -> None:
    with models.db.atomic():
        FormDefinition.delete().where((FormDefinition.id == draft.id)
                                      & (FormDefinition.status == "draft")).execute()
        audit.record("form-draft-discarded", user=by, object_type="form-definition",
                     object_id=draft.id, form_key=draft.key, version=draft.version)


def publish_version(draft) -> int:
    """The version number publishing ``draft`` gives: its own, or one above every version the
    registry knows when a portal upgrade shipped that number meanwhile."""
    taken = _live_versions(draft.key)
    return max(taken) + 1 if draft.version in taken else draft.version


def publish(draft, lock, by) -> tuple[FormDefinition, list[str]]:
    """Make the draft the form's new current version. Returns it and what changed since the
    version before (diff sentences). Started forms keep their version; new starts get this one.
    A draft whose version was taken meanwhile (a portal upgrade shipped it) is published as one
    above every version the registry knows, so forms started on the shipped one keep it."""
    registry = _registry()
    old = registry.get(draft.key) if draft.key in registry else None
    version, text = publish_version(draft), draft.source
    if version != draft.version:
        text = _with_version(text, version)
    new = _load(text, draft.key)
    with models.db.atomic():
        updated = (FormDefinition.update(status="published", published_by=by,
                                         published_at=utcnow(), updated_by=by, version=version,
                                         source=text, updated_at=utcnow(),
                                         lock=FormDefinition.lock + 1)
                   .where((FormDefinition.id == draft.id) & (FormDefinition.lock == _lock_of(draft, lock))
                          & (FormDefinition.status == "draft")).execute())
        if not updated:
            raise Conflict(_conflict_sentence(draft))
        live.bump_stamp()
        audit.record("form-published", user=by, object_type="form-definition", object_id=draft.id,
                     form_key=draft.key, version=version)
    live.forget_request_cache()
    return FormDefinition.get_by_id(draft.id), diff(old, new)


def _set_live_status(key, by, *, to, action):
    registry = _registry()
    if key not in registry:
        raise Refused(f'There is no form "{key}".')
    if registry.startable(key) == (to == "published"):
        raise Refused(f'"{registry.get(key).title}" is already '
                      f"{'in use' if to == 'published' else 'retired'}.")
    current = definition(key)
    with models.db.atomic():
        if current.id is None:  # only in the files: the database now holds it, retired
            current.status, current.published_at = to, utcnow()
            current.created_by = current.updated_by = by
            current.save()
        else:
            FormDefinition.update(status=to, updated_by=by, updated_at=utcnow()).where(
                FormDefinition.id == current.id).execute()
        live.bump_stamp()
        audit.record(action, user=by, object_type="form-definition", object_id=current.id,
                     form_key=key, version=current.version)
    live.forget_request_cache()


def retire(key, by) -> None:
    """No new starts of ``key``; forms already started or submitted keep working."""
    _set_live_status(key, by, to="retired", action="form-retired")


def restore(key, by) -> None:
    """Undo retire: the form can be started again."""
    _set_live_status(key, by, to="published", action="form-restored")


# --- sharing -------------------------------------------------------------------------------

def import_yaml(text, by) -> FormDefinition:
    """A shared form's YAML becomes a draft (the next version of its key, or version 1)."""
    form = _load(text, "import")
    if draft_of(form.key) is not None:
        raise Refused(f'"{form.title}" ({form.key}) already has a draft: publish or discard it '
                      "before importing another version.")
    version = _latest_version(form.key) + 1
    return _create_draft(form.key, version, _with_version(text, version), by, origin="imported",
                         action="form-imported")


def import_catalogue(directory, by=None) -> tuple[int, list[str]]:
    """Put every shipped form version the database lacks into it (origin "shipped"). A version
    already there with a different text is reported, never overwritten. Returns (added, notes)."""
    added, notes = 0, []
    shipped = live.shipped_sources(directory)
    with models.db.atomic():
        for form, text, shown in shipped:
            row = FormDefinition.get_or_none((FormDefinition.key == form.key)
                                             & (FormDefinition.version == form.version))
            if row is not None and row.status == "draft":  # the upgrade shipped its version
                _move_draft_above(row, max(f.version for f, _, _ in shipped if f.key == form.key))
                row = None
            if row is None:
                FormDefinition.create(key=form.key, version=form.version, status="published",
                                      source=text, title=form.title, tab=form.tab,
                                      origin="shipped", created_by=by, updated_by=by,
                                      published_by=by, published_at=utcnow())
                added += 1
            elif row.source != text:
                notes.append(f"database form {form.key} v{form.version} differs from {shown}; "
                             "the database's was kept")
        if added:
            live.bump_stamp()
            audit.record("form-catalogue-imported", user=by, object_type="form-definition",
                         added=added)
    live.forget_request_cache()
    return added, notes


def _move_draft_above(draft, shipped_top) -> None:
    stored = (FormDefinition.select(peewee.fn.MAX(FormDefinition.version))
              .where(FormDefinition.key == draft.key).scalar()) or 0
    version = max(stored, shipped_top) + 1
    FormDefinition.update(version=version, source=_with_version(draft.source, version)).where(
        FormDefinition.id == draft.id).execute()


def check_database_forms() -> list[str]:
    """Every database form (drafts too) the engine refuses: "database form KEY v N: sentence"."""
    problems = []
    if not FormDefinition.table_exists():  # a database init-db has not brought up to date yet
        return problems
    for row in FormDefinition.select().order_by(FormDefinition.key, FormDefinition.version):
        filename = f"database form {row.key} v {row.version}"
        try:
            load_form_text(row.source, filename)
        except SchemaError as exc:
            problems.extend(f"{filename}: {p}" for p in _problem_sentences(exc, filename))
    return problems


def question_bank(search="") -> list[BankItem]:
    """Every question of every current form, filtered by words of its label, name or form."""
    words = [w for w in (search or "").lower().split() if w]
    items = []
    for key, form in _registry().current().items():
        data = yaml_data(definition(key).source)
        lists = data.get("lists") or {}
        titles = {s.key: s.title for s in form.steps}
        for step in data.get("steps") or []:
            for raw in step.get("fields") or []:
                item = BankItem(key, form.title, titles.get(step.get("key"), ""), _portable(raw, lists))
                text = f"{raw.get('label', '')} {raw.get('name', '')} {form.title}".lower()
                if all(w in text for w in words):
                    items.append(item)
    return items


def _portable(raw: dict, lists: dict) -> dict:
    """A field copyable into any form: a shared list written out, no condition (its field is
    in the other form)."""
    field = {k: v for k, v in raw.items() if k != "show_if"}
    if isinstance(field.get("options"), str) and field["options"] in lists:
        field["options"] = lists[field["options"]]
    return field


# --- the Form designer permission ------------------------------------------------------------

def is_designer(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or user.role != "officer":
        return False
    return FormDesigner.select().where(FormDesigner.user == user.id).exists()


def grant_designer(granter, officer, *, ip="") -> None:
    """``granter`` (who must hold it; None = the console) lets ``officer`` design forms."""
    if granter is not None and not is_designer(granter):
        raise Refused("Only a form designer can grant the Form designer permission.")
    if officer.role != "officer":
        raise Refused(f"{officer.display_name} is not an SEN team officer: only officers can "
                      "design forms.")
    try:
        with models.db.atomic():
            FormDesigner.create(user=officer, granted_by=granter)
            audit.record("form-designer-granted", user=granter, ip=ip, object_type="user",
                         object_id=officer.id)
    except peewee.IntegrityError:  # already a designer (or two grants at once): one row, one audit event
        return


def revoke_designer(granter, officer, *, ip="") -> None:
    """``granter`` (a designer) takes the permission from ``officer``; never from the last one."""
    if not is_designer(granter):
        raise Refused("Only a form designer can take the Form designer permission away.")
    if not is_designer(officer):
        raise Refused(f"{officer.display_name} is not a form designer.")
    if FormDesigner.select().count() <= 1:
        raise Refused(f"{officer.display_name} is the only form designer: grant the permission "
                      "to another officer first.")
    with models.db.atomic():
        FormDesigner.delete().where(FormDesigner.user == officer.id).execute()
        audit.record("form-designer-revoked", user=granter, ip=ip, object_type="user",
                     object_id=officer.id)
