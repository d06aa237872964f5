"""The one set of rules for what people type: email, postcode, phone, person name, day/month/year.

Email, phone, postcode and date rules live in engine/fields.py (form fields use them and the engine
may not import services); this module re-exports them and adds the sentences views show.
"""
import datetime as dt
import re
import unicodedata

from engine.fields import (
    EMAIL_MAX, EMAIL_PATTERN, PHONE_PATTERN, POSTCODE_PATTERN, is_email, is_phone,
    normalise_postcode, real_date,
)

__all__ = ["EMAIL_MAX", "EMAIL_PATTERN", "PHONE_PATTERN", "POSTCODE_PATTERN", "NAME_PATTERN",
           "EMAIL_FORMAT", "UK_MOBILE_PATTERN", "is_email", "is_phone", "normalise_postcode", "real_date", "fold_email",
           "email_problem", "phone_problem", "postcode_problem", "name_problem", "date_from_parts"]

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"
# Letters (any script) in words joined by spaces, hyphens, apostrophes or full stops.
NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*\.?$")


def fold_email(text: str | None) -> str:
    """An email address as stored and compared: trimmed, lower case."""
    return (text or "").strip().lower()


def email_problem(text: str | None, *, missing: str = "Enter an email address") -> str | None:
    """Why ``text`` is not an email address we can use, or None."""
    text = (text or "").strip()
    if not text:
        return missing
    if not is_email(text):
        return EMAIL_FORMAT
    return None


UK_MOBILE_PATTERN = re.compile(r"(\+44|0)7\d{9}")  # after dropping spaces, brackets and hyphens


def phone_problem(text: str | None, *, mobile: bool = False) -> str | None:
    """Why ``text`` is not a telephone number — or, with ``mobile``, not a UK mobile number
    (07..., +447...) — or None. Blank is not a problem here."""
    text = re.sub(r"\s+", " ", (text or "").strip())
    if not text:
        return None
    if mobile:
        if is_phone(text) and UK_MOBILE_PATTERN.fullmatch(re.sub(r"[\s()\-]", "", text)):
            return None
        return "Enter a mobile number, like 07700 900 982"
    return None if is_phone(text) else "Enter a telephone number, like 01632 960 001"


def postcode_problem(text: str | None) -> str | None:
    """Why ``text`` is not a UK postcode, or None (blank is not a problem here)."""
    if not (text or "").strip() or normalise_postcode(text) is not None:
        return None
    return "Enter a real postcode, like TS18 1AU"


def name_problem(text: str | None, label: str) -> str | None:
    """Why ``text`` cannot be a person's ``label`` (Forename, Surname...), or None if blank or fine."""
    text = unicodedata.normalize("NFC", (text or "").strip())
    if not text or NAME_PATTERN.match(text):
        return None
    return f"{label} must only include letters, spaces, hyphens and apostrophes"


def date_from_parts(day, month, year, *, label: str = "The date",
                    missing: str = "Enter the date") -> tuple[dt.date | None, str | None]:
    """The date in three GOV.UK date boxes as (date, None), or (None, the sentence to show)."""
    parts = [str(p or "").strip() for p in (day, month, year)]
    empty = [name for name, value in zip(("day", "month", "year"), parts) if not value]
    if len(empty) == 3:
        return None, missing
    if empty:
        return None, f"{label} must include a " + " and a ".join(empty)
    value = real_date(*parts)
    if value is None:
        return None, f"{label} must be a real date, for example 27 3 2026"
    return value, None
