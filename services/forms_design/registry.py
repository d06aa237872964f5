"""The live form registry: the YAML files overlaid by the database's published and retired forms.

``app.extensions["forms"]`` is a LiveRegistry. It answers like engine.FormRegistry (get, current,
versions, in, iter, len) plus ``startable(key)``. A database row wins over a file at the same key
and version; the highest version is current. It rebuilds only when FormCatalogueStamp's counter
changes, and reads the counter at most once per request (kept on ``flask.g``). No stamp row (an
empty forms table, as in tests) means exactly the files.
"""
import dataclasses
import logging
from pathlib import Path

import peewee
from flask import g, has_app_context, has_request_context, request

from engine import FormRegistry
from engine.schema import SchemaError, load_form_text, yaml_files
from models import FormCatalogueStamp, FormDefinition

log = logging.getLogger("portal.forms")

LIVE = ("published", "retired")  # the statuses a registry holds; drafts are only previewed
_G_KEY = "_live_forms"


def shipped_sources(directory) -> list[tuple[object, str, str]]:
    """Every form file that loads, current and archived: (Form, text, shown path). Broken files
    are left to ``check-schemas`` (and stop the portal starting anyway)."""
    directory = Path(directory)
    found = []
    for folder in (directory, directory / "_archive"):
        if not folder.is_dir():
            continue
        for path in yaml_files(folder):
            text = path.read_text(encoding="utf-8")
            try:
                found.append((load_form_text(text, str(path)), text, str(path)))
            except SchemaError:
                continue
    return found


def read_stamp():
    """The catalogue counter, or None when no form was ever published, retired or imported."""
    try:
        return (FormCatalogueStamp.select(FormCatalogueStamp.counter)
                .where(FormCatalogueStamp.id == 1).scalar())
    except peewee.DatabaseError:  # a database not yet brought up to date by init-db: the files
        return None


def bump_stamp() -> None:
    """Call inside the transaction that publishes, retires, restores or imports."""
    (FormCatalogueStamp.insert(id=1, counter=1)
     .on_conflict(conflict_target=[FormCatalogueStamp.id],
                  update={FormCatalogueStamp.counter: FormCatalogueStamp.counter + 1})
     .execute())


def forget_request_cache() -> None:
    """Drop this request's registry, so a change made in it is seen at once."""
    if has_app_context():
        g.pop(_G_KEY, None)


class LiveRegistry:
    """engine.FormRegistry's interface over files + database (see the module docstring)."""

    def __init__(self, files: FormRegistry, directory=None):
        self.files = files
        self.directory = directory
        self._file_texts = None
        self._built = (None, files, frozenset())  # (stamp, registry, retired keys)
        self._parsed: dict = {}  # (key, version, source) -> Form: reparse only what changed

    # -- resolving ---------------------------------------------------------------------------

    def _state(self):
        # Keyed by the request too: a test's app context outlives many requests.
        this = (self, request._get_current_object() if has_request_context() else None)
        cached = g.get(_G_KEY) if has_app_context() else None
        if cached is not None and cached[0] == this:
            return cached[1]
        stamp = read_stamp()
        state = self._built
        if stamp is None:
            state = (None, self.files, frozenset())
        elif stamp != state[0]:
            state = self._built = self._build(stamp)
        if has_app_context():
            setattr(g, _G_KEY, (this, state))
        return state

    def _build(self, stamp):
        forms = {(f.key, f.version): f for f in self.files.all_forms()}
        current = {key: form.version for key, form in self.files.current().items()}
        status = {}
        rows = FormDefinition.select().where(FormDefinition.status.in_(LIVE))
        for row in rows:
            form = self._parse(row)
            if form is None:
                continue
            forms[(row.key, row.version)] = form
            status[(row.key, row.version)] = row.status
            current[row.key] = max(current.get(row.key, 0), row.version)
        retired = frozenset(k for k, v in current.items() if status.get((k, v)) == "retired")
        for (key, version), form in list(forms.items()):
            if key in retired:
                forms[(key, version)] = dataclasses.replace(form, retired=True)
        return stamp, FormRegistry(forms.values(), current), retired

    def _parse(self, row):
        memo = (row.key, row.version, row.source)
        if memo not in self._parsed:
            try:
                self._parsed[memo] = load_form_text(row.source, f"database form {row.key} v{row.version}")
            except SchemaError as exc:  # never saved so (the store checks); shown by check-schemas
                log.error("Database form %s v%s does not load: %s", row.key, row.version, exc)
                self._parsed[memo] = None
        return self._parsed[memo]

    def file_text(self, key, version):
        """The YAML of a shipped form version, or None (read once per process)."""
        if self._file_texts is None:
            self._file_texts = ({(f.key, f.version): text for f, text, _ in
                                 shipped_sources(self.directory)} if self.directory else {})
        return self._file_texts.get((key, int(version)))

    @property
    def now(self) -> FormRegistry:
        """The plain FormRegistry this request sees."""
        return self._state()[1]

    # -- FormRegistry's interface -------------------------------------------------------------

    def get(self, key, version=None):
        return self.now.get(key, version)

    def current(self):
        return self.now.current()

    def versions(self, key):
        return self.now.versions(key)

    def all_forms(self):
        return self.now.all_forms()

    def startable(self, key) -> bool:
        """False when the form is unknown or retired (started ones still open and render)."""
        registry, retired = self._state()[1:]
        return key in registry and key not in retired

    def __contains__(self, key):
        return key in self.now

    def __iter__(self):
        return iter(self.now)

    def __len__(self):
        return len(self.now)
