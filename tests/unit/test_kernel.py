"""The kernel's one set of rules: email, postcode, phone, names, dates, ids, and the UK clock."""
import datetime as dt

import pytest

from services.kernel import checks, clock, paging


@pytest.mark.parametrize("text", [
    "name@example.com", "first.last+tag@mail.example.co.uk", "o'brien@example.org",
    "UPPER@EXAMPLE.COM",
])
def test_good_emails(text):
    assert checks.email_problem(text) is None and checks.is_email(text)


@pytest.mark.parametrize("text", [
    "a<b>@x.example", "x,y@x.example", "a b@x.example", 'a"b@x.example', "ab@x .example",
    "no-at.example", "a@b@x.example", "a@localhost", "a@x.c", "a;b@x.example", "a@(x).example",
    "a\\b@x.example", "x" * 250 + "@x.example",
])
def test_bad_emails(text):
    assert checks.email_problem(text) == checks.EMAIL_FORMAT and not checks.is_email(text)


def test_missing_email_and_folding():
    assert checks.email_problem("  ") == "Enter an email address"
    assert checks.fold_email("  Name@Example.COM ") == "name@example.com"


@pytest.mark.parametrize("text, stored", [
    ("TS18 1AU", "TS18 1AU"), ("ts181au", "TS18 1AU"), (" cv1  5rr ", "CV1 5RR"),
    ("GIR 0AA", "GIR 0AA"), ("gir0aa", "GIR 0AA"), ("SW1A 1AA", "SW1A 1AA"), ("M1 1AE", "M1 1AE"),
])
def test_good_postcodes(text, stored):
    assert checks.normalise_postcode(text) == stored and checks.postcode_problem(text) is None


@pytest.mark.parametrize("text", ["CV1", "12345", "TS18 1A", "TS18 1AUX", "T S18 1AU!", "x" * 100])
def test_bad_postcodes(text):
    assert checks.normalise_postcode(text) is None and checks.postcode_problem(text)


@pytest.mark.parametrize("text", ["01642 527145", "+44 (0)1642 527145", "07700 900 982",
                                  "0161-496-0000", "1234567"])
def test_good_phones(text):
    assert checks.phone_problem(text) is None


@pytest.mark.parametrize("text", ["07700 900 982", "07700900982", "+44 7700 900982", "(07700) 900-982"])
def test_good_uk_mobiles(text):
    assert checks.phone_problem(text, mobile=True) is None


@pytest.mark.parametrize("text", ["01642 527145", "0161-496-0000", "1234567", "07700 900 98"])
def test_a_landline_is_not_a_mobile(text):
    assert checks.phone_problem(text, mobile=True) == "Enter a mobile number, like 07700 900 982"


@pytest.mark.parametrize("text", ["call me", "12345", "++44 1642 527145", "0164a527145",
                                  "1" * 21])
def test_bad_phones(text):
    assert checks.phone_problem(text) == "Enter a telephone number, like 01632 960 001"
    assert checks.phone_problem(text, mobile=True) == "Enter a mobile number, like 07700 900 982"


@pytest.mark.parametrize("text", ["Poppy", "Nguyễn", "O'Brien", "Smith-Jones", "Mary Ann",
                                  "St. John", "D’Arcy", "Jr."])
def test_good_names(text):
    assert checks.name_problem(text, "Forename") is None


@pytest.mark.parametrize("text", ["R2D2", "Poppy!", "_x", "<b>", "--", "Anne  -"])
def test_bad_names(text):
    assert checks.name_problem(text, "Surname") == (
        "Surname must only include letters, spaces, hyphens and apostrophes")


@pytest.mark.parametrize("parts, day", [
    (("27", "3", "2026"), dt.date(2026, 3, 27)), (("1", "March", "2026"), dt.date(2026, 3, 1)),
    ((" 29 ", "02", "2024"), dt.date(2024, 2, 29)), (("5", "sept", "2025"), dt.date(2025, 9, 5)),
])
def test_good_dates(parts, day):
    assert checks.date_from_parts(*parts) == (day, None)


@pytest.mark.parametrize("parts, problem", [
    (("", "", ""), "Enter the date"),
    (("", "3", ""), "The date must include a day and a year"),
    (("31", "2", "2026"), "The date must be a real date, for example 27 3 2026"),
    (("1", "13", "2026"), "The date must be a real date, for example 27 3 2026"),
    (("1", "1", "26"), "The date must be a real date, for example 27 3 2026"),
    (("x", "1", "2026"), "The date must be a real date, for example 27 3 2026"),
    (("1", "1", "9" * 400), "The date must be a real date, for example 27 3 2026"),
])
def test_bad_dates(parts, problem):
    assert checks.date_from_parts(*parts) == (None, problem)


@pytest.mark.parametrize("text, value", [
    ("1", 1), (" 42 ", 42), (7, 7), (str(2 ** 63 - 1), 2 ** 63 - 1),
    ("0", None), ("-1", None), (str(2 ** 63), None), ("9" * 400, None), ("1e3", None),
    ("", None), (None, None), (True, None), (2 ** 63, None), ("٣", None),
])
def test_parse_id(text, value):
    assert paging.parse_id(text) == value


def test_clock_is_uk_time(monkeypatch):
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (BST).
    monkeypatch.setattr(clock, "_now", lambda: dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.timezone.utc))
    assert clock.uk_today() == dt.date(2026, 7, 2)
    assert clock.uk_now().hour == 0
    assert clock.uk_time(dt.datetime(2026, 1, 1, 23, 30)).date() == dt.date(2026, 1, 1)  # GMT
    assert clock.uk_time(dt.datetime(2026, 7, 1, 23, 30)).date() == dt.date(2026, 7, 2)  # BST
    assert clock.uk_time(None) is None
