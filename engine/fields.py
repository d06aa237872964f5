"""The field-type registry: what each question type accepts, how it is checked, how it reads back.

A field type turns the strings a browser posted into the JSON value that is stored, checks that
value against the field's schema options, and turns a stored value back into text for "check your
answers" and back into input values for re-rendering a page. The registry refuses unknown types,
so a schema that names a type nobody implemented fails when it is loaded, not when a user meets it.

Everything here is framework-free: posted data is any mapping of name -> list of strings (a plain
dict, or anything with a ``getlist`` method such as a werkzeug MultiDict).

Stored values by type:
    text, textarea, email, tel, postcode, time, select, radios, yesno   -> str
    number                                                               -> int or float
    date                                                                 -> "YYYY-MM-DD"
    checkboxes                                                           -> list[str]
    file                                                                 -> list of attachment ids
    work_profile (built-in, used by the work_profile step kind)          -> int or str id
    content                                                              -> nothing is stored
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

NOT_PROVIDED = "Not provided"

# Defaults chosen so a pasted essay fails with a clear message rather than a database error.
# A schema can set its own `max`; these apply only when it does not.
DEFAULT_MAX_LENGTH = {"text": 500, "textarea": 10000, "email": 320}
# Hard ceiling on how many characters of any single posted value are looked at: anything longer is
# certainly invalid, and this keeps a hostile 10 MB post from being kept as "raw" input.
RAW_KEEP_LIMIT = 20000

WIDTHS = frozenset({"2", "3", "4", "5", "10", "20", "30", "full", "three-quarters",
                    "two-thirds", "one-half", "one-third", "one-quarter"})

YES_NO = ("Yes", "No")

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


class UnknownFieldType(KeyError):
    """Raised when a type name is not in the registry."""

    def __str__(self):
        return f"unknown field type {self.args[0]!r} (known types: {', '.join(known_types())})"


@dataclass(frozen=True)
class Option:
    """One choice of a select, radios, checkboxes or time field."""

    value: str
    label: str
    hint: str | None = None


# --- helpers on posted data -------------------------------------------------------------------

def getlist(form: Any, name: str) -> list[str]:
    """Every value posted under ``name``: works for MultiDict-likes and plain dicts of lists."""
    if form is None:
        return []
    if hasattr(form, "getlist"):
        values = form.getlist(name)
    else:
        values = form.get(name)
        if values is None:
            values = []
        elif isinstance(values, (str, bytes)):
            values = [values]
    out = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        out.append(str(value)[:RAW_KEEP_LIMIT])
    return out


def getone(form: Any, name: str) -> str:
    """The first value posted under ``name``, or ""."""
    values = getlist(form, name)
    return values[0] if values else ""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Trim, normalise line endings and drop control characters.

    HTML such as ``<script>`` is kept exactly as typed: answers are plain text and the templates
    escape on output, so altering it here would only corrupt what the user wrote.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    if not multiline:
        value = re.sub(r"[\n\t]+", " ", value)
    return value.strip()


# --- labels in messages -----------------------------------------------------------------------

_QUESTION_LEAD = re.compile(r"^(what is|what's|what are)\s+", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


@functools.lru_cache(maxsize=4096)
def tidy_label(label: str) -> str:
    """The label as it reads inside a sentence: "Date of Birth:" -> "date of birth".

    Trailing ":" / "?" go, a leading "What is" goes ("Enter the young person's number"), and
    Capitalised words are lowered while acronyms (EHC, SENCo, NHS) and "I" keep their case.
    """
    text = (label or "").strip().rstrip(":?").strip()
    text = _QUESTION_LEAD.sub("", text)

    def lower(match):
        word = match.group(0)
        if word == "I" or not re.fullmatch(r"[A-Z][a-z']*", word):
            return word
        return word.lower()

    return _WORD.sub(lower, text) or "an answer"


def capital(text: str) -> str:
    """Sentence case: the first letter upper case, the rest untouched."""
    return text[:1].upper() + text[1:]


# --- the field types --------------------------------------------------------------------------

# --- The portal's one set of rules for contact details ------------------------------------------
# services/kernel/checks.py re-exports these (the engine may not import services), so a form field
# and a WTForms view check an email, phone or postcode the same way.

EMAIL_MAX = 254  # RFC 5321's limit on a whole address
# No spaces, quotes, angle brackets, commas, semicolons, colons, brackets or backslashes anywhere;
# one @; a dot in the domain and a top-level domain of two characters or more.
_EMAIL_CHAR = r"[^\s@<>\"(),;:\[\]\\]"
EMAIL_PATTERN = re.compile(rf"^{_EMAIL_CHAR}+@{_EMAIL_CHAR}+\.[^\s@<>\"(),;:\[\]\\.]{{2,}}$")
# Digits, spaces, brackets and hyphens (one leading +), and 7 to 20 digits in all.
PHONE_PATTERN = re.compile(r"^(?=(?:\D*\d){7,20}\D*$)\+?[0-9 ()\-]+$")
# A UK postcode (GIR 0AA included), any case, with or without its one space.
POSTCODE_PATTERN = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$",
                              re.IGNORECASE)


def is_email(text: str) -> bool:
    """Whether ``text`` (already trimmed) is an email address the portal can send to."""
    return len(text or "") <= EMAIL_MAX and bool(EMAIL_PATTERN.match(text or ""))


def is_phone(text: str) -> bool:
    """Whether ``text`` (already trimmed) is a telephone number (UK or international)."""
    return bool(PHONE_PATTERN.match(text or ""))


def normalise_postcode(text: str) -> str | None:
    """``text`` as a UK postcode in capitals with one space ("ts181au" -> "TS18 1AU"), or None.

    Stored in the one canonical form so searches and letters agree.
    """
    compact = re.sub(r"\s+", "", text or "").upper()
    if len(compact) > 7 or not POSTCODE_PATTERN.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def real_date(day: str, month: str, year: str) -> dt.date | None:
    """The date in three GOV.UK date boxes (month a number or a name, four-digit year), or None.

    The one day/month/year rule: services/kernel/checks.py builds its messages on it.
    """
    day, month, year = (clean_text(str(p or "")).lower() for p in (day, month, year))
    if not re.fullmatch(r"[0-9]{1,2}", day) or not re.fullmatch(r"[0-9]{4}", year):
        return None
    if month in MONTHS:
        month_number = MONTHS[month]
    elif re.fullmatch(r"[0-9]{1,2}", month):
        month_number = int(month)
    else:
        return None
    try:
        return dt.date(int(year), month_number, int(day))
    except ValueError:
        return None


class FieldType:
    """Base class: a single-line text answer. Subclasses override what differs.

    Attributes the web layer uses to render an input:
        name          the type name; templates have one macro per type name
        html_type     the <input type> to use
        inputmode     the inputmode attribute, if any
        autocomplete  the default autocomplete attribute, if any
        has_value     False for read-only content
    Attributes the schema loader uses:
        keys          schema keys this type accepts beyond the common ones
        needs_options True when the field must have `options`
        internal      True for built-in types a YAML file may not use directly
    """

    name = "text"
    html_type = "text"
    inputmode: str | None = None
    autocomplete: str | None = None
    has_value = True
    keys: frozenset = frozenset({"min", "max", "pattern", "autocomplete"})
    needs_options = False
    internal = False
    multiline = False

    # Reading the post ---------------------------------------------------------------------

    def extract(self, field, form: Any, base: str):
        """The raw input for one field from the post: a string for most types."""
        return getone(form, base)

    def is_blank(self, raw) -> bool:
        """True when the user gave no answer."""
        return clean_text(raw or "", multiline=self.multiline) == ""

    def convert(self, field, raw, today: dt.date):
        """Turn a non-blank raw input into (value, error message or None)."""
        value = clean_text(raw, multiline=self.multiline)
        error = self.check_length(field, value)
        if error:
            return None, error
        if field.pattern and not re.fullmatch(field.pattern, value):
            return None, f"Enter {tidy_label(field.label)} in the correct format"
        return value, None

    def check_length(self, field, value: str) -> str | None:
        """GOV.UK length messages, using the schema's min/max or this type's default max."""
        maximum = field.max if field.max is not None else DEFAULT_MAX_LENGTH.get(self.name)
        label = capital(tidy_label(field.label))
        if maximum is not None and len(value) > maximum:
            return f"{label} must be {maximum:,} characters or fewer"
        if field.min is not None and len(value) < field.min:
            return f"{label} must be {field.min:,} characters or more"
        return None

    def required_message(self, field) -> str:
        return f"Enter {tidy_label(field.label)}"

    # Reading back ----------------------------------------------------------------------------

    def to_form(self, field, value):
        """The stored value as the input(s) should show it when the page is re-rendered."""
        return "" if value is None else str(value)

    def summary(self, field, value, file_name: Callable | None = None) -> str:
        """Text for "check your answers"."""
        if is_empty(value):
            return NOT_PROVIDED
        return str(value)


class TextareaType(FieldType):
    name = "textarea"
    keys = frozenset({"min", "max", "pattern", "rows"})
    multiline = True


class EmailType(FieldType):
    name = "email"
    html_type = "email"
    autocomplete = "email"
    keys = frozenset({"max", "autocomplete"})  # "off" for someone else's address

    def convert(self, field, raw, today):
        value = clean_text(raw)
        error = self.check_length(field, value)
        if error:
            return None, error
        if not is_email(value):
            return None, "Enter an email address in the correct format, like name@example.com"
        return value, None


class TelType(FieldType):
    name = "tel"
    html_type = "tel"
    autocomplete = "tel"
    keys = frozenset({"autocomplete"})  # "off" for someone else's number

    def convert(self, field, raw, today):
        value = re.sub(r"\s+", " ", clean_text(raw))
        if not is_phone(value):
            return None, ("Enter a telephone number, like 01632 960 001, 07700 900 982 or "
                          "+44 808 157 0192")
        return value, None


class PostcodeType(FieldType):
    name = "postcode"
    autocomplete = "postal-code"
    keys = frozenset({"autocomplete"})

    def convert(self, field, raw, today):
        value = normalise_postcode(clean_text(raw))
        if value is None:
            return None, "Enter a real postcode"
        return value, None


class NumberType(FieldType):
    name = "number"
    inputmode = "decimal"
    keys = frozenset({"min", "max", "integer", "prefix", "suffix"})
    _valid = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")

    def convert(self, field, raw, today):
        text = clean_text(raw).replace(",", "").replace(" ", "")
        label = capital(tidy_label(field.label))
        if len(text) > 30 or not self._valid.fullmatch(text):
            return None, f"{label} must be a number"
        if "." in text:
            if field.integer:
                return None, f"{label} must be a whole number"
            number = float(text)
            value = int(number) if number.is_integer() else number
        else:
            value = int(text)
        if field.min is not None and value < field.min:
            return None, f"{label} must be {_num(field.min)} or more"
        if field.max is not None and value > field.max:
            return None, f"{label} must be {_num(field.max)} or less"
        return value, None

    def to_form(self, field, value):
        return "" if value is None else _num(value)

    def summary(self, field, value, file_name=None):
        if is_empty(value):
            return NOT_PROVIDED
        return " ".join(p for p in (field.prefix or "", _num(value), field.suffix or "") if p)


def _num(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


class DateType(FieldType):
    """Three inputs named <base>-day, <base>-month, <base>-year (GOV.UK date input)."""

    name = "date"
    keys = frozenset({"past", "future"})
    parts = ("day", "month", "year")

    def extract(self, field, form, base):
        return {part: getone(form, f"{base}-{part}") for part in self.parts}

    def is_blank(self, raw):
        return not any(clean_text(str(raw.get(p, "") or "")) for p in self.parts)

    def convert(self, field, raw, today):
        label = capital(tidy_label(field.label))
        parts = {p: clean_text(str(raw.get(p, "") or "")) for p in self.parts}
        missing = [p for p in self.parts if not parts[p]]
        if missing:
            words = " and ".join(missing) if len(missing) < 3 else "day, month and year"
            return None, f"{label} must include a {words}"
        value = real_date(parts["day"], parts["month"], parts["year"])
        if value is None:
            return None, f"{label} must be a real date"
        if field.past is True and not value < today:
            return None, f"{label} must be in the past"
        if field.future is False and value > today:
            return None, f"{label} must be today or in the past"
        if field.future is True and not value > today:
            return None, f"{label} must be in the future"
        if field.past is False and value < today:
            return None, f"{label} must be today or in the future"
        return value.isoformat(), None

    def to_form(self, field, value):
        try:
            d = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return {p: "" for p in self.parts}
        return {"day": str(d.day), "month": str(d.month), "year": str(d.year)}

    def summary(self, field, value, file_name=None):
        if is_empty(value):
            return NOT_PROVIDED
        try:
            d = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
        return f"{d.day} {calendar.month_name[d.month]} {d.year}"


class ChoiceType(FieldType):
    """A single choice among the field's options (select, radios)."""

    name = "select"
    keys = frozenset({"options"})
    needs_options = True

    def required_message(self, field):
        return f"Select {tidy_label(field.label)}"

    def convert(self, field, raw, today):
        value = clean_text(raw)
        for option in field.options:
            if value == option.value:
                return option.value, None
        return None, self.required_message(field)

    def summary(self, field, value, file_name=None):
        if is_empty(value):
            return NOT_PROVIDED
        return _option_label(field, value)


def _option_label(field, value) -> str:
    for option in field.options:
        if option.value == value:
            return option.label
    return str(value)


class RadiosType(ChoiceType):
    name = "radios"


class YesNoType(ChoiceType):
    """Radios with the fixed options Yes and No."""

    name = "yesno"
    keys = frozenset()
    needs_options = False

    def convert(self, field, raw, today):
        value = clean_text(raw).capitalize()
        if value in YES_NO:
            return value, None
        return None, self.required_message(field)


class TimeType(ChoiceType):
    """HH:MM, 24-hour. With `options` it is a select of times instead of a free input."""

    name = "time"
    keys = frozenset({"options"})
    needs_options = False
    _valid = re.compile(r"(\d{1,2})[:.]?(\d{2})")

    def convert(self, field, raw, today):
        if field.options:
            return super().convert(field, raw, today)
        match = self._valid.fullmatch(clean_text(raw))
        if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
            return f"{int(match.group(1)):02d}:{match.group(2)}", None
        return None, f"{capital(tidy_label(field.label))} must be a real time, like 09:30 or 14:15"

    def required_message(self, field):
        if field.options:
            return f"Select {tidy_label(field.label)}"
        return f"Enter {tidy_label(field.label)}"


class CheckboxesType(ChoiceType):
    """Any number of the field's options; stored as a list in the options' order."""

    name = "checkboxes"
    keys = frozenset({"options", "min", "max"})

    def extract(self, field, form, base):
        return getlist(form, base)

    def is_blank(self, raw):
        return not any(clean_text(v) for v in raw or [])

    def convert(self, field, raw, today):
        chosen = {clean_text(v) for v in raw if clean_text(v)}
        values = [o.value for o in field.options if o.value in chosen]
        if len(values) != len(chosen):
            return None, self.required_message(field)
        label = tidy_label(field.label)
        if field.min is not None and len(values) < field.min:
            return None, f"Select {field.min} or more options for {label}"
        if field.max is not None and len(values) > field.max:
            return None, f"Select {field.max} or fewer options for {label}"
        return values, None

    def to_form(self, field, value):
        return list(value or [])

    def summary(self, field, value, file_name=None):
        if is_empty(value):
            return NOT_PROVIDED
        return ", ".join(_option_label(field, v) for v in value)


_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _attachment_id(text: str):
    # Integer primary keys come back as ints so the web layer can look them up directly.
    return int(text) if text.isdigit() else text


class FileType(FieldType):
    """A list of attachment ids. Uploading is the web layer's job; this checks presence only."""

    name = "file"
    keys = frozenset({"accept", "max"})

    def extract(self, field, form, base):
        return getlist(form, base)

    def is_blank(self, raw):
        return not any(clean_text(v) for v in raw or [])

    def required_message(self, field):
        return f"Upload {tidy_label(field.label)}"

    def convert(self, field, raw, today):
        ids = []
        for text in raw:
            text = clean_text(text)
            if not text:
                continue
            if not _ID.fullmatch(text):
                return None, f"{capital(tidy_label(field.label))} has a file that cannot be found"
            if _attachment_id(text) not in ids:
                ids.append(_attachment_id(text))
        if field.max is not None and len(ids) > field.max:
            return None, f"Upload {field.max} or fewer files for {tidy_label(field.label)}"
        return ids, None

    def to_form(self, field, value):
        return [str(v) for v in value or []]

    def summary(self, field, value, file_name=None):
        if is_empty(value):
            return NOT_PROVIDED
        names = [(file_name(v) if file_name else None) or f"File {v}" for v in value]
        return ", ".join(names)


class ContentType(FieldType):
    """Read-only guidance text: nothing is posted or stored."""

    name = "content"
    has_value = False
    keys = frozenset({"text"})

    def extract(self, field, form, base):
        return None

    def is_blank(self, raw):
        return True

    def to_form(self, field, value):
        return None


class WorkProfileType(FieldType):
    """The built-in field of a work_profile step: the id of one of the submitter's work profiles.

    The engine cannot know whose profile an id is; the web layer checks the id belongs to the
    signed-in user before saving.
    """

    name = "work_profile"
    internal = True
    keys = frozenset()

    def required_message(self, field):
        return "Select a work profile"

    def convert(self, field, raw, today):
        text = clean_text(raw)
        if not _ID.fullmatch(text):
            return None, self.required_message(field)
        return _attachment_id(text), None

    def summary(self, field, value, file_name=None):
        return NOT_PROVIDED if is_empty(value) else str(value)


# --- the registry -----------------------------------------------------------------------------

FIELD_TYPES: dict[str, FieldType] = {}


def register(field_type: FieldType, *, replace: bool = False) -> FieldType:
    """Add a field type to the registry. Refuses to silently replace an existing type."""
    if field_type.name in FIELD_TYPES and not replace:
        raise ValueError(f"field type {field_type.name!r} is already registered")
    FIELD_TYPES[field_type.name] = field_type
    return field_type


def get_type(name: str) -> FieldType:
    """The registered type called ``name``; raises UnknownFieldType for anything else."""
    try:
        return FIELD_TYPES[name]
    except (KeyError, TypeError):
        raise UnknownFieldType(name) from None


def known_types(*, include_internal: bool = False) -> list[str]:
    """Type names a schema may use, in registration order."""
    return [n for n, t in FIELD_TYPES.items() if include_internal or not t.internal]


for _type in (FieldType(), TextareaType(), EmailType(), TelType(), NumberType(), DateType(),
              TimeType(), ChoiceType(), RadiosType(), CheckboxesType(), YesNoType(),
              PostcodeType(), FileType(), ContentType(), WorkProfileType()):
    register(_type)


# --- functions the journey uses ---------------------------------------------------------------

def is_empty(value) -> bool:
    """True for a missing answer: None, "", [] or {}."""
    return value is None or value == "" or value == [] or value == {}


@dataclass(frozen=True)
class Cleaned:
    """The outcome of cleaning one field: the value to store, the raw input and any error.

    ``value`` is None when the answer is empty or invalid; ``raw`` is what was posted, kept so a
    page can show the user what they typed next to the error.
    """

    value: Any
    raw: Any
    error: str | None
    blank: bool


def clean_field(field, form: Any, base: str | None = None, *,
                today: dt.date | None = None) -> Cleaned:
    """Read one field from posted data and check it.

    ``base`` is the input name (``name`` or ``name-<row>`` in an Add More group); the default is
    the field's own name.
    """
    ftype = get_type(field.type)
    raw = ftype.extract(field, form, base or field.name)
    return clean_raw(field, raw, today=today)


def clean_raw(field, raw, *, today: dt.date | None = None) -> Cleaned:
    """Check an already extracted raw input (see FieldType.extract for its shape)."""
    ftype = get_type(field.type)
    if not ftype.has_value:
        return Cleaned(None, None, None, True)
    if ftype.is_blank(raw):
        error = ftype.required_message(field) if field.required else None
        return Cleaned(None, None, error, True)
    value, error = ftype.convert(field, raw, today or dt.date.today())
    if error:
        return Cleaned(None, raw, error, False)
    return Cleaned(value, None, None, False)


def validate_value(field, value, *, today: dt.date | None = None) -> str | None:
    """The error, if any, for a value already stored (used for completeness checks).

    The stored value is turned back into input form and cleaned again, so a stored answer is held
    to exactly the rules a typed one is.
    """
    ftype = get_type(field.type)
    if not ftype.has_value:
        return None
    return clean_raw(field, ftype.to_form(field, value), today=today).error


def summary_text(field, value, file_name: Callable | None = None) -> str:
    """The "check your answers" text for a stored value; "Not provided" when empty."""
    return get_type(field.type).summary(field, value, file_name)


def form_value(field, value):
    """A stored value in the shape the field's inputs need (see FieldType.to_form)."""
    return get_type(field.type).to_form(field, value)


def options_from(items: Iterable) -> tuple[Option, ...]:
    """Normalise a YAML options list (strings, numbers, or {value, label, hint}) to Options."""
    out = []
    for item in items:
        if isinstance(item, Mapping):
            value = _as_text(item.get("value", item.get("label")))
            out.append(Option(value, str(item.get("label", value)), item.get("hint")))
        else:
            out.append(Option(_as_text(item), _as_text(item)))
    return tuple(out)


def _as_text(item) -> str:
    if isinstance(item, bool):
        return "Yes" if item else "No"
    return _num(item) if isinstance(item, (int, float)) else str(item)
