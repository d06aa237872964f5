"""The journey through one form instance: which steps show, what is complete, where to go next.

Answers are stored as JSON:

    {
      "<step key>": {"<field name>": <value>, ...},                 # an ordinary step
      "<repeat step key>": [{"<field name>": <value>, ...}, ...],   # an Add More step: rows
    }

A step dict or a row dict may also hold ``"_raw": {"<field name>": <raw input>}``: what the user
typed for a field whose input was invalid (see save_step). Keys starting with "_" are never
answers.

Every form ends with a Summary step ("check your answers") that is not in the YAML; its key is
SUMMARY. The declaration and Submit sit on the Summary page.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import fields as ft
from .schema import Condition, Field, Form, Step

SUMMARY = "summary"
SUMMARY_STEP = Step(key=SUMMARY, title="Summary", kind="summary")
RAW = "_raw"


@dataclass(frozen=True)
class SummaryRow:
    """One line of "check your answers". ``anchor`` is the input id a Change link points at."""

    label: str
    text: str
    name: str
    anchor: str
    files: tuple = ()  # a file field's attachments, as ``file_info(id)`` describes them


    def __iter__(self):
        # Lets a template or test unpack a row as (label, text).
        return iter((self.label, self.text))


@dataclass(frozen=True)
class SummaryItem:
    """A group of rows: the whole of an ordinary step (title None), or one Add More row."""

    title: str | None
    rows: tuple[SummaryRow, ...]
    index: int | None = None


@dataclass(frozen=True)
class SummarySection:
    """One step on the Summary page."""

    step_key: str
    title: str
    items: tuple[SummaryItem, ...]

    @property
    def rows(self) -> list[SummaryRow]:
        """Every row of every item, for a flat list (PDF, tests)."""
        return [row for item in self.items for row in item.rows]


def _answers_for(answers: Mapping | None, step: Step):
    value = (answers or {}).get(step.key)
    if step.repeat:
        return value if isinstance(value, list) else []
    return value if isinstance(value, dict) else {}


class Journey:
    """A form plus its saved answers. Cheap to build: make a new one after every save.

    The answers are treated as fixed for the Journey's life: step errors and visibility are
    worked out once and remembered, because a step bar asks about every step and each question
    walks the steps before it (quadratic without the memo).
    """

    def __init__(self, form: Form, answers: Mapping | None = None, *,
                 today: dt.date | None = None):
        self.form = form
        self.answers = answers or {}
        self.today = today
        self._errors_memo: dict[str, dict[str, str]] = {}
        self._visible_memo: list[Step] | None = None

    # Visibility -----------------------------------------------------------------------------

    def _condition_value(self, cond: Condition, step: Step, row: Mapping | None):
        """The stored answer a condition looks at, or None when that answer is hidden or absent."""
        if cond.step is None:
            values = row if row is not None else _answers_for(self.answers, step)
            target_step = step
        else:
            try:
                target_step = self.form.step(cond.step)
            except KeyError:
                return None
            if not self.step_visible(cond.step):
                return None
            values = _answers_for(self.answers, target_step)
        if not isinstance(values, Mapping):
            return None
        try:
            target = target_step.field(cond.name)
        except KeyError:
            return None
        if not self._field_shown(target_step, target, values):
            return None
        if cond.name in values.get(RAW, {}):
            return None
        return values.get(cond.name)

    def _field_shown(self, step: Step, field: Field, values: Mapping) -> bool:
        if field.show_if is None:
            return True
        if field.show_if.step is None:
            # Same step (same row): follow the chain inside the given values.
            try:
                target = step.field(field.show_if.name)
            except KeyError:
                return False
            if not self._field_shown(step, target, values) or field.show_if.name in values.get(RAW, {}):
                return False
            return field.show_if.matches(values.get(field.show_if.name))
        return field.show_if.matches(self._condition_value(field.show_if, step, values))

    def step_visible(self, step_key: str) -> bool:
        """True unless the step's show_if hides it. The Summary is always visible."""
        if step_key == SUMMARY:
            return True
        step = self.form.step(step_key)
        if step.show_if is None:
            return True
        return step.show_if.matches(self._condition_value(step.show_if, step, None))

    def visible_steps(self, *, include_summary: bool = True) -> list[Step]:
        """The steps the user walks through, in order, ending with the Summary step."""
        if self._visible_memo is None:
            self._visible_memo = [s for s in self.form.steps if self.step_visible(s.key)]
        steps = list(self._visible_memo)
        return steps + [SUMMARY_STEP] if include_summary else steps

    def step(self, step_key: str) -> Step:
        """The Step for a key, including SUMMARY; KeyError if unknown."""
        return SUMMARY_STEP if step_key == SUMMARY else self.form.step(step_key)

    def step_number(self, step_key: str) -> int:
        """1-based position among the visible steps ("Step 3 of 14")."""
        return [s.key for s in self.visible_steps()].index(step_key) + 1

    def visible_fields(self, step_key: str, row: int | None = None) -> list[Field]:
        """The fields that show now, given saved answers (for a repeat step: in that row).

        With JavaScript off the web layer may render every field and let conditional reveals
        handle the rest; this is what completeness and the summary use.
        """
        step = self.form.step(step_key)
        values = self._values(step, row)
        return [f for f in step.fields if self._field_shown(step, f, values)]

    def _values(self, step: Step, row: int | None) -> Mapping:
        stored = _answers_for(self.answers, step)
        if step.repeat:
            if row is None or row >= len(stored) or not isinstance(stored[row], Mapping):
                return {}
            return stored[row]
        return stored

    # Rows -----------------------------------------------------------------------------------

    def row_count(self, step_key: str) -> int:
        """How many Add More rows to render: the saved rows, but at least ``repeat.min`` (and 1)."""
        step = self.form.step(step_key)
        if not step.repeat:
            return 1
        return max(len(_answers_for(self.answers, step)), step.repeat.min, 1)

    def can_add_row(self, step_key: str) -> bool:
        """Whether to offer "Add More"."""
        step = self.form.step(step_key)
        return bool(step.repeat) and self.row_count(step_key) < step.repeat.max

    def can_remove_row(self, step_key: str) -> bool:
        """Whether to offer "Remove" on rows (removing the last row leaves an empty one)."""
        step = self.form.step(step_key)
        return bool(step.repeat) and self.row_count(step_key) > 0

    # Values for rendering -------------------------------------------------------------------

    def form_values(self, step_key: str, row: int | None = None) -> dict[str, Any]:
        """name -> what each input should show: the user's invalid raw input if any, else the
        stored value in input shape (date: {"day", "month", "year"}; checkboxes/file: list)."""
        step = self.form.step(step_key)
        values = self._values(step, row)
        raw = values.get(RAW, {}) if isinstance(values, Mapping) else {}
        out = {}
        for f in step.value_fields:
            out[f.name] = raw[f.name] if f.name in raw else ft.form_value(f, values.get(f.name))
        return out

    def errors(self, step_key: str) -> dict[str, str]:
        """Input name -> message for the saved answers of a step, ignoring hidden fields.

        For a repeat step the names are "<field>-<row>"; missing rows give "_rows".
        """
        if step_key not in self._errors_memo:
            self._errors_memo[step_key] = self._step_errors(step_key)
        return dict(self._errors_memo[step_key])

    def _step_errors(self, step_key: str) -> dict[str, str]:
        step = self.form.step(step_key)
        if step.repeat:
            rows = _answers_for(self.answers, step)
            errors = {}
            for i in range(max(len(rows), step.repeat.min)):
                row = rows[i] if i < len(rows) and isinstance(rows[i], Mapping) else {}
                for name, message in self._row_errors(step, row).items():
                    errors[f"{name}-{i}"] = message
            return errors
        return self._row_errors(step, _answers_for(self.answers, step))

    def _row_errors(self, step: Step, values: Mapping) -> dict[str, str]:
        errors = {}
        raw = values.get(RAW, {})
        for f in step.value_fields:
            if not self._field_shown(step, f, values):
                continue
            if f.name in raw:
                # The stored value is gone and the typed one is invalid: re-check the raw input
                # so the message matches what the user sees.
                error = ft.clean_raw(f, raw[f.name], today=self.today).error
                errors[f.name] = error or ft.get_type(f.type).required_message(f)
                continue
            error = ft.validate_value(f, values.get(f.name), today=self.today)
            if error:
                errors[f.name] = error
        return errors

    # Completeness and navigation ------------------------------------------------------------

    def is_complete(self, step_key: str) -> bool:
        """All visible required fields answered validly; repeat steps need ``min`` complete rows.

        The Summary step is never "complete": it is where the form is submitted.
        """
        if step_key == SUMMARY:
            return False
        step = self.form.step(step_key)
        if step.key not in self.answers:
            # A step nobody has saved is not complete even when nothing in it is required:
            # "complete" means the user has been through it.
            return False
        if step.repeat and len(_answers_for(self.answers, step)) < step.repeat.min:
            return False
        return not self.errors(step_key)

    def all_complete(self) -> bool:
        """Every visible step of the form (not the Summary) is complete."""
        return all(self.is_complete(s.key) for s in self.visible_steps(include_summary=False))

    def first_incomplete(self) -> str:
        """The first visible step that is not complete; SUMMARY when every step is."""
        for s in self.visible_steps(include_summary=False):
            if not self.is_complete(s.key):
                return s.key
        return SUMMARY

    def can_visit(self, step_key: str) -> bool:
        """A visible step may be visited if it is complete or every step before it is.

        That lets users go back to anything they have done, and forward only as far as the
        first step still to do (GOV.UK Forms runner). Hidden steps may not be visited.
        """
        keys = [s.key for s in self.visible_steps()]
        if step_key not in keys:
            return False
        if step_key != SUMMARY and self.is_complete(step_key):
            return True
        return keys.index(step_key) <= keys.index(self.first_incomplete())

    def status(self, step_key: str) -> str:
        """For a task list: "complete", "incomplete" (may visit) or "cannot-start"."""
        if self.is_complete(step_key):
            return "complete"
        return "incomplete" if self.can_visit(step_key) else "cannot-start"

    def next_step(self, step_key: str) -> str | None:
        """The visible step after ``step_key`` (SUMMARY after the last); None after SUMMARY."""
        keys = [s.key for s in self.visible_steps()]
        if step_key not in keys:
            # A step just hidden by its own answers: continue from where it sits in the form.
            order = list(self.form.step_keys) + [SUMMARY]
            later = order[order.index(step_key) + 1:]
            return next((k for k in later if k in keys), None)
        index = keys.index(step_key)
        return keys[index + 1] if index + 1 < len(keys) else None

    def previous_step(self, step_key: str) -> str | None:
        """The visible step before ``step_key``; None for the first."""
        keys = [s.key for s in self.visible_steps()]
        if step_key not in keys:
            order = list(self.form.step_keys) + [SUMMARY]
            earlier = order[:order.index(step_key)]
            return next((k for k in reversed(earlier) if k in keys), None)
        index = keys.index(step_key)
        return keys[index - 1] if index > 0 else None

    def missing_for_submit(self) -> list[tuple[str, str]]:
        """(step key, message) for everything that stops submission; empty when it may go.

        Missing required files are named one by one (a school's request cannot go without the
        Parental Consent form); other incomplete steps get one line each.
        """
        missing: list[tuple[str, str]] = []
        for step in self.visible_steps(include_summary=False):
            if self.is_complete(step.key):
                continue
            if step.repeat and len(_answers_for(self.answers, step)) < step.repeat.min:
                missing.append((step.key, f"Add at least {step.repeat.min} "
                                          f"{step.row_label.lower()} in {step.title}"))
                continue
            errors = self.errors(step.key)
            files = [] if step.repeat else [
                f.name for f in self.visible_fields(step.key) if f.type == "file" and f.name in errors]
            missing.extend((step.key, errors[name]) for name in files)
            if not files or set(errors) - set(files):
                missing.append((step.key, f"Complete {step.title}"))
        return missing

    # Summary --------------------------------------------------------------------------------

    def summary(self, *, file_name: Callable[[Any], str | None] | None = None,
                work_profile: Callable[[Any], str | None] | None = None,
                file_info: Callable[[Any], Any] | None = None) -> list[SummarySection]:
        """The "check your answers" sections for every visible step.

        ``file_name(attachment_id)`` names an uploaded file; ``work_profile(id)`` describes a
        work profile (e.g. "Lesley Harris, Project Support, Coventry City Council");
        ``file_info(id)`` describes a file for a link (``SummaryRow.files``; None: left out). Hidden
        fields and guidance text are left out; empty answers read "Not provided".
        """
        sections = []
        for step in self.visible_steps(include_summary=False):
            if step.repeat:
                rows = _answers_for(self.answers, step)
                items = tuple(
                    SummaryItem(f"{step.row_label} {i + 1}",
                                self._summary_rows(step, row if isinstance(row, Mapping) else {}, i,
                                                   file_name, work_profile, file_info), i)
                    for i, row in enumerate(rows))
            else:
                values = _answers_for(self.answers, step)
                items = (SummaryItem(None, self._summary_rows(step, values, None, file_name,
                                                              work_profile, file_info)),)
            sections.append(SummarySection(step.key, step.title, items))
        return sections

    def _summary_rows(self, step: Step, values: Mapping, row: int | None, file_name,
                      work_profile, file_info=None) -> tuple[SummaryRow, ...]:
        out = []
        raw = values.get(RAW, {})
        for f in step.value_fields:
            if not self._field_shown(step, f, values):
                continue
            value = None if f.name in raw else values.get(f.name)
            if f.type == "work_profile" and work_profile and not ft.is_empty(value):
                text = work_profile(value) or str(value)
            else:
                text = ft.summary_text(f, value, file_name)
            files = ()
            if f.type == "file" and file_info and isinstance(value, list):
                files = tuple(info for info in map(file_info, value) if info is not None)
            out.append(SummaryRow(f.label, text, f.name, f.input_id(row), files))
        return tuple(out)


# --- saving -----------------------------------------------------------------------------------

_ROW_NAME = re.compile(r"(?P<name>[a-z][a-z0-9_]*)-(?P<row>[0-9]{1,4})(?:-(?:day|month|year))?")


def _posted_names(raw: Any) -> list[str]:
    if raw is None:
        return []
    return list(raw.keys())


def save_step(form: Form, answers: Mapping | None, step_key: str, raw: Any, *,
              add_row: bool = False, remove_row: int | None = None, partial: bool = False,
              today: dt.date | None = None) -> tuple[dict, dict[str, str]]:
    """Clean and check one step's posted data; returns (new answers, errors).

    ``raw`` is the posted form: a mapping of name -> list of strings, or a MultiDict. It should
    hold the whole step (the step's <form>), because a field absent from it is taken as emptied
    (an unticked checkbox posts nothing). With ``partial=True`` only fields present in ``raw``
    change. Names that are not fields of this step are ignored.

    Add More steps post ``<field>-<row>`` (``name-0``, ``name-1``; a date ``dob-0-day``).
    ``add_row`` appends an empty row (up to max); ``remove_row=i`` deletes row i, and a group
    left below its min gets empty rows back. Trailing rows left completely empty beyond min are
    dropped on an ordinary save, so an unused "Add More" row never blocks Save & Continue.

    Nothing the user typed is lost: valid answers are stored at once even when other fields
    have errors; an invalid answer is not stored as a value — its raw input is kept under
    "_raw" in the step (or row) so the page shows what was typed, and the step stays
    incomplete until it is fixed. Hidden fields are not checked; a valid value posted for one is
    kept, an invalid one dropped.

    Errors map input names (``name``, or ``name-<row>`` in an Add More step) to messages; on a
    date the web layer links the message to ``<name>-day`` (Field.input_id).
    """
    step = form.step(step_key)
    new_answers = copy.deepcopy(dict(answers or {}))
    journey = Journey(form, new_answers, today=today)
    if not step.repeat:
        before = new_answers.get(step.key)
        values, errors = _save_values(journey, step, before if isinstance(before, dict) else {},
                                      raw, None, partial, today)
        new_answers[step.key] = values
        return new_answers, errors

    stored = [r if isinstance(r, dict) else {} for r in _answers_for(new_answers, step)]
    posted_rows = set()
    for name in _posted_names(raw):
        match = _ROW_NAME.fullmatch(str(name))
        if match and int(match["row"]) < step.repeat.max:
            try:
                step.field(match["name"])
            except KeyError:
                continue
            posted_rows.add(int(match["row"]))
    count = max([len(stored), step.repeat.min] + [r + 1 for r in posted_rows])
    count = min(count, step.repeat.max)
    rows: list[dict] = []
    row_errors: list[dict[str, str]] = []
    for i in range(count):
        before = stored[i] if i < len(stored) else {}
        # With partial=True a row that was not posted at all stays as it was.
        if partial and i not in posted_rows:
            rows.append(before)
            row_errors.append({})
            continue
        values, errors = _save_values(journey, step, before, raw, i, partial, today)
        rows.append(values)
        row_errors.append(errors)
    if remove_row is not None and 0 <= remove_row < len(rows):
        del rows[remove_row]
        del row_errors[remove_row]
    elif not add_row:
        while len(rows) > step.repeat.min and _row_is_empty(rows[-1]):
            rows.pop()
            row_errors.pop()
    while len(rows) < step.repeat.min:
        rows.append({})
        row_errors.append({})
    if add_row and len(rows) < step.repeat.max:
        rows.append({})
        row_errors.append({})
    if remove_row is not None and not rows:
        rows.append({})
        row_errors.append({})
    new_answers[step.key] = rows
    errors = {f"{name}-{i}": message
              for i, errs in enumerate(row_errors) for name, message in errs.items()}
    return new_answers, errors


def _row_is_empty(row: Mapping) -> bool:
    return all(ft.is_empty(v) for k, v in row.items() if k != RAW) and not row.get(RAW)


def _field_posted(field: Field, raw: Any, base: str) -> bool:
    names = set(map(str, _posted_names(raw)))
    if field.type == "date":
        return any(f"{base}-{p}" in names for p in ("day", "month", "year"))
    return base in names


def _save_values(journey: Journey, step: Step, before: Mapping, raw: Any, row: int | None,
                 partial: bool, today) -> tuple[dict, dict[str, str]]:
    values = {k: v for k, v in before.items() if k != RAW}
    raw_kept = dict(before.get(RAW, {}))
    cleaned = {}
    for f in step.value_fields:
        base = f.input_name(row)
        if partial and not _field_posted(f, raw, base):
            continue
        cleaned[f.name] = ft.clean_field(f, raw, base, today=today)
        result = cleaned[f.name]
        if result.value is None:
            values.pop(f.name, None)
        else:
            values[f.name] = result.value
        raw_kept.pop(f.name, None)
        if result.error and not result.blank:
            raw_kept[f.name] = result.raw
    if raw_kept:
        values[RAW] = raw_kept
    # Visibility is decided on the new values, so answering "Yes" reveals and checks its
    # follow-up question in the same save.
    errors = {}
    for f in step.value_fields:
        if f.name not in cleaned:
            continue
        if not journey._field_shown(step, f, values):
            if f.name in raw_kept:
                del raw_kept[f.name]
            continue
        if cleaned[f.name].error:
            errors[f.name] = cleaned[f.name].error
    if not raw_kept:
        values.pop(RAW, None)
    return values, errors


def prefill_child_details(form: Form, answers: Mapping | None, person: Mapping[str, Any]) -> dict:
    """Fill unanswered child_details fields from the Person (web layer passes a plain dict).

    ``person`` uses the built-in field names (forename, surname, date_of_birth as
    "YYYY-MM-DD", gender, current_school, ...). Answers the user already gave win.
    """
    new_answers = copy.deepcopy(dict(answers or {}))
    for step in form.steps:
        if step.kind != "child_details":
            continue
        values = new_answers.setdefault(step.key, {})
        for f in step.value_fields:
            value = person.get(f.name)
            if ft.is_empty(values.get(f.name)) and not ft.is_empty(value):
                values[f.name] = value
    return new_answers


def check_declarations(statements, raw: Any) -> dict[str, str]:
    """Errors for unticked "I agree" boxes, posted as ``agree-<i>`` (any non-empty value)."""
    errors = {}
    for i, _statement in enumerate(statements):
        if not ft.getone(raw, f"agree-{i}"):
            errors[f"agree-{i}"] = "Select “I agree” to confirm this statement"
    return errors
