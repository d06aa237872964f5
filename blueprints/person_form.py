"""The child's details form, shared by Add Person, Child details (people) and the SEN team's case
page (team), so the two can never drift apart. Not a blueprint: blueprints import it.
"""
import datetime as dt
import re
import unicodedata

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.utils import unset_value
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError

from blueprints.common import form_errors
from engine.fields import clean_raw, clean_text, getone
from engine.schema import ETHNICITIES, GENDERS, Field as SchemaField
from services.kernel import clock
from services.people import people

GENDER_VALUES = [o.value for o in GENDERS]
ETHNICITY_VALUES = [o.value for o in ETHNICITIES]
POSTCODE_RE = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"


# --- Forms --------------------------------------------------------------------------------------

def _clean(value):
    """NFC, no control characters, trimmed. Markup is kept as typed (templates escape it)."""
    if not isinstance(value, str):
        return value
    return clean_text(unicodedata.normalize("NFC", value)[:20000])


def _clean_multiline(value):
    if not isinstance(value, str):
        return value
    return clean_text(unicodedata.normalize("NFC", value)[:20000], multiline=True)


def _postcode(value):
    if not value:
        return value
    compact = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", compact):
        return value  # left as typed, for the message and the input
    return f"{compact[:-3]} {compact[-3:]}"  # one canonical form, so searches and letters agree


def _most(label, n):
    return Length(max=n, message=f"{label} must be {n} characters or fewer")


def _name_rule(label):
    return Regexp(r"^[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*\.?$",
                  message=f"{label} must only include letters, spaces, hyphens and apostrophes")


def _choices(values, placeholder):
    return [("", placeholder)] + [(v, v) for v in values]


class DateOfBirthField(Field):
    """A GOV.UK date input (``dob-day``, ``dob-month``, ``dob-year``), checked by the form
    engine's date type so the messages match every form's, then for an age of 0-25."""

    rule = SchemaField("date_of_birth", "date", "Date of Birth", required=True, future=False)
    parts = ("day", "month", "year")
    unchanged = None  # a recorded date kept as it is passes even if the child is now over 25

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.raw_data = None
        if formdata is not None:
            self.typed = {p: getone(formdata, f"{self.name}-{p}")[:20] for p in self.parts}
            cleaned = clean_raw(self.rule, self.typed, today=clock.uk_today())
            self.data = dt.date.fromisoformat(cleaned.value) if cleaned.value else None
            if cleaned.error:
                self.process_errors.append(cleaned.error)
            return
        self.data = data if isinstance(data, dt.date) else None
        self.typed = ({"day": str(self.data.day), "month": str(self.data.month),
                       "year": str(self.data.year)} if self.data else dict.fromkeys(self.parts, ""))

    def pre_validate(self, form):
        if self.data is not None and not self.process_errors and self.data != self.unchanged:
            problem = people.date_of_birth_problem(self.data)
            if problem:
                raise ValidationError(problem)


def _text(label, n, *required):
    validators = list(required) or [Optional()]
    return StringField(label, filters=[_clean], validators=[*validators, _most(label, n)])


class PersonForm(FlaskForm):
    """Add Person (Coventry 1.2.4) and the Child details page."""

    class Meta:
        csrf = False  # CSRFProtect already checks every POST

    forename = StringField("Forename", filters=[_clean], validators=[
        DataRequired("Enter the forename"), _most("Forename", 100), _name_rule("Forename")])
    middle_name = StringField("Middle Name", filters=[_clean], validators=[
        Optional(), _most("Middle Name", 100), _name_rule("Middle Name")])
    surname = StringField("Surname", filters=[_clean], validators=[
        DataRequired("Enter the surname"), _most("Surname", 100), _name_rule("Surname")])
    gender = SelectField("Gender", choices=_choices(GENDER_VALUES, "Please select a gender"),
                         validate_choice=False, validators=[
                             DataRequired("Select a gender"),
                             AnyOf(GENDER_VALUES, message="Select a gender from the list")])
    dob = DateOfBirthField("Date of Birth")
    current_school = _text("Current School", 200)
    ethnicity = SelectField("Ethnicity", choices=_choices(ETHNICITY_VALUES, "Please select"),
                            validate_choice=False, validators=[
                                Optional(),
                                AnyOf(ETHNICITY_VALUES, message="Select an ethnicity from the list")])
    first_language = _text("First Language", 100)
    postcode = StringField("Postcode", filters=[_clean, _postcode], validators=[
        Optional(), Regexp(POSTCODE_RE, message="Enter a real postcode, like TS18 1AU")])
    address = TextAreaField("Address", filters=[_clean_multiline],
                            validators=[Optional(), _most("Address", 500)])

    def details(self):
        """The person's details as services.people.people expects them."""
        data = {name: getattr(self, name).data or "" for name in people.DETAIL_FIELDS
                if name != "date_of_birth"}
        data["date_of_birth"] = self.dob.data
        return data


def person_form_errors(form):
    """Field errors for the summary; the date's link goes to its first input (GOV.UK)."""
    return {("dob-day" if key == "dob" else key): message
            for key, message in form_errors(form).items()}
