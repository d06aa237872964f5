"""Load and check the form schemas (schemas/forms/*.yaml) into immutable Form/Step/Field objects.

Every mistake is reported as ``file:line: plain sentence`` and all of them are collected before
anything is raised, so a council fixing a form sees its whole list at once.

Versions: each ``<key>.yaml`` holds a form's current version. When a council changes a form it
copies the old file to ``_archive/<key>.v<N>.yaml`` (N = the old ``version``) and bumps ``version``
in the live file; submitted forms keep rendering with the version they were filled with, through
``FormRegistry.get(key, version)``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import yaml

from . import fields as ft
from .fields import Option

TABS = ("request", "assessment", "plan", "review")
ROLES = ("professional", "officer", "citizen")
KINDS = ("work_profile", "child_details")
# Step keys the journey itself uses in URLs, so a form may not take them.
RESERVED_STEPS = ("summary", "declaration", "submit")
DEFAULT_REPEAT_MAX = 20

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Field names may not contain "-": the web layer posts Add More rows as "<name>-<row>" and date
# parts as "<name>-day", so a hyphen would make names ambiguous.
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
ARCHIVE_NAME = re.compile(r"(?P<key>.+)\.v(?P<version>[0-9]+)\.ya?ml")

FORM_KEYS = {"key", "title", "tab", "version", "started_by", "pdf", "due_days", "description",
             "intro", "steps", "lists", "declarations"}
STEP_KEYS = {"key", "title", "intro", "kind", "repeat", "fields", "show_if"}
COMMON_FIELD_KEYS = {"name", "type", "label", "hint", "required", "show_if", "width"}


class SchemaError(Exception):
    """A schema (or a directory of them) is broken. ``problems`` lists every mistake found."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


# --- the objects ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """show_if: the step or field shows only when another field's answer is one of ``values``.

    ``step`` is the key of the step holding that field, or None for a field in the same step (in
    an Add More step: the same row).
    """

    step: str | None
    name: str
    values: tuple[str, ...]

    def matches(self, value) -> bool:
        """True when the answer ``value`` (stored form) satisfies the condition."""
        if ft.is_empty(value):
            return False
        if isinstance(value, list):
            return any(_cond_text(v) in self.values for v in value)
        return _cond_text(value) in self.values


def _cond_text(value) -> str:
    return ft._as_text(value)


@dataclass(frozen=True)
class Field:
    """One question. See fields.FieldType for what each type does with these options."""

    name: str
    type: str
    label: str = ""
    hint: str | None = None
    required: bool = False
    min: int | float | None = None
    max: int | float | None = None
    pattern: str | None = None
    show_if: Condition | None = None
    width: str | None = None
    options: tuple[Option, ...] = ()
    accept: tuple[str, ...] = ()
    text: str | None = None          # the guidance of a content field
    past: bool | None = None         # date: must be in the past (True) / not (False)
    future: bool | None = None       # date: must be in the future (True) / not (False)
    integer: bool = False            # number: whole numbers only
    prefix: str | None = None        # number: shown before the input, e.g. "£"
    suffix: str | None = None        # number: shown after the input, e.g. "hours"
    rows: int | None = None          # textarea: visible rows
    autocomplete: str | None = None
    line: int = 0

    @property
    def field_type(self) -> ft.FieldType:
        """The registered FieldType (macro name, html type, inputmode, autocomplete...)."""
        return ft.get_type(self.type)

    @property
    def has_value(self) -> bool:
        return self.field_type.has_value

    def input_name(self, row: int | None = None) -> str:
        """The name posted for this field: ``name``, or ``name-<row>`` in an Add More group.

        A date posts three inputs: ``<input_name>-day``, ``-month`` and ``-year``.
        """
        return self.name if row is None else f"{self.name}-{row}"

    def input_id(self, row: int | None = None) -> str:
        """The id of the first input, for error-summary links and Change links."""
        base = self.input_name(row)
        return f"{base}-day" if self.type == "date" else base


@dataclass(frozen=True)
class Repeat:
    """An Add More group: between ``min`` and ``max`` rows; ``label`` names one row."""

    min: int = 1
    max: int = DEFAULT_REPEAT_MAX
    label: str | None = None


@dataclass(frozen=True)
class Step:
    """One page of a form. ``kind`` is None for an ordinary step, or a built-in kind."""

    key: str
    title: str
    intro: str | None = None
    kind: str | None = None
    repeat: Repeat | None = None
    fields: tuple[Field, ...] = ()
    show_if: Condition | None = None
    line: int = 0

    def field(self, name: str) -> Field:
        """The field called ``name``; KeyError if the step has none."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def value_fields(self) -> tuple[Field, ...]:
        """The fields that take an answer (everything but content)."""
        return tuple(f for f in self.fields if f.has_value)

    @property
    def row_label(self) -> str:
        """What one Add More row is called in the summary: "Parent/Carer" -> "Parent/Carer 1"."""
        if self.repeat and self.repeat.label:
            return self.repeat.label
        return re.sub(r"\s+details$", "", self.title, flags=re.I)


@dataclass(frozen=True)
class Form:
    """One form at one version. ``declarations`` is None for the council's default statements."""

    key: str
    title: str
    tab: str
    version: int
    started_by: tuple[str, ...]
    pdf: bool
    steps: tuple[Step, ...]
    lists: Mapping[str, tuple[Option, ...]] = dc_field(default_factory=lambda: MappingProxyType({}))
    declarations: tuple[str, ...] | None = None
    due_days: int | None = None
    description: str | None = None
    intro: str | None = None
    source: str = ""
    retired: bool = False  # set by the live registry (services/forms_design): no new starts

    def step(self, key: str) -> Step:
        """The step called ``key``; KeyError if there is none."""
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    @property
    def step_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.steps)

    def declaration_statements(self, council_statements: Iterable[str] | None = None) -> tuple:
        """The statements to agree to: the form's own, else the council's, else the engine's."""
        if self.declarations is not None:
            return self.declarations
        if council_statements:
            return tuple(council_statements)
        return DEFAULT_DECLARATIONS


# The Stockton seed's two statements: used when neither the form nor the council sets any.
DEFAULT_DECLARATIONS = (
    "I confirm that I am submitting this form with the knowledge and permission of the person "
    "(or his/her parents/guardians) to whom it relates. All information I have provided as part "
    "of this form is correct to the best of my knowledge.",
    "I agree that the information I am submitting can be shared with other professionals, the "
    "local authority, the child or young person and their parent or carer as part of processes "
    "outlined in the current Special Educational Needs & Disabilities Code of Practice.",
)


# --- built-in step kinds ----------------------------------------------------------------------

GENDERS = ft.options_from(["Female", "Male", "Not known"])
ETHNICITIES = ft.options_from([
    "White - British", "White - Irish", "White - Gypsy or Roma",
    "White - Traveller of Irish heritage", "White - any other White background",
    "Mixed - White and Black Caribbean", "Mixed - White and Black African",
    "Mixed - White and Asian", "Mixed - any other mixed background",
    "Asian or Asian British - Indian", "Asian or Asian British - Pakistani",
    "Asian or Asian British - Bangladeshi", "Asian or Asian British - any other Asian background",
    "Black or Black British - Caribbean", "Black or Black British - African",
    "Black or Black British - any other Black background", "Chinese",
    "Any other ethnic group", "Refused", "Information not yet obtained",
])

# What a child_details step shows: filled in from the Person by the web layer (prefill_child
# details in journey.py), then confirmed or completed by the user.
CHILD_DETAILS_FIELDS = (
    Field("forename", "text", "Forename", required=True, max=100, autocomplete="off"),
    Field("middle_names", "text", "Middle Name", max=100, autocomplete="off"),
    Field("surname", "text", "Surname", required=True, max=100, autocomplete="off"),
    Field("gender", "select", "Gender", required=True, options=GENDERS),
    Field("date_of_birth", "date", "Date of Birth", required=True, past=True),
    Field("current_school", "text", "Current School", max=200),
    Field("upn", "text", "Unique Pupil Number (UPN)", max=13, width="10",
          pattern=r"[A-Za-z][0-9]{11}[0-9A-Za-z]",
          hint="13 characters, for example A12345678901B. Leave blank if not known."),
    Field("nhs_number", "text", "NHS Number", max=12, width="10", pattern=r"[0-9 ]{10,12}"),
    Field("ethnicity", "select", "Ethnicity", options=ETHNICITIES),
    Field("first_language", "text", "First Language", max=100),
    Field("address", "textarea", "Home Address", max=500, rows=3),
    Field("postcode", "postcode", "Postcode", width="10", autocomplete="off"),
    Field("additional_details", "textarea", "Additional Details", max=2000,
          hint="Anything else the SEN Team should know, such as a preferred name or "
               "communication needs."),
)

WORK_PROFILE_FIELDS = (
    Field("work_profile_id", "work_profile", "Work profile", required=True),
)


# --- YAML with line numbers -------------------------------------------------------------------

class LineDict(dict):
    """A mapping from YAML that remembers the line of itself and of each key."""

    line = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_lines: dict = {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML that remembers the line of itself and of each item."""

    line = 0

    def __init__(self, *args):
        super().__init__(*args)
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    """SafeLoader that records line numbers and reads scalars the YAML 1.2 way.

    YAML 1.1 turns ``Yes``/``No``/``on`` into booleans, ``10:30`` into 630 and ``2010-04-30`` into
    a date; in a form that is always a surprise (``options: [Yes, No]``), so only true/false are
    booleans and plain decimal numbers are numbers.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any]] = []


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"),
                              list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float",
                              re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
                              list("-+0123456789."))


def _construct_int(loader, node):
    return int(loader.construct_scalar(node))


def _construct_map(loader, node):
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in data:
            loader.duplicates.append((key_node.start_mark.line + 1, key))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_seq(loader, node):
    data = LineList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)
    data.item_lines = [child.start_mark.line + 1 for child in node.value]


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


# --- checking ---------------------------------------------------------------------------------

class _Problems:
    """Collects ``file:line: sentence`` problems for one file."""

    def __init__(self, filename: str):
        self.filename = filename
        self.items: list[str] = []

    def add(self, line: int, sentence: str):
        self.items.append(f"{self.filename}:{line}: {sentence}")


def _display_path(path: Path) -> str:
    # Relative to the working directory when that is shorter, so problems read like
    # "schemas/forms/e4.yaml:23" from the project root.
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def load_form_text(text: str, filename: str = "<form>") -> Form:
    """Parse and check one form from YAML text; raises SchemaError listing every problem."""
    form, problems = _parse(text, filename)
    if problems:
        raise SchemaError(problems)
    return form


def _parse(text: str, filename: str) -> tuple[Form | None, list[str]]:
    problems = _Problems(filename)
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if mark and mark.line >= text.count("\n") and getattr(exc, "context_mark", None):
            # An error "at the end of the file" is really where the unclosed bracket opened.
            mark = exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        problems.add(line, f"this is not valid YAML ({reason})")
        return None, problems.items
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.add(line, f'"{key}" is given twice in the same block')
    if data is None:
        problems.add(1, "the file is empty")
        return None, problems.items
    if not isinstance(data, LineDict):
        problems.add(1, "a form must be a mapping of keys such as key, title, tab and steps")
        return None, problems.items
    form = _FormBuilder(data, problems, filename).build()
    return (form if not problems.items else None), problems.items


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _FormBuilder:
    """Builds a Form from parsed YAML, reporting every problem it meets."""

    def __init__(self, data: LineDict, problems: _Problems, filename: str):
        self.data = data
        self.p = problems
        self.filename = filename
        self.lists: dict[str, tuple[Option, ...]] = {}

    # Small checks ---------------------------------------------------------------------------

    def unknown_keys(self, block: LineDict, allowed: Iterable[str], what: str):
        allowed = set(allowed)
        for key in block:
            if key not in allowed:
                self.p.add(block.line_of(key), f'{what} has an unknown key "{key}" '
                                               f"(allowed: {', '.join(sorted(allowed))})")

    def text(self, block: LineDict, key: str, what: str, *, required: bool = False):
        value = block.get(key)
        if value is None:
            if required:
                self.p.add(block.line, f'{what} is missing "{key}"')
            return None
        if isinstance(value, (LineDict, LineList)):
            self.p.add(block.line_of(key), f'"{key}" of {what} must be text')
            return None
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value).strip()

    def flag(self, block: LineDict, key: str, what: str) -> bool | None:
        value = block.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.p.add(block.line_of(key), f'"{key}" of {what} must be true or false')
            return None
        return value

    # Form -----------------------------------------------------------------------------------

    def build(self) -> Form | None:
        d = self.data
        self.unknown_keys(d, FORM_KEYS, "the form")
        key = self.text(d, "key", "the form", required=True)
        if key is not None and not KEBAB.fullmatch(key):
            self.p.add(d.line_of("key"), f'form key "{key}" must be kebab-case '
                                         "(lower-case letters, digits and hyphens, like e4-advice)")
        title = self.text(d, "title", "the form", required=True)
        tab = self.text(d, "tab", "the form", required=True)
        if tab is not None and tab not in TABS:
            self.p.add(d.line_of("tab"), f'tab "{tab}" is not one of {", ".join(TABS)}')
        version = d.get("version")
        if version is None:
            self.p.add(d.line, 'the form is missing "version"')
        elif not _is_int(version) or version < 1:
            self.p.add(d.line_of("version"), "version must be a whole number, 1 or more")
        started_by = self.started_by()
        pdf = self.flag(d, "pdf", "the form")
        if "pdf" not in d:
            self.p.add(d.line, 'the form is missing "pdf" (true or false)')
        due_days = d.get("due_days")
        if due_days is not None and (not _is_int(due_days) or due_days < 1):
            self.p.add(d.line_of("due_days"), "due_days must be a whole number of days, 1 or more")
        self.build_lists()
        declarations = self.declarations()
        steps = self.build_steps()
        if self.p.items:
            return None
        return Form(key=key, title=title, tab=tab, version=version, started_by=started_by,
                    pdf=bool(pdf), steps=steps, lists=MappingProxyType(dict(self.lists)),
                    declarations=declarations, due_days=due_days,
                    description=self.text(d, "description", "the form"),
                    intro=self.text(d, "intro", "the form"), source=self.filename)

    def started_by(self) -> tuple[str, ...]:
        d = self.data
        value = d.get("started_by")
        if value is None:
            self.p.add(d.line, f'the form is missing "started_by" (a list among {", ".join(ROLES)})')
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            self.p.add(d.line_of("started_by"), f"started_by must be a list among {', '.join(ROLES)}")
            return ()
        for role in value:
            if role not in ROLES:
                self.p.add(d.line_of("started_by"),
                           f'started_by has an unknown role "{role}" (known roles: {", ".join(ROLES)})')
        return tuple(str(r) for r in value)

    def build_lists(self):
        value = self.data.get("lists")
        if value is None:
            return
        if not isinstance(value, LineDict):
            self.p.add(self.data.line_of("lists"), "lists must be a mapping of name -> options")
            return
        for name, items in value.items():
            if not isinstance(items, LineList) or not items:
                self.p.add(value.line_of(name), f'list "{name}" must be a non-empty list of options')
                continue
            self.lists[str(name)] = self.options(items, f'list "{name}"')

    def options(self, items: LineList, what: str) -> tuple[Option, ...]:
        for i, item in enumerate(items):
            if isinstance(item, LineDict):
                self.unknown_keys(item, {"value", "label", "hint"}, f"an option of {what}")
                if "value" not in item and "label" not in item:
                    self.p.add(item.line, f'an option of {what} needs a "label"')
            elif isinstance(item, LineList) or item is None:
                self.p.add(items.line_of(i), f"an option of {what} must be text")
        options = ft.options_from(i for i in items if not isinstance(i, LineList) and i is not None)
        seen = set()
        for i, option in enumerate(options):
            if option.value in seen:
                self.p.add(items.line_of(i), f'{what} has the option "{option.value}" twice')
            seen.add(option.value)
        return options

    def declarations(self) -> tuple[str, ...] | None:
        d = self.data
        value = d.get("declarations", "default")
        if value == "default":
            return None
        if not isinstance(value, LineList) or not value or not all(
                isinstance(s, str) and s.strip() for s in value):
            self.p.add(d.line_of("declarations"),
                       'declarations must be "default" or a list of statements')
            return None
        return tuple(s.strip() for s in value)

    # Steps ----------------------------------------------------------------------------------

    def build_steps(self) -> tuple[Step, ...]:
        d = self.data
        raw_steps = d.get("steps")
        if raw_steps is None:
            self.p.add(d.line, 'the form is missing "steps"')
            return ()
        if not isinstance(raw_steps, LineList) or not raw_steps:
            self.p.add(d.line_of("steps"), "steps must be a non-empty list")
            return ()
        steps: list[Step] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(raw_steps):
            if not isinstance(raw, LineDict):
                self.p.add(raw_steps.line_of(i), f"step {i + 1} must be a mapping with key and title")
                continue
            step = self.build_step(raw, i, steps)
            if step is None:
                continue
            if step.key in seen:
                self.p.add(raw.line_of("key"), f'step key "{step.key}" is used twice '
                                               f"(first on line {seen[step.key]})")
            seen.setdefault(step.key, raw.line_of("key"))
            steps.append(step)
        return tuple(steps)

    def build_step(self, raw: LineDict, index: int, earlier: list[Step]) -> Step | None:
        key = self.text(raw, "key", f"step {index + 1}", required=True)
        what = f'step "{key}"' if key else f"step {index + 1}"
        self.unknown_keys(raw, STEP_KEYS, what)
        if key is not None:
            if not KEBAB.fullmatch(key):
                self.p.add(raw.line_of("key"), f'step key "{key}" must be kebab-case')
            elif key in RESERVED_STEPS:
                self.p.add(raw.line_of("key"), f'step key "{key}" is reserved by the journey')
        title = self.text(raw, "title", what, required=True)
        kind = self.text(raw, "kind", what)
        if kind is not None and kind not in KINDS:
            self.p.add(raw.line_of("kind"), f'{what} has unknown kind "{kind}" '
                                            f"(known kinds: {', '.join(KINDS)})")
            kind = None
        repeat = self.repeat(raw, what)
        if kind and repeat:
            self.p.add(raw.line_of("repeat"), f"{what} of kind {kind} cannot have Add More rows")
        if kind == "work_profile":
            if raw.get("fields"):
                self.p.add(raw.line_of("fields"), f"{what} is a work_profile step and takes no fields")
            fields = WORK_PROFILE_FIELDS
        else:
            builtin = CHILD_DETAILS_FIELDS if kind == "child_details" else ()
            fields = builtin + self.build_fields(raw, what, key, earlier, builtin, bool(repeat))
            if not builtin and not raw.get("fields"):
                self.p.add(raw.line, f"{what} has no fields")
        show_if = None
        if "show_if" in raw:
            show_if = self.condition(raw["show_if"], raw.line_of("show_if"), what, key, earlier,
                                     same_step=None, step_level=True)
        if key is None or title is None:
            return None
        return Step(key=key, title=title, intro=self.text(raw, "intro", what), kind=kind,
                    repeat=repeat, fields=tuple(fields), show_if=show_if, line=raw.line)

    def repeat(self, raw: LineDict, what: str) -> Repeat | None:
        value = raw.get("repeat")
        if value is None:
            return None
        line = raw.line_of("repeat")
        if value is True:
            return Repeat()
        if not isinstance(value, LineDict):
            self.p.add(line, f"repeat of {what} must be like {{min: 1, max: 6}}")
            return None
        self.unknown_keys(value, {"min", "max", "label"}, f"repeat of {what}")
        low, high = value.get("min", 1), value.get("max", DEFAULT_REPEAT_MAX)
        if not _is_int(low) or low < 0:
            self.p.add(value.line_of("min"), f"repeat min of {what} must be a whole number, 0 or more")
            return None
        if not _is_int(high) or high < 1:
            self.p.add(value.line_of("max"), f"repeat max of {what} must be a whole number, 1 or more")
            return None
        if low > high:
            self.p.add(line, f"repeat of {what} has min {low} greater than max {high}")
            return None
        label = value.get("label")
        return Repeat(min=low, max=high, label=str(label) if label is not None else None)

    # Fields ---------------------------------------------------------------------------------

    def build_fields(self, raw: LineDict, what: str, step_key: str | None, earlier: list[Step],
                     builtin: tuple[Field, ...], in_repeat: bool) -> tuple[Field, ...]:
        raw_fields = raw.get("fields")
        if raw_fields is None:
            return ()
        if not isinstance(raw_fields, LineList):
            self.p.add(raw.line_of("fields"), f"fields of {what} must be a list")
            return ()
        out: list[Field] = []
        names = {f.name: 0 for f in builtin}
        for i, rf in enumerate(raw_fields):
            if not isinstance(rf, LineDict):
                self.p.add(raw_fields.line_of(i), f"field {i + 1} of {what} must be a mapping")
                continue
            f = self.build_field(rf, i, what, step_key, earlier, builtin + tuple(out), in_repeat)
            if f is None:
                continue
            if f.name in names:
                first = f" (first on line {names[f.name]})" if names[f.name] else " (a built-in field)"
                self.p.add(rf.line_of("name"), f'field "{f.name}" appears twice in {what}{first}')
            else:
                names[f.name] = rf.line_of("name")
            out.append(f)
        return tuple(out)

    def build_field(self, rf: LineDict, index: int, what: str, step_key: str | None,
                    earlier: list[Step], before: tuple[Field, ...], in_repeat: bool) -> Field | None:
        type_name = self.text(rf, "type", f"field {index + 1} of {what}", required=True)
        if type_name == "content" and "name" not in rf:
            name = f"content_{index + 1}"
        else:
            name = self.text(rf, "name", f"field {index + 1} of {what}", required=True)
        where = f'field "{name}" in {what}' if name else f"field {index + 1} of {what}"
        if name is not None and not FIELD_NAME.fullmatch(name):
            self.p.add(rf.line_of("name"), f"{where}: a field name must be lower-case letters, "
                                           "digits and underscores, starting with a letter")
        if type_name is None:
            return None
        ftype = ft.FIELD_TYPES.get(type_name)
        if ftype is None or ftype.internal:
            self.p.add(rf.line_of("type"), f'{where} has unknown type "{type_name}" '
                                           f"(known types: {', '.join(ft.known_types())})")
            return None
        self.unknown_keys(rf, COMMON_FIELD_KEYS | ftype.keys, f"{where} ({type_name})")
        label = self.text(rf, "label", where, required=ftype.has_value) or ""
        required = self.flag(rf, "required", where) or False
        if required and not ftype.has_value:
            self.p.add(rf.line_of("required"), f"{where} is guidance text and cannot be required")
        kwargs: dict[str, Any] = {}
        for key in ("min", "max"):
            if key in rf:
                value = rf[key]
                ok = _is_number(value) if type_name == "number" else (_is_int(value) and value >= 0)
                if not ok:
                    self.p.add(rf.line_of(key), f"{key} of {where} must be a "
                                                + ("number" if type_name == "number"
                                                   else "whole number, 0 or more"))
                else:
                    kwargs[key] = value
        if "min" in kwargs and "max" in kwargs and kwargs["min"] > kwargs["max"]:
            self.p.add(rf.line_of("min"), f"{where} has min {kwargs['min']} greater than max {kwargs['max']}")
        if "pattern" in rf:
            pattern = self.text(rf, "pattern", where)
            try:
                re.compile(pattern or "")
                kwargs["pattern"] = pattern
            except re.error as exc:
                self.p.add(rf.line_of("pattern"), f"pattern of {where} is not a valid regular "
                                                  f"expression ({exc})")
        if "width" in rf:
            width = self.text(rf, "width", where)
            if width not in ft.WIDTHS:
                self.p.add(rf.line_of("width"), f'width "{width}" of {where} is not one of '
                                                f"{', '.join(sorted(ft.WIDTHS))}")
            else:
                kwargs["width"] = width
        if ftype.needs_options and "options" not in rf:
            self.p.add(rf.line, f"{where} is a {type_name} field and needs options "
                                "(a list, or the name of a list under lists)")
        if "options" in rf:
            kwargs["options"] = self.field_options(rf, where)
        if type_name == "yesno":
            kwargs["options"] = ft.options_from(ft.YES_NO)
        if "accept" in rf:
            accept = rf["accept"]
            if isinstance(accept, str):
                accept = [a.strip() for a in accept.split(",")]
            if not isinstance(accept, list) or not all(
                    isinstance(a, str) and re.fullmatch(r"\.?[A-Za-z0-9]{1,10}", a) for a in accept):
                self.p.add(rf.line_of("accept"), f"accept of {where} must be a list of file "
                                                 "extensions, like [pdf, docx]")
            else:
                kwargs["accept"] = tuple(a.lstrip(".").lower() for a in accept)
        if type_name == "content":
            kwargs["text"] = self.text(rf, "text", where, required=True)
        for key in ("past", "future", "integer"):
            if key in rf:
                value = self.flag(rf, key, where)
                if value is not None:
                    kwargs[key] = value
        for key in ("prefix", "suffix", "autocomplete"):
            if key in rf:
                kwargs[key] = self.text(rf, key, where)
        if "rows" in rf:
            if not _is_int(rf["rows"]) or not 1 <= rf["rows"] <= 50:
                self.p.add(rf.line_of("rows"), f"rows of {where} must be a whole number from 1 to 50")
            else:
                kwargs["rows"] = rf["rows"]
        show_if = None
        if "show_if" in rf:
            show_if = self.condition(rf["show_if"], rf.line_of("show_if"), where, step_key, earlier,
                                     same_step=before, step_level=False)
        if name is None:
            return None
        return Field(name=name, type=type_name, label=label, hint=self.text(rf, "hint", where),
                     required=required, show_if=show_if, line=rf.line, **kwargs)

    def field_options(self, rf: LineDict, where: str) -> tuple[Option, ...]:
        value = rf["options"]
        line = rf.line_of("options")
        if isinstance(value, str):
            if value not in self.lists:
                known = ", ".join(sorted(self.lists)) or "none defined"
                self.p.add(line, f'{where} uses options "{value}" but there is no such list '
                                 f"under lists (lists: {known})")
                return ()
            return self.lists[value]
        if not isinstance(value, LineList) or not value:
            self.p.add(line, f"options of {where} must be a non-empty list or the name of a list")
            return ()
        return self.options(value, where)

    # Conditions -----------------------------------------------------------------------------

    def condition(self, raw, line: int, where: str, step_key: str | None, earlier: list[Step],
                  *, same_step: tuple[Field, ...] | None, step_level: bool) -> Condition | None:
        """Check a show_if and resolve its field to a step (None = the same step)."""
        if not isinstance(raw, LineDict):
            self.p.add(line, f"show_if of {where} must be like {{field: name, equals: value}}")
            return None
        self.unknown_keys(raw, {"field", "equals", "in"}, f"show_if of {where}")
        ref = self.text(raw, "field", f"show_if of {where}", required=True)
        if ("equals" in raw) == ("in" in raw):
            self.p.add(raw.line, f'show_if of {where} needs exactly one of "equals" or "in"')
            return None
        if "equals" in raw:
            values = [raw["equals"]]
        else:
            values = raw["in"]
            if not isinstance(values, LineList) or not values:
                self.p.add(raw.line_of("in"), f'"in" of the show_if of {where} must be a list')
                return None
        if any(isinstance(v, (LineDict, LineList)) or v is None for v in values):
            self.p.add(raw.line, f"show_if of {where} compares with something that is not a value")
            return None
        values = tuple(ft._as_text(v) for v in values)
        if ref is None:
            return None
        target, target_step = self.resolve(ref, raw.line_of("field"), where, step_key, earlier,
                                           same_step, step_level)
        if target is None:
            return None
        if not target.has_value:
            self.p.add(raw.line_of("field"), f'show_if of {where} refers to "{ref}", which is '
                                             "guidance text with no answer")
            return None
        if target.options:
            known = {o.value for o in target.options}
            for v in values:
                if v not in known:
                    self.p.add(raw.line, f'show_if of {where} expects "{v}" but "{ref}" has no such '
                                         f"option (options: {', '.join(sorted(known))})")
        return Condition(step=target_step, name=target.name, values=values)

    def resolve(self, ref: str, line: int, where: str, step_key, earlier: list[Step],
                same_step, step_level: bool):
        later = "is not answered before it (a condition can only use an earlier answer)"
        if "." in ref:
            step_ref, name = ref.split(".", 1)
            if step_ref == step_key and not step_level:
                return self.resolve(name, line, where, step_key, earlier, same_step, step_level)
            matches = [s for s in earlier if s.key == step_ref]
            if not matches:
                self.p.add(line, f'show_if of {where} refers to "{ref}" but step "{step_ref}" '
                                 + ("is the same step" if step_ref == step_key else
                                    f"does not exist or {later}"))
                return None, None
            step = matches[0]
            if step.repeat:
                self.p.add(line, f'show_if of {where} refers to "{ref}" in an Add More step; a '
                                 "condition cannot depend on one row of another step")
                return None, None
            for f in step.fields:
                if f.name == name:
                    return f, step.key
            self.p.add(line, f'show_if of {where} refers to "{ref}" but step "{step_ref}" has no '
                             f'field "{name}"')
            return None, None
        if not step_level:
            for f in same_step or ():
                if f.name == ref:
                    return f, None
        candidates = [(s, f) for s in earlier if not s.repeat for f in s.fields if f.name == ref]
        if len(candidates) == 1:
            return candidates[0][1], candidates[0][0].key
        if len(candidates) > 1:
            self.p.add(line, f'show_if of {where} refers to "{ref}", which is in more than one '
                             'step; write it as "step-key.field"')
            return None, None
        self.p.add(line, f'show_if of {where} refers to "{ref}", which does not exist or {later}')
        return None, None


# --- directories and versions -----------------------------------------------------------------

class FormRegistry:
    """Every loaded form at every version: the current one from ``<key>.yaml`` and archived ones.

    ``get(key)`` gives the current version; ``get(key, version)`` an exact one, so a submitted
    form renders with the schema it was filled with.
    """

    def __init__(self, forms: Iterable[Form] = (), current: Mapping[str, int] | None = None):
        self._forms: dict[tuple[str, int], Form] = {}
        for form in forms:
            self._forms[(form.key, form.version)] = form
        self._current = dict(current) if current is not None else {}
        if current is None:
            for key, version in self._forms:
                self._current[key] = max(version, self._current.get(key, 0))

    def get(self, key: str, version: int | None = None) -> Form:
        """The form ``key`` at ``version`` (default: current); KeyError if unknown."""
        if version is None:
            if key not in self._current:
                raise KeyError(key)
            version = self._current[key]
        return self._forms[(key, int(version))]

    def current(self) -> dict[str, Form]:
        """key -> current Form, for catalogues and "Start" buttons."""
        return {key: self._forms[(key, v)] for key, v in sorted(self._current.items())}

    def versions(self, key: str) -> list[int]:
        """Every version of ``key`` that can be rendered, oldest first."""
        return sorted(v for k, v in self._forms if k == key)

    def __contains__(self, key) -> bool:
        return key in self._current

    def __iter__(self):
        return iter(self.current().values())

    def __len__(self):
        return len(self._current)

    def all_forms(self) -> list[Form]:
        """Every loaded form at every version (the live registry overlays the database's)."""
        return list(self._forms.values())


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


yaml_files = _yaml_files  # which files of a folder are forms (services/forms_design reads them too)


def _load_all(directory) -> tuple[FormRegistry, list[str]]:
    directory = Path(directory)
    problems: list[str] = []
    if not directory.is_dir():
        return FormRegistry(), [f"{_display_path(directory)}: the forms directory does not exist"]
    current: dict[str, Form] = {}
    origin: dict[str, str] = {}
    for path in _yaml_files(directory):
        shown = _display_path(path)
        form, found = _parse(path.read_text(encoding="utf-8"), shown)
        problems.extend(found)
        if form is None:
            continue
        if form.key in current:
            problems.append(f"{shown}:1: form key \"{form.key}\" is also used by {origin[form.key]}")
            continue
        current[form.key] = form
        origin[form.key] = shown
    forms = list(current.values())
    archive = directory / "_archive"
    if archive.is_dir():
        seen: set[tuple[str, int]] = set()
        for path in _yaml_files(archive):
            shown = _display_path(path)
            match = ARCHIVE_NAME.fullmatch(path.name)
            if not match:
                problems.append(f"{shown}:1: an archived form must be named <key>.v<version>.yaml")
                continue
            form, found = _parse(path.read_text(encoding="utf-8"), shown)
            problems.extend(found)
            if form is None:
                continue
            key, version = match["key"], int(match["version"])
            if (form.key, form.version) != (key, version):
                problems.append(f"{shown}:1: the file name says {key} version {version} but the file "
                                f"holds {form.key} version {form.version}")
                continue
            if key in current and version >= current[key].version:
                problems.append(f"{shown}:1: archived version {version} of \"{key}\" is not older "
                                f"than the current version {current[key].version} in "
                                f"{origin[key]}; bump version in the current file")
                continue
            if (key, version) in seen:
                continue
            seen.add((key, version))
            forms.append(form)
    registry = FormRegistry(forms, {k: f.version for k, f in current.items()})
    return registry, problems


def load_registry(directory) -> FormRegistry:
    """Load current and archived forms; raises SchemaError listing every problem."""
    registry, problems = _load_all(directory)
    if problems:
        raise SchemaError(problems)
    return registry


def load_forms(directory) -> dict[str, Form]:
    """Load the current version of every form in ``directory``: key -> Form.

    Raises SchemaError listing every problem in every file (archives included).
    """
    return load_registry(directory).current()


def check_directory(directory) -> list[str]:
    """Every problem in ``directory`` (empty when all is well), for ``flask check-schemas``."""
    return _load_all(directory)[1]
