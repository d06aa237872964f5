"""The form pieces every blueprint shares, so the same data has one set of rules wherever it is
typed: filters, validators built on ``services.kernel.checks`` (names, email addresses, postcodes,
telephone numbers), select choices from ``services.kernel.vocab``, the GOV.UK date input, and the
forms more than one page shows — About you (``AboutForm``), work details (``WorkForm``, the
same at registration and in My Account) and a child's details (``PersonForm``: Add Person, Child
details and the SEN team's case page). Not a blueprint: blueprints import it.
"""
import datetime as dt
import unicodedata
from dataclasses import dataclass, field as dc_field

from flask import current_app, request
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from engine.fields import clean_raw, clean_text, getone
from engine.schema import Field as SchemaField
from services import addresses
from services.people import people
from services.kernel import checks, clock, vocab

DATE_PARTS = ("day", "month", "year")


# --- filters -------------------------------------------------------------------------------------

def strip(value):
    """WTForms filter: trim text."""
    return value.strip() if isinstance(value, str) else value


def nfc(value):
    """WTForms filter: trim and normalise (NFC, so "Nguyễn" typed either way is the same letters)."""
    return unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else value


def clean(value):
    """WTForms filter for records: NFC, no control characters, trimmed. Markup is kept as typed
    (templates escape it)."""
    if not isinstance(value, str):
        return value
    return clean_text(unicodedata.normalize("NFC", value)[:20000])


def clean_multiline(value):
    """``clean`` for a text area: line breaks are kept."""
    if not isinstance(value, str):
        return value
    return clean_text(unicodedata.normalize("NFC", value)[:20000], multiline=True)


# --- choices -------------------------------------------------------------------------------------

def options(values, placeholder=None):
    """Select or radio choices (WTForms 3.3 ``SelectChoice``): ``values`` is a list of values
    shown as they are, or a {value: label} dict; ``placeholder`` adds a first, empty option."""
    pairs = values.items() if isinstance(values, dict) else ((v, v) for v in values)
    first = [SelectChoice("", placeholder)] if placeholder else []
    return first + [SelectChoice(value, label) for value, label in pairs]


def chosen(field):
    """The values a select or radio field offers (its choices, placeholder excluded)."""
    return [choice.value for choice in field.choices or () if choice.value != ""]


def offered(message):
    """Validator: the answer must be one of the field's choices (set at runtime, e.g. from the
    council's YAML), with the GOV.UK ``message``."""
    def check(form, field):
        if field.data not in chosen(field):
            raise ValidationError(message)
    return check


# --- validators ----------------------------------------------------------------------------------

def max_length(label, n):
    """Length validator with the GOV.UK message."""
    return Length(max=n, message=f"{label} must be {n} characters or fewer")


def add_error(field, message):
    """Add a message to a field found wrong outside its own validators."""
    field.errors = [*field.errors, message]


def person_name(label):
    """Validator: a person's name (letters of any alphabet, spaces, hyphens, apostrophes)."""
    def check(form, field):
        problem = checks.name_problem(field.data, label)
        if problem:
            raise ValidationError(problem)
    return check


def email_address(form, field):
    """Validator: an email address in the correct format."""
    if field.data and checks.email_problem(field.data):
        raise ValidationError(checks.EMAIL_FORMAT)


def uk_postcode(form, field):
    """Validator: a UK postcode, then kept in its one canonical form ("TS18 1AA")."""
    problem = checks.postcode_problem(field.data)
    if problem:
        raise ValidationError(problem)
    if field.data:
        field.data = checks.normalise_postcode(field.data)


def uk_phone(mobile=False):
    """Validator: a telephone number, or (``mobile``) a UK mobile number (07..., +447...)."""
    def check(form, field):
        problem = checks.phone_problem(field.data, mobile=mobile)
        if problem:
            raise ValidationError(problem)
    return check


# --- fields --------------------------------------------------------------------------------------

def email_field(label="Email Address", message="Enter your email address"):
    """A required email address (format checked, 254 characters at most)."""
    return StringField(label, filters=[strip], validators=[
        DataRequired(message=message), max_length(label, checks.EMAIL_MAX), email_address])


def name_field(label, what="your"):
    """A required name: letters, spaces, hyphens and apostrophes ("Enter {what} forename")."""
    return StringField(label, filters=[nfc], validators=[
        DataRequired(message=f"Enter {what} {label.lower()}"), max_length(label, 100),
        person_name(label)])


def choice_field(label, values, message, placeholder=None):
    """A required select whose answer must be one of ``values``."""
    return SelectField(label, choices=options(values, placeholder), validate_choice=False,
                       validators=[DataRequired(message=message), AnyOf(values, message=message)])


def optional_choice_field(label, values, message, placeholder=None):
    """An optional select whose answer, when given, must be one of ``values``."""
    return SelectField(label, choices=options(values, placeholder), validate_choice=False,
                       validators=[Optional(), AnyOf(values, message=message)])


def optional_text(label, n):
    """An optional line of text of at most ``n`` characters."""
    return StringField(label, filters=[nfc], validators=[Optional(), max_length(label, n)])


def required_text(label, n, message):
    """A required line of text of at most ``n`` characters."""
    return StringField(label, filters=[nfc], validators=[DataRequired(message), max_length(label, n)])


# --- the GOV.UK date input -----------------------------------------------------------------------

def typed_date(value):
    """A date as the three boxes of a GOV.UK date input show it (blank boxes for None)."""
    if not value:
        return dict.fromkeys(DATE_PARTS, "")
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


class DateOfBirthField(Field):
    """A GOV.UK date input (``<name>-day``, ``-month``, ``-year``), checked by the form engine's
    date type so the messages match every form's, then for an age of 0-25. ``missing`` replaces
    the engine's "Enter date of birth" where the page asks about someone else."""

    rule = SchemaField("date_of_birth", "date", "Date of Birth", required=True, future=False)
    unchanged = None  # a recorded date kept as it is passes even if the child is now over 25

    def __init__(self, label=None, validators=None, missing=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.missing = missing

    @property
    def anchor(self):
        """Where the error summary's link lands: the first box (GOV.UK)."""
        return f"{self.id}-day"

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.raw_data = None
        if formdata is not None:
            self.typed = {p: getone(formdata, f"{self.name}-{p}")[:20] for p in DATE_PARTS}
            cleaned = clean_raw(self.rule, self.typed, today=clock.uk_today())
            self.data = dt.date.fromisoformat(cleaned.value) if cleaned.value else None
            if cleaned.error:
                self.process_errors.append(self.missing if cleaned.blank and self.missing
                                           else cleaned.error)
            return
        self.data = data if isinstance(data, dt.date) else None
        self.typed = typed_date(self.data)

    def pre_validate(self, form):
        if self.data is not None and not self.process_errors and self.data != self.unchanged:
            problem = people.date_of_birth_problem(self.data)
            if problem:
                raise ValidationError(problem)


def read_date(formdata, name, label, *, today, required=False, future=False):
    """Read a GOV.UK date input (``name-day``, ``-month``, ``-year``) with the form engine's date
    rule and messages, as every form's dates are. Returns (date or None, typed parts, error)."""
    rule = SchemaField(name, "date", label, required=required, future=future)
    typed = {p: getone(formdata, f"{name}-{p}")[:20] for p in DATE_PARTS}
    cleaned = clean_raw(rule, typed, today=today)
    return (dt.date.fromisoformat(cleaned.value) if cleaned.value else None), typed, cleaned.error


# --- forms more than one page shows --------------------------------------------------------------

class AboutForm(FlaskForm):
    """About you: registration (professionals and families) and My Account's personal details."""
    title = choice_field("Title", vocab.TITLES, "Select your title")
    forename = name_field("Forename")
    surname = name_field("Surname")
    gender = optional_choice_field("Gender", vocab.GENDERS, "Select a gender")


class WorkForm(FlaskForm):
    """Work details: registration's third step and My Account's roles — one set of rules, so
    nobody registers with details My Account would refuse, or edits into details registration
    would. The view sets ``professional_role.choices`` from the council's list."""
    professional_role = SelectField("Professional Role", validate_choice=False, validators=[
        offered("Select your professional role")])
    organisation_name = required_text("Organisation Name", 200, "Enter your organisation name")
    house_number = optional_text("House Number", 20)
    house_name = optional_text("House Name", 100)
    building_name = optional_text("Building Name", 100)
    street = optional_text("Street Name", 100)
    district = optional_text("District / Village", 100)
    town = required_text("Town", 100, "Enter your town")
    postcode = StringField("Postcode", filters=[strip], validators=[
        DataRequired("Enter your postcode"), max_length("Postcode", 10), uk_postcode])
    country = optional_choice_field("Country", vocab.COUNTRIES, "Select a country")
    work_phone = StringField("Work Phone", filters=[strip], validators=[
        Optional(), max_length("Work Phone", 30), uk_phone()])
    mobile = StringField("Mobile Number", filters=[strip], validators=[
        Optional(), max_length("Mobile Number", 30), uk_phone(mobile=True)])

    def validate(self, extra_validators=None):
        """Field rules, then the ones across fields (Optional() stops a field's own chain)."""
        valid = super().validate(extra_validators)
        if not (self.house_number.data or self.house_name.data or self.building_name.data):
            add_error(self.house_number, "Enter a house number, house name or building name")
        if not (self.work_phone.data or self.mobile.data):
            add_error(self.work_phone, "Enter a work phone or mobile number")
        return valid and not (self.house_number.errors or self.work_phone.errors)


class PersonForm(FlaskForm):
    """A child's details: Add Person (Coventry 1.2.4), Child details, the SEN team's case page."""

    class Meta:
        csrf = False  # CSRFProtect already checks every POST

    forename = StringField("Forename", filters=[clean], validators=[
        DataRequired("Enter the forename"), max_length("Forename", 100), person_name("Forename")])
    middle_name = StringField("Middle Name", filters=[clean], validators=[
        Optional(), max_length("Middle Name", 100), person_name("Middle Name")])
    surname = StringField("Surname", filters=[clean], validators=[
        DataRequired("Enter the surname"), max_length("Surname", 100), person_name("Surname")])
    gender = SelectField("Gender", choices=options(vocab.CHILD_GENDERS, "Please select a gender"),
                         validate_choice=False, validators=[
                             DataRequired("Select a gender"),
                             AnyOf(vocab.CHILD_GENDERS, message="Select a gender from the list")])
    dob = DateOfBirthField("Date of Birth")
    current_school = StringField("Current School", filters=[clean], validators=[
        Optional(), max_length("Current School", 200)])
    ethnicity = SelectField("Ethnicity", choices=options(vocab.ETHNICITIES, "Please select"),
                            validate_choice=False, validators=[
                                Optional(),
                                AnyOf(vocab.ETHNICITIES, message="Select an ethnicity from the list")])
    first_language = StringField("First Language", filters=[clean], validators=[
        Optional(), max_length("First Language", 100)])
    postcode = StringField("Postcode", filters=[clean], validators=[Optional(), uk_postcode])
    address = TextAreaField("Address", filters=[clean_multiline],
                            validators=[Optional(), max_length("Address", 500)])

    def details(self):
        """The person's details as services.people expects them."""
        data = {name: getattr(self, name).data or "" for name in people.DETAIL_FIELDS
                if name != "date_of_birth"}
        data["date_of_birth"] = self.dob.data
        return data


# --- Find Address on Work Details (My Account): what its buttons do to a WorkForm post ----------
# The rule (providers, postcode, choosing) lives in services/addresses; every other answer on the
# form stays as posted, whichever button was pressed.

ADDRESS_ACTIONS = ("find-address", "use-address", "another-address")


@dataclass
class Lookup:
    """What the Find Address block shows. ``handled``: this post was one of its buttons, so the
    form is shown again rather than saved."""
    enabled: bool
    handled: bool = False
    results: list = dc_field(default_factory=list)


def find_address(form):
    """Apply a Find Address / Use this address / Use Another Address press to ``form``."""
    config = current_app.config
    lookup = Lookup(enabled=addresses.provider(config) is not None)
    action = request.form.get("address_action") if request.method == "POST" else None
    if not lookup.enabled or action not in ADDRESS_ACTIONS:
        return lookup
    lookup.handled = True
    if action == "another-address":
        return lookup
    try:
        if action == "find-address":
            lookup.results = addresses.find(config, form.postcode.data)
            if not lookup.results:
                add_error(form.postcode, "No addresses were found for this postcode. Check it, "
                                         "or type the address below")
            return lookup
        chosen = addresses.chosen(config, form.postcode.data, request.form.get("address_id", ""))
    except addresses.LookupFailed as failed:
        add_error(form.postcode, f"{failed}. Type the address below")
        return lookup
    if chosen is None:
        add_error(form.postcode, "That address is no longer listed. Select Find Address again")
        return lookup
    for name, value in chosen.fields().items():
        getattr(form, name).data = value
    return lookup
