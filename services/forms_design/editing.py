"""The form designer's editing operations: pure functions on a form's dict (the YAML mapping the
engine loads, as ``store.data_of(draft)`` gives it).

Each operation takes the dict and what the officer posted, and returns a NEW dict (the one passed
in is never changed) or raises ``Refused`` whose ``errors`` map the control that caused each
mistake to a sentence, so the page shows it at that control. The engine still checks the whole
result when the store saves it (``store.save_draft``); these checks are the ones that belong to
one control, in words about that control.

Controls are named like the form inputs of templates/designer/: form properties (``title``,
``tab``...), a step (``step_title``, ``repeat_min``...), a field (``name``, ``label``, ``options``,
``show_if``...), and the buttons (``move``, ``remove``).
"""
from __future__ import annotations

import copy
import json
import math
import re

from engine import fields as ft
from engine.schema import DEFAULT_REPEAT_MAX, FIELD_NAME, KEBAB, RESERVED_STEPS, ROLES, TABS
from services.forms_design import store


class Refused(store.Refused):
    """Nothing changed: ``errors`` is {control name: sentence}; ``problems`` the sentences."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(list(errors.values()))
        self.errors = dict(errors)


ROLE_NAMES = {"professional": "Professionals", "officer": "SEN officers", "citizen": "Parents and carers"}
TAB_NAMES = {"request": "Request", "assessment": "Assessment", "plan": "Plan", "review": "Review"}
DATE_RULES = {"": ("Any date", {}), "past": ("Must be in the past", {"past": True}),
              "not_future": ("Today or in the past", {"future": False}),
              "future": ("Must be in the future", {"future": True}),
              "not_past": ("Today or in the future", {"past": False})}
TYPE_NAMES = {"text": "Short text", "textarea": "Long text", "email": "Email address",
              "tel": "Telephone number", "number": "Number", "date": "Date", "time": "Time",
              "select": "Drop-down list", "radios": "One choice (radios)",
              "checkboxes": "Several choices (checkboxes)", "yesno": "Yes or no",
              "postcode": "Postcode", "file": "File upload", "content": "Guidance text (no answer)"}
CHOICE_TYPES = ("select", "radios", "checkboxes", "time", "yesno")
WIDTH_TYPES = ("text", "email", "tel", "number", "postcode")  # one-line boxes the engine sizes

# Every control a field may have, in page order. ``key`` is the schema key it writes; the common
# ones come first, then whichever of the type's own keys (FieldType.keys) the type accepts.
FIELD_CONTROLS = (
    ("label", "text", "Question", "What the person filling the form is asked."),
    ("hint", "textarea", "Hint (optional)", "A line of help shown under the question."),
    ("text", "textarea", "Guidance text", "The text shown on the page."),
    ("required", "checkbox", "An answer is required", None),
    ("options", "options", "Options", "One option per line."),
    ("min", "number", "Minimum", None),
    ("max", "number", "Maximum", None),
    ("integer", "checkbox", "Whole numbers only", None),
    ("prefix", "text", "Shown before the box (optional)", "For example £"),
    ("suffix", "text", "Shown after the box (optional)", "For example hours"),
    ("pattern", "text", "Pattern (optional)", "A regular expression the answer must match."),
    ("rows", "number", "Visible rows (optional)", "1 to 50"),
    ("date_rule", "radios", "Which dates are allowed", None),
    ("accept", "text", "File types (optional)", "Extensions separated by commas, for example pdf, docx"),
    ("autocomplete", "text", "Autocomplete (optional)", "For example off, or email"),
    ("width", "select", "Width of the box (optional)", None),
)
MIN_MAX_HINTS = {"text": "characters", "textarea": "characters", "email": "characters",
                 "number": "the smallest and largest answer", "checkboxes": "choices ticked",
                 "file": "files"}


# --- reading the dict -------------------------------------------------------------------------

def field_types() -> list[tuple[str, str]]:
    """(type name, words) for every type a form may use (the engine's registry, not internal)."""
    return [(name, TYPE_NAMES.get(name, name)) for name in ft.known_types()]


def controls_for(type_name: str) -> list[dict]:
    """The controls the field page shows for ``type_name``: exactly what the engine accepts."""
    ftype = ft.get_type(type_name)
    keys = set(ftype.keys)
    if ftype.has_value:
        keys |= {"label", "hint", "required"}
    if type_name in WIDTH_TYPES:
        keys.add("width")
    if "past" in keys:
        keys = (keys - {"past", "future"}) | {"date_rule"}
    out = []
    for key, kind, label, hint in FIELD_CONTROLS:
        if key in keys:
            if key in ("min", "max") and type_name in MIN_MAX_HINTS:
                hint = f"Optional: {MIN_MAX_HINTS[type_name]}"
            out.append({"key": key, "kind": kind, "label": label, "hint": hint})
    return out


def steps(data: dict) -> list[dict]:
    return list(data.get("steps") or [])


def step_of(data: dict, step_key: str) -> dict:
    """The step called ``step_key``; KeyError if there is none."""
    for step in steps(data):
        if step.get("key") == step_key:
            return step
    raise KeyError(step_key)


def field_of(data: dict, step_key: str, name: str) -> dict:
    """The field ``name`` of step ``step_key``; KeyError if there is none."""
    for field in step_of(data, step_key).get("fields") or []:
        if _name(field) == name:
            return field
    raise KeyError(name)


def _name(field: dict) -> str:
    return str(field.get("name") or "")


def _ref_target(data: dict, step_key: str, ref: str, *, step_level: bool = False):
    """(step key, field name) a show_if ``field`` names from inside step ``step_key``: "step.name",
    or a bare name in the same step (a field's condition), else in another step (as the engine
    resolves it)."""
    if "." in ref:
        return tuple(ref.split(".", 1))
    if not step_level and any(_name(f) == ref for f in _fields(data, step_key)):
        return step_key, ref
    for step in steps(data):
        if step.get("key") != step_key and not step.get("repeat") and any(
                _name(f) == ref for f in step.get("fields") or []):
            return step.get("key"), ref
    return step_key, ref


def _fields(data: dict, step_key: str) -> list[dict]:
    try:
        return list(step_of(data, step_key).get("fields") or [])
    except KeyError:
        return []


def _position(data: dict) -> dict[tuple[str, str], int]:
    """(step key, field name) -> its place in the form, for "comes before"."""
    order, i = {}, 0
    for step in steps(data):
        for field in step.get("fields") or []:
            order[(step.get("key"), _name(field))] = i
            i += 1
    return order


def choices_of(data: dict, field: dict) -> list[str]:
    """The answers a choice field can have (its options, or its shared list's)."""
    if field.get("type") == "yesno":
        return list(ft.YES_NO)
    options = field.get("options")
    if isinstance(options, str):
        options = (data.get("lists") or {}).get(options) or []
    return [o.value for o in ft.options_from(options or [])]


def earlier_choices(data: dict, step_key: str, name: str | None = None) -> list[dict]:
    """What a show_if may use: every choice question answered before field ``name`` of step
    ``step_key`` (a new field at the end of the step when ``name`` is None), with its answers.
    Later fields and rows of other Add More steps are never offered (the engine refuses them)."""
    out = []
    for step in steps(data):
        here = step.get("key") == step_key
        if not here and step.get("repeat"):
            continue
        for field in step.get("fields") or []:
            if here and _name(field) == name:
                return out
            answers = choices_of(data, field) if field.get("type") in CHOICE_TYPES else []
            if answers:
                ref = _name(field) if here else f"{step.get('key')}.{_name(field)}"
                out.append({"ref": ref, "label": str(field.get("label") or _name(field)),
                            "step": step.get("title"), "answers": answers})
        if here:
            return out
    return out


def condition_choices(data: dict, step_key: str, name: str | None = None) -> list[dict]:
    """The show_if drop-down: one item per earlier question and answer ({value, text})."""
    items = []
    for q in earlier_choices(data, step_key, name):
        for answer in q["answers"]:
            items.append({"value": json.dumps([q["ref"], [answer]]),
                          "text": f"“{q['label']}” is {answer}"})
    return items


def condition_value(show_if) -> str:
    """A field's show_if as the drop-down's value ("" for none)."""
    if not isinstance(show_if, dict) or "field" not in show_if:
        return ""
    values = [show_if["equals"]] if "equals" in show_if else list(show_if.get("in") or [])
    return json.dumps([str(show_if["field"]), [ft._as_text(v) for v in values]])


def users_of(data: dict, step_key: str, name: str) -> list[str]:
    """Labels of the fields and titles of the steps whose show_if uses field ``name``."""
    out = []
    for step in steps(data):
        cond = step.get("show_if")
        if isinstance(cond, dict) and _ref_target(data, step.get("key"), str(cond.get("field", "")),
                                                  step_level=True) == (step_key, name):
            out.append(f"the step “{step.get('title')}”")
        for field in step.get("fields") or []:
            cond = field.get("show_if")
            if isinstance(cond, dict) and _ref_target(data, step.get("key"),
                                                      str(cond.get("field", ""))) == (step_key, name):
                out.append(f"“{field.get('label') or _name(field)}”")
    return out


def _check_order(data: dict, control: str):
    """Refuse when a move puts a condition before the answer it depends on."""
    order = _position(data)
    for step in steps(data):
        first = min((order[(step.get("key"), _name(f))] for f in step.get("fields") or []),
                    default=None)
        for field in step.get("fields") or []:
            _order_problem(data, step, field.get("show_if"), order,
                           order[(step.get("key"), _name(field))], field.get("label"), control)
        if first is not None:
            _order_problem(data, step, step.get("show_if"), order, first,
                           f"the step {step.get('title')}", control, step_level=True)


def _order_problem(data, step, cond, order, place, what, control, *, step_level=False):
    if not isinstance(cond, dict) or "field" not in cond:
        return
    target = _ref_target(data, step.get("key"), str(cond["field"]), step_level=step_level)
    if target in order and order[target] >= place:
        raise Refused({control: f"This would put “{what}” before the question its condition "
                                "uses; a condition can only use an earlier answer"})


# --- the form's own properties ----------------------------------------------------------------

def set_properties(data: dict, posted) -> dict:
    """Title, tab, intro, who may start it, due days, PDF and declarations."""
    errors, new = {}, copy.deepcopy(data)
    title = _text(posted, "title")
    if not title:
        errors["title"] = "Enter the form's title"
    tab = _text(posted, "tab")
    if tab not in TABS:
        errors["tab"] = "Choose the tab the form belongs to"
    roles = [r for r in _list(posted, "started_by") if r]
    if not roles or any(r not in ROLES for r in roles):
        errors["started_by"] = "Choose who may start the form"
    due = _text(posted, "due_days")
    if due and (not _whole(due) or not 1 <= int(due) <= 3650):
        errors["due_days"] = "Due days must be a whole number of days, 1 or more"
    pdf = _text(posted, "pdf")
    if pdf not in ("yes", "no"):
        errors["pdf"] = "Choose whether the submitted form can be downloaded as a PDF"
    statements = [s.strip() for s in _text(posted, "declarations", multiline=True).split("\n")
                  if s.strip()]
    if errors:
        raise Refused(errors)
    new.update(title=title, tab=tab, started_by=roles, pdf=pdf == "yes")
    _set_or_drop(new, "intro", _text(posted, "intro", multiline=True))
    _set_or_drop(new, "due_days", int(due) if due else None)
    _set_or_drop(new, "declarations", statements or None)
    return new


def properties_of(data: dict) -> dict:
    """The property controls' values, as set_properties reads them."""
    decl = data.get("declarations")
    return {"title": data.get("title") or "", "tab": data.get("tab") or "",
            "intro": data.get("intro") or "", "started_by": list(data.get("started_by") or []),
            "due_days": str(data.get("due_days") or ""), "pdf": "yes" if data.get("pdf") else "no",
            "declarations": "\n".join(decl) if isinstance(decl, list) else ""}


# --- steps ------------------------------------------------------------------------------------

def add_step(data: dict, posted) -> tuple[dict, str]:
    """A new step at the end with its title, intro, Add More settings and a first question (a
    step needs one; the officer then edits it). Returns (new dict, the new step's key)."""
    new = copy.deepcopy(data)
    label = _text(posted, "first_label")
    step, errors = _step_values({}, posted)
    if not label:
        errors["first_label"] = "Enter the step's first question"
    if errors:
        raise Refused(errors)
    step["key"] = _unique_key(new, step["title"])
    step["fields"] = [{"name": _slug_name(label, set()), "type": "text", "label": label}]
    new.setdefault("steps", []).append(_ordered_step(step))
    return new, step["key"]


def set_step(data: dict, step_key: str, posted) -> dict:
    """Change a step's title, intro and Add More settings."""
    new = copy.deepcopy(data)
    step = step_of(new, step_key)
    values, errors = _step_values(step, posted)
    if errors:
        raise Refused(errors)
    step.clear()
    step.update(_ordered_step(values))
    return new


def step_values(step: dict) -> dict:
    """The step controls' values."""
    repeat = step.get("repeat")
    repeat = {} if not isinstance(repeat, dict) else repeat
    return {"step_title": step.get("title") or "", "step_intro": step.get("intro") or "",
            "repeat": "yes" if step.get("repeat") else "no",
            "repeat_min": str(repeat.get("min", "")), "repeat_max": str(repeat.get("max", "")),
            "repeat_label": repeat.get("label") or ""}


def _step_values(step: dict, posted) -> tuple[dict, dict]:
    errors, out = {}, dict(step)
    title = _text(posted, "step_title")
    if not title:
        errors["step_title"] = "Enter the step's title"
    out["title"] = title
    _set_or_drop(out, "intro", _text(posted, "step_intro", multiline=True))
    if _text(posted, "repeat") == "yes":
        if step.get("kind"):
            errors["repeat"] = "A built-in step (work details, child details) cannot have Add More rows"
        low, high = _text(posted, "repeat_min") or "1", _text(posted, "repeat_max") or str(DEFAULT_REPEAT_MAX)
        if not _whole(low):
            errors["repeat_min"] = "The fewest rows must be a whole number, 0 or more"
        if not _whole(high) or int(high) < 1 or int(high) > 100:
            errors["repeat_max"] = "The most rows must be a whole number from 1 to 100"
        if "repeat_min" not in errors and "repeat_max" not in errors and int(low) > int(high):
            errors["repeat_min"] = f"The fewest rows ({low}) cannot be more than the most ({high})"
        repeat = {"min": int(low) if _whole(low) else 1, "max": int(high) if _whole(high) else 1}
        _set_or_drop(repeat, "label", _text(posted, "repeat_label"))
        out["repeat"] = repeat
    else:
        out.pop("repeat", None)
    return out, errors


def _ordered_step(step: dict) -> dict:
    order = ("key", "title", "intro", "kind", "show_if", "repeat", "fields")
    return {k: step[k] for k in sorted(step, key=lambda k: order.index(k) if k in order else 99)}


def move_step(data: dict, step_key: str, direction: int) -> dict:
    """Move a step one place up (-1) or down (+1)."""
    new = copy.deepcopy(data)
    _swap(new.get("steps") or [], [s.get("key") for s in steps(new)], step_key, direction, "step")
    _check_order(new, "move")
    return new


def _swap(items: list, names: list, name: str, direction: int, what: str):
    """Swap ``items[name]`` with its neighbour above (-1) or below (+1), in place."""
    if name not in names:
        raise KeyError(name)
    index = names.index(name)
    target = index + (1 if direction > 0 else -1)
    if not 0 <= target < len(items):
        raise Refused({"move": f"The {what} is already " + ("last" if direction > 0 else "first")})
    items[index], items[target] = items[target], items[index]


def remove_step(data: dict, step_key: str) -> dict:
    """Remove a step, unless it is the only one or a condition elsewhere uses its answers."""
    new = copy.deepcopy(data)
    step = step_of(new, step_key)
    if len(steps(new)) == 1:
        raise Refused({"remove": "A form needs at least one step; add another before removing this one"})
    for field in step.get("fields") or []:
        users = [u for u in users_of(new, step_key, _name(field)) if u not in _labels(step)]
        if users:
            raise Refused({"remove": f"“{field.get('label') or _name(field)}” on this step is used "
                                     f"by the condition of {', '.join(users)}; change that first"})
    new["steps"] = [s for s in steps(new) if s.get("key") != step_key]
    return new


def _labels(step: dict) -> set[str]:
    return {f"“{f.get('label') or _name(f)}”" for f in step.get("fields") or []}


# --- fields -----------------------------------------------------------------------------------

def set_field(data: dict, step_key: str, posted, name: str | None = None) -> tuple[dict, str]:
    """Add a field to a step (``name`` None) or replace field ``name``, from the field page's
    controls. The type comes from the post; only the keys that type accepts are written.
    Returns (new dict, the field's name)."""
    new = copy.deepcopy(data)
    step = step_of(new, step_key)
    items = step.setdefault("fields", [])
    old = field_of(new, step_key, name) if name is not None else {}
    field, errors = _field_values(new, step, old, posted)
    if name is not None and field.get("name") != name and users_of(new, step_key, name):
        errors.setdefault("name", f"Other questions' conditions use the name “{name}”; "
                                  "change those conditions before renaming it")
    if errors:
        raise Refused(errors)
    if name is None:
        items.append(field)
    else:
        items[[_name(f) for f in items].index(name)] = field
    _check_order(new, "show_if")
    return new, field["name"]


def _field_values(data: dict, step: dict, old: dict, posted) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    type_name = _text(posted, "type")
    if type_name not in ft.known_types():
        return {}, {"type": "Choose the type of question"}
    taken = {_name(f) for f in step.get("fields") or []} - {_name(old)}
    name = _text(posted, "name")
    label = _text(posted, "label")
    if not name and type_name == "content":
        name = _slug_name("guidance", taken)
    elif not name and label:
        name = _slug_name(label, taken)
    if not name:
        errors["name"] = "Enter a name for the answer"
    elif not FIELD_NAME.fullmatch(name):
        errors["name"] = ("A name must be lower-case letters, digits and underscores, starting "
                          "with a letter, like school_name")
    elif name in taken:
        errors["name"] = f"This step already has a question named “{name}”; choose another name"
    field: dict = {"name": name, "type": type_name}
    controls = {c["key"] for c in controls_for(type_name)}
    if "label" in controls:
        if not label:
            errors["label"] = "Enter the question"
        field["label"] = label
        _set_or_drop(field, "hint", _text(posted, "hint", multiline=True))
        if _text(posted, "required") == "yes":
            field["required"] = True
    if "text" in controls:
        text = _text(posted, "text", multiline=True)
        if not text:
            errors["text"] = "Enter the guidance text"
        field["text"] = text
    if "options" in controls:
        _options(data, old, posted, field, errors, type_name)
    _numbers(posted, field, errors, controls, type_name)
    if "integer" in controls and _text(posted, "integer") == "yes":
        field["integer"] = True
    for key in ("prefix", "suffix", "autocomplete"):
        if key in controls:
            _set_or_drop(field, key, _text(posted, key))
    if "pattern" in controls and _text(posted, "pattern"):
        try:
            re.compile(_text(posted, "pattern"))
            field["pattern"] = _text(posted, "pattern")
        except re.error:
            errors["pattern"] = "The pattern is not a valid regular expression"
    if "date_rule" in controls:
        rule = _text(posted, "date_rule")
        if rule not in DATE_RULES:
            errors["date_rule"] = "Choose which dates are allowed"
        else:
            field.update(DATE_RULES[rule][1])
    if "accept" in controls and _text(posted, "accept"):
        accept = [a.strip().lstrip(".").lower() for a in _text(posted, "accept").split(",") if a.strip()]
        if not all(re.fullmatch(r"[a-z0-9]{1,10}", a) for a in accept):
            errors["accept"] = "List file extensions separated by commas, like pdf, docx"
        field["accept"] = accept
    if "width" in controls and _text(posted, "width"):
        if _text(posted, "width") not in ft.WIDTHS:
            errors["width"] = "Choose a width from the list"
        field["width"] = _text(posted, "width")
    _condition(data, step, old, posted, field, errors)
    return field, errors


def _options(data, old, posted, field, errors, type_name):
    shared = _text(posted, "options_list")
    lines = [line.strip() for line in _text(posted, "options", multiline=True).split("\n")
             if line.strip()]
    if shared:
        if shared not in (data.get("lists") or {}):
            errors["options"] = "Choose a shared list from the drop-down"
        field["options"] = shared
    elif lines:
        if len(set(lines)) != len(lines):
            twice = next(line for line in lines if lines.count(line) > 1)
            errors["options"] = f"The option “{twice}” is given twice"
        previous = old.get("options")
        if isinstance(previous, list) and [o.label for o in ft.options_from(previous)] == lines:
            field["options"] = copy.deepcopy(previous)  # unchanged: keep values and hints
        else:
            field["options"] = lines
    else:
        what = "drop-down list" if type_name == "select" else TYPE_NAMES.get(type_name, type_name).lower()
        errors["options"] = (f"A {what} question needs options: type one per line, or choose a "
                             "shared list")


def _whole(text) -> bool:
    """Plain digits only ("²".isdigit() is True, but int("²") fails)."""
    return re.fullmatch("[0-9]+", text) is not None


def _numbers(posted, field, errors, controls, type_name):
    numbers = {}
    for key in ("min", "max", "rows"):
        if key not in controls or not _text(posted, key):
            continue
        raw = _text(posted, key)
        try:
            value = float(raw) if type_name == "number" and key != "rows" else int(raw)
        except ValueError:
            value = None
        if value is not None and not math.isfinite(value):  # "inf", "nan", "1e400"
            value = None
        if value is not None and type_name == "number" and key != "rows" and value == int(value):
            value = int(value)
        if value is None or (type_name != "number" and value < 0) or (key == "rows" and not 1 <= value <= 50):
            errors[key] = {"min": "The minimum", "max": "The maximum", "rows": "Rows"}[key] + (
                " must be a number" if type_name == "number" else
                " must be a whole number from 1 to 50" if key == "rows" else
                " must be a whole number, 0 or more")
            continue
        numbers[key] = value
    if "min" in numbers and "max" in numbers and numbers["min"] > numbers["max"]:
        errors["min"] = "The minimum cannot be more than the maximum"
    field.update(numbers)


def _condition(data, step, old, posted, field, errors):
    raw = _text(posted, "show_if")
    if not raw:
        return
    if raw == condition_value(old.get("show_if")):
        field["show_if"] = copy.deepcopy(old["show_if"])
        return
    allowed = {item["value"] for item in condition_choices(data, step.get("key"), _name(old) or None)}
    if raw not in allowed:
        errors["show_if"] = ("Choose a question that comes before this one: a condition can only "
                             "use an earlier answer")
        return
    ref, values = json.loads(raw)
    field["show_if"] = {"field": ref, "equals": values[0]} if len(values) == 1 else \
        {"field": ref, "in": values}


def field_values(data: dict, field: dict) -> dict:
    """The field controls' values, as set_field reads them."""
    out = {k: "" if v is None else v for k, v in field.items() if not isinstance(v, (dict, list))}
    for key in ("required", "integer"):
        out[key] = "yes" if field.get(key) else ""
    for key in ("min", "max", "rows"):
        out[key] = "" if field.get(key) is None else str(field[key])
    options = field.get("options")
    out["options_list"] = options if isinstance(options, str) else ""
    out["options"] = "\n".join(o.label for o in ft.options_from(options)) \
        if isinstance(options, list) else ""
    out["accept"] = ", ".join(field.get("accept") or []) if isinstance(field.get("accept"), list) \
        else str(field.get("accept") or "")
    out["date_rule"] = next((k for k, (_, v) in DATE_RULES.items()
                             if v and all(field.get(a) == b for a, b in v.items())), "")
    out["show_if"] = condition_value(field.get("show_if"))
    return out


def move_field(data: dict, step_key: str, name: str, direction: int) -> dict:
    """Move a field one place up (-1) or down (+1) within its step."""
    new = copy.deepcopy(data)
    items = step_of(new, step_key).get("fields") or []
    _swap(items, [_name(f) for f in items], name, direction, "question")
    _check_order(new, "move")
    return new


def remove_field(data: dict, step_key: str, name: str) -> dict:
    """Remove a field, unless a condition uses its answer or it is the step's only one."""
    new = copy.deepcopy(data)
    step = step_of(new, step_key)
    field = field_of(new, step_key, name)
    users = users_of(new, step_key, name)
    if users:
        raise Refused({"remove": f"“{field.get('label') or name}” is used by the condition of "
                                 f"{', '.join(users)}; change or remove that condition first"})
    if len(step.get("fields") or []) == 1 and not step.get("kind"):
        raise Refused({"remove": "A step needs at least one question; add another before "
                                 "removing this one, or remove the step"})
    step["fields"] = [f for f in step["fields"] if _name(f) != name]
    return new


def copy_field(data: dict, step_key: str, field: dict, lists: dict | None = None) -> tuple[dict, str]:
    """Put a copy of a question-bank field at the end of a step. Its name gets a number when the
    step already has one like it; a shared list it names is copied in unless this form has a
    list of that name; its condition (about another form's answers) is dropped."""
    new = copy.deepcopy(data)
    step = step_of(new, step_key)
    if step.get("kind") == "work_profile":
        raise Refused({"copy": "The work details step takes no questions"})
    copied = {k: copy.deepcopy(v) for k, v in field.items() if k != "show_if"}
    copied["name"] = _slug_name(_name(field) or "question", {_name(f) for f in step.get("fields") or []})
    options = copied.get("options")
    if isinstance(options, str) and options not in (new.get("lists") or {}):
        if not (lists or {}).get(options):
            raise Refused({"copy": f"The question uses the shared list “{options}”, which this "
                                   "form does not have"})
        new.setdefault("lists", {})[options] = copy.deepcopy(lists[options])
    step.setdefault("fields", []).append(copied)
    return new, copied["name"]


def bank_id(item) -> str:
    """A question-bank item's identity in a post: form key, step title and field name."""
    return "|".join((item.form_key, item.step_title, _name(item.field)))


def bank_item(items, ident: str):
    """The question-bank item ``ident`` names, or None."""
    return next((item for item in items if bank_id(item) == ident), None)


# --- small helpers ----------------------------------------------------------------------------

def _text(posted, key: str, *, multiline: bool = False) -> str:
    value = posted.get(key, "") if hasattr(posted, "get") else ""
    return ft.clean_text(str(value or "")[:ft.RAW_KEEP_LIMIT], multiline=multiline)


def _list(posted, key: str) -> list[str]:
    return [ft.clean_text(v) for v in ft.getlist(posted, key)]


def _set_or_drop(mapping: dict, key: str, value):
    if value in (None, "", []):
        mapping.pop(key, None)
    else:
        mapping[key] = value


def _slug_name(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40].strip("_") or "question"
    if not base[0].isalpha():
        base = f"q_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _unique_key(data: dict, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-") or "step"
    if not KEBAB.fullmatch(base) or base in RESERVED_STEPS:
        base = f"step-{base}".strip("-")
    taken = {s.get("key") for s in steps(data)}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key
