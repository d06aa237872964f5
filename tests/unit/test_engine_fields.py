"""Field types: cleaning, validation messages and summary text, one table per concern."""

import datetime as dt

import pytest

from engine import fields as ft
from engine.schema import Field

TODAY = dt.date(2026, 5, 1)
LONG = "x" * 10_000


def field(type_, label="Name", **kw):
    if type_ in ("select", "radios", "checkboxes") and "options" not in kw:
        kw["options"] = ft.options_from(["Mother", "Father", "Other"])
    if type_ == "yesno":
        kw["options"] = ft.options_from(ft.YES_NO)
    return Field(name="answer", type=type_, label=label, **kw)


def clean(f, raw):
    """Clean one posted value; raw is a string, a list, or a dict of date parts."""
    if f.type == "date":
        post = {f"answer-{k}": [v] for k, v in raw.items()}
    elif isinstance(raw, list):
        post = {"answer": raw}
    else:
        post = {"answer": [raw]}
    return ft.clean_field(f, post, today=TODAY)


VALID = [
    ("text", {}, "  Audrey  ", "Audrey"),
    ("text", {}, "line\nbreak", "line break"),
    ("text", {"pattern": r"[A-Z][0-9]{3}"}, "A123", "A123"),
    ("textarea", {}, "one\r\ntwo", "one\ntwo"),
    ("textarea", {}, LONG, LONG),
    ("text", {}, "<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("textarea", {}, "<b>bold</b> & <script>x</script>", "<b>bold</b> & <script>x</script>"),
    ("text", {}, "a\x00b", "ab"),
    ("email", {}, "sen.team@stockton.gov.uk", "sen.team@stockton.gov.uk"),
    ("tel", {}, "01642 527145", "01642 527145"),
    ("tel", {}, "+44 (0)1642  527145", "+44 (0)1642 527145"),
    ("postcode", {}, "cv15rr", "CV1 5RR"),
    ("postcode", {}, " ts18  1ab ", "TS18 1AB"),
    ("number", {}, "42", 42),
    ("number", {}, "3.5", 3.5),
    ("number", {}, "1,000", 1000),
    ("number", {}, "-2", -2),
    ("number", {"min": 0, "max": 10}, "10", 10),
    ("date", {}, {"day": "30", "month": "4", "year": "2010"}, "2010-04-30"),
    ("date", {}, {"day": "1", "month": "Feb", "year": "2012"}, "2012-02-01"),
    ("date", {}, {"day": "29", "month": "2", "year": "2024"}, "2024-02-29"),
    ("date", {"past": True}, {"day": "30", "month": "4", "year": "2026"}, "2026-04-30"),
    ("date", {"future": False}, {"day": "1", "month": "5", "year": "2026"}, "2026-05-01"),
    ("date", {"future": True}, {"day": "2", "month": "5", "year": "2026"}, "2026-05-02"),
    ("time", {}, "9:30", "09:30"),
    ("time", {}, "14.15", "14:15"),
    ("time", {"options": ft.options_from(["09:00", "09:30"])}, "09:30", "09:30"),
    ("select", {}, "Mother", "Mother"),
    ("radios", {}, "Other", "Other"),
    ("checkboxes", {}, ["Other", "Mother"], ["Mother", "Other"]),
    ("yesno", {}, "yes", "Yes"),
    ("yesno", {}, "No", "No"),
    ("file", {}, ["12", "abc-DEF_1", "12"], [12, "abc-DEF_1"]),
]


@pytest.mark.parametrize("type_, options, raw, expected", VALID)
def test_valid_values_are_cleaned(type_, options, raw, expected):
    result = clean(field(type_, **options), raw)
    assert result.error is None
    assert result.value == expected


INVALID = [
    ("text", "Parent/Carer Name", {}, LONG, "Parent/carer name must be 500 characters or fewer"),
    ("text", "Name", {"max": 5}, "abcdef", "Name must be 5 characters or fewer"),
    ("text", "Name", {"min": 3}, "ab", "Name must be 3 characters or more"),
    ("text", "UPN", {"pattern": r"[A-Z][0-9]{3}"}, "1234", "Enter UPN in the correct format"),
    ("textarea", "Notes", {}, LONG + "x", "Notes must be 10,000 characters or fewer"),
    ("textarea", "Notes", {"max": 2000}, LONG, "Notes must be 2,000 characters or fewer"),
    ("email", "Email Address", {}, "not-an-email",
     "Enter an email address in the correct format, like name@example.com"),
    ("email", "Email Address", {}, LONG + "@example.com", "Email address must be 320 characters or fewer"),
    ("tel", "Work Phone", {}, "call me", "Enter a telephone number, like 01632 960 001, "
                                         "07700 900 982 or +44 808 157 0192"),
    ("tel", "Work Phone", {}, "12345", "Enter a telephone number, like 01632 960 001, "
                                       "07700 900 982 or +44 808 157 0192"),
    ("tel", "Work Phone", {}, LONG, "Enter a telephone number, like 01632 960 001, "
                                    "07700 900 982 or +44 808 157 0192"),
    ("postcode", "Postcode", {}, "CV1", "Enter a real postcode"),
    ("postcode", "Postcode", {}, LONG, "Enter a real postcode"),
    ("number", "Hours per week:", {}, "ten", "Hours per week must be a number"),
    ("number", "Hours", {}, "1e5", "Hours must be a number"),
    ("number", "Hours", {}, LONG, "Hours must be a number"),
    ("number", "Hours", {"integer": True}, "2.5", "Hours must be a whole number"),
    ("number", "Hours", {"min": 1}, "0", "Hours must be 1 or more"),
    ("number", "Hours", {"max": 32.5}, "40", "Hours must be 32.5 or less"),
    ("date", "Date of Birth", {}, {"day": "30", "month": "", "year": "2010"},
     "Date of birth must include a month"),
    ("date", "Date of Birth", {}, {"day": "", "month": "", "year": "2010"},
     "Date of birth must include a day and month"),
    ("date", "Date of Birth", {}, {"day": "31", "month": "2", "year": "2010"},
     "Date of birth must be a real date"),
    ("date", "Date of Birth", {}, {"day": "1", "month": "13", "year": "2010"},
     "Date of birth must be a real date"),
    ("date", "Date of Birth", {}, {"day": "1", "month": "1", "year": "10"},
     "Date of birth must be a real date"),
    ("date", "Date of Birth", {}, {"day": "x", "month": "1", "year": "2010"},
     "Date of birth must be a real date"),
    ("date", "Date of Birth", {}, {"day": LONG, "month": "1", "year": "2010"},
     "Date of birth must be a real date"),
    ("date", "Date of Birth", {"past": True}, {"day": "1", "month": "5", "year": "2026"},
     "Date of birth must be in the past"),
    ("date", "Date of report", {"future": False}, {"day": "2", "month": "5", "year": "2026"},
     "Date of report must be today or in the past"),
    ("date", "Meeting date", {"future": True}, {"day": "1", "month": "5", "year": "2026"},
     "Meeting date must be in the future"),
    ("date", "Meeting date", {"past": False}, {"day": "30", "month": "4", "year": "2026"},
     "Meeting date must be today or in the future"),
    ("time", "Time consent was obtained", {}, "25:00",
     "Time consent was obtained must be a real time, like 09:30 or 14:15"),
    ("time", "Time", {"options": ft.options_from(["09:00"])}, "10:00", "Select time"),
    ("select", "Relationship to Child:", {}, "Uncle", "Select relationship to child"),
    ("select", "Relationship", {}, LONG, "Select relationship"),
    ("radios", "Relationship", {}, "<script>", "Select relationship"),
    ("checkboxes", "Areas of need", {}, ["Mother", "Nope"], "Select areas of need"),
    ("checkboxes", "Areas of need", {"max": 1}, ["Mother", "Father"],
     "Select 1 or fewer options for areas of need"),
    ("checkboxes", "Areas of need", {"min": 2}, ["Mother"],
     "Select 2 or more options for areas of need"),
    ("yesno", "Verbal consent given", {}, "maybe", "Select verbal consent given"),
    ("file", "Reports", {}, ["../../etc/passwd"], "Reports has a file that cannot be found"),
    ("file", "Reports", {"max": 1}, ["1", "2"], "Upload 1 or fewer files for reports"),
]


@pytest.mark.parametrize("type_, label, options, raw, message", INVALID)
def test_invalid_values_give_govuk_messages(type_, label, options, raw, message):
    result = clean(field(type_, label, **options), raw)
    assert result.value is None
    assert result.error == message
    assert result.raw is not None  # kept so the page can show what was typed


REQUIRED = [
    ("text", "Parent/Carer Name", "Enter parent/carer name"),
    ("textarea", "What is the young person's Care Direct number?",
     "Enter the young person's care direct number"),
    ("email", "Email Address", "Enter email address"),
    ("tel", "Primary Telephone Number", "Enter primary telephone number"),
    ("postcode", "Postcode", "Enter postcode"),
    ("number", "Hours", "Enter hours"),
    ("date", "Date of Birth", "Enter date of birth"),
    ("time", "Time", "Enter time"),
    ("select", "Relationship to Child:", "Select relationship to child"),
    ("radios", "Which of the following best describes you?",
     "Select which of the following best describes you"),
    ("checkboxes", "Areas of need", "Select areas of need"),
    ("yesno", "Verbal consent given", "Select verbal consent given"),
    ("file", "Parental Consent form", "Upload parental consent form"),
]


@pytest.mark.parametrize("type_, label, message", REQUIRED)
def test_required_empty(type_, label, message):
    f = field(type_, label, required=True)
    empty = {"day": "", "month": "", "year": " "} if type_ == "date" else (
        [] if type_ in ("checkboxes", "file") else "   ")
    result = clean(f, empty)
    assert (result.value, result.error, result.blank) == (None, message, True)


@pytest.mark.parametrize("type_", [t for t in ft.known_types() if t != "content"])
def test_optional_empty_is_fine(type_):
    f = field(type_)
    result = ft.clean_field(f, {}, today=TODAY)
    assert (result.value, result.error) == (None, None)
    assert ft.summary_text(f, None) == "Not provided"


def test_content_has_no_value():
    f = Field(name="guide", type="content", text="Read this first.")
    assert ft.clean_field(f, {"guide": ["sneaky"]}).value is None
    assert ft.validate_value(f, None) is None


SUMMARIES = [
    ("date", "2010-04-30", "30 April 2010"),
    ("checkboxes", ["Mother", "Other"], "Mother, Other"),
    ("select", "Father", "Father"),
    ("yesno", "Yes", "Yes"),
    ("number", 3.0, "3"),
    ("number", 2.5, "2.5"),
    ("textarea", "<script>x</script>", "<script>x</script>"),
    ("text", "", "Not provided"),
    ("checkboxes", [], "Not provided"),
]


@pytest.mark.parametrize("type_, value, text", SUMMARIES)
def test_summary_text(type_, value, text):
    assert ft.summary_text(field(type_), value) == text


def test_summary_option_label_and_prefix():
    f = Field("who", "radios", "Who", options=ft.options_from([{"value": "a", "label": "A person"}]))
    assert ft.summary_text(f, "a") == "A person"
    money = Field("cost", "number", "Cost", prefix="£", suffix="a week")
    assert ft.summary_text(money, 12) == "£ 12 a week"


def test_file_summary_uses_callback():
    f = field("file")
    names = {1: "consent.pdf"}
    assert ft.summary_text(f, [1, 2], names.get) == "consent.pdf, File 2"


def test_form_value_round_trip():
    assert ft.form_value(field("date"), "2010-04-30") == {"day": "30", "month": "4", "year": "2010"}
    assert ft.form_value(field("checkboxes"), ["Mother"]) == ["Mother"]
    assert ft.form_value(field("number"), 4.0) == "4"
    assert ft.validate_value(field("date", past=True), "2010-04-30", today=TODAY) is None
    assert ft.validate_value(field("text", required=True), None) == "Enter name"


def test_multidict_like_input():
    class MultiDict:
        def __init__(self, pairs):
            self.pairs = pairs

        def getlist(self, name):
            return [v for k, v in self.pairs if k == name]

        def keys(self):
            return [k for k, _ in self.pairs]

    f = field("checkboxes")
    result = ft.clean_field(f, MultiDict([("answer", "Mother"), ("answer", "Father")]))
    assert result.value == ["Mother", "Father"]
    assert ft.clean_field(field("text"), {"answer": "plain string"}).value == "plain string"


def test_unknown_type_is_refused():
    with pytest.raises(ft.UnknownFieldType) as info:
        ft.get_type("txt")
    assert "known types: text, textarea" in str(info.value)
    with pytest.raises(ft.UnknownFieldType):
        ft.clean_field(Field("x", "txt", "X"), {})


def test_register_refuses_silent_replacement():
    with pytest.raises(ValueError):
        ft.register(ft.FieldType())

    class Nhs(ft.FieldType):
        name = "nhs_number_test"

    try:
        ft.register(Nhs())
        assert "nhs_number_test" in ft.known_types()
    finally:
        del ft.FIELD_TYPES["nhs_number_test"]


@pytest.mark.parametrize("label, tidy", [
    ("Date of Birth:", "date of birth"),
    ("Relationship to Child:", "relationship to child"),
    ("EHC plan reference", "EHC plan reference"),
    ("Role of SENCo", "role of SENCo"),
    ("Can I agree?", "can I agree"),
    ("What is the young person's Care Direct number?", "the young person's care direct number"),
])
def test_tidy_label(label, tidy):
    assert ft.tidy_label(label) == tidy


def test_huge_raw_input_is_capped():
    result = clean(field("email"), "x" * 1_000_000)
    assert len(result.raw) <= ft.RAW_KEEP_LIMIT
