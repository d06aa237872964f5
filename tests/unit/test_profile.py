"""services/identity/profile.py: the rules behind My Account."""
import datetime as dt

import pyotp
import pytest

from services.identity import accounts, profile
from services.kernel import checks

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_760_000_000.0  # a fixed moment, so the tests never straddle a 30-second step


def test_totp_step_allows_one_step_of_clock_drift():
    totp = pyotp.TOTP(SECRET)
    step = int(NOW // 30)
    assert profile.totp_step(SECRET, totp.at(NOW), now=NOW) == step
    assert profile.totp_step(SECRET, totp.at(NOW - 30), now=NOW) == step - 1
    assert profile.totp_step(SECRET, totp.at(NOW + 30), now=NOW) == step + 1
    assert profile.totp_step(SECRET, totp.at(NOW - 90), now=NOW) is None


def test_totp_step_refuses_used_steps_and_junk():
    totp = pyotp.TOTP(SECRET)
    step = int(NOW // 30)
    assert profile.totp_step(SECRET, totp.at(NOW), last_step=step, now=NOW) is None
    code = totp.at(NOW)
    assert profile.totp_step(SECRET, f"{code[:3]} {code[3:]}", now=NOW) == step
    for junk in ("", "12345", "abcdef", "1" * 10000, None):
        assert profile.totp_step(SECRET, junk, now=NOW) is None
    assert profile.totp_step("", code, now=NOW) is None


@pytest.mark.parametrize("parts, expected", [
    (("27", "3", "2026"), dt.date(2026, 3, 27)),
    ((" 1", "12 ", "2025"), dt.date(2025, 12, 1)),
    (("", "", ""), "Enter the date the change happens"),
    (("1", "", ""), "The date must include a month and a year"),
    (("31", "2", "2026"), "The date must be a real date, for example 27 3 2026"),
    (("1", "1", "26"), "The date must be a real date, for example 27 3 2026"),
    (("a", "b", "c"), "The date must be a real date, for example 27 3 2026"),
    (("-1", "1", "2026"), "The date must be a real date, for example 27 3 2026"),
])
def test_parse_date(parts, expected):
    day, problem = checks.date_from_parts(*parts, missing="Enter the date the change happens")
    assert (problem or day) == expected


def test_grouped_key_and_qr():
    assert profile.grouped_key("ABCDEFGHIJ") == "ABCD EFGH IJ"
    assert profile.qr_data_uri("otpauth://totp/x?secret=ABC").startswith("data:image/svg+xml")


@pytest.mark.parametrize("email, ok", [("a@example.org", True), ("a.b+c@sub.example.co.uk", True),
                                       ("no-at.example.org", False), ("a@b", False),
                                       ("<x>@example.org", False), ("a@" + "b" * 260 + ".org", False)])
def test_looks_like_email(email, ok):
    assert checks.is_email(email) is ok


def test_email_change_links(app, make_user):
    user = make_user("me@example.org")
    with app.app_context():
        token = accounts.make_token("email-change", {"uid": user.id, "old": "me@example.org",
                                                     "new": "new@example.org"})
        assert profile.read_email_change(user, token) == ("ok", "new@example.org")
        assert profile.read_email_change(user, token + "x") == ("invalid", None)
        assert profile.read_email_change(user, accounts.make_token("email-change", ["x"])) == ("invalid", None)
        user.email = "moved@example.org"
        assert profile.read_email_change(user, token) == ("invalid", None)  # the email changed since
        other = make_user("other@example.org")
        assert profile.read_email_change(other, token) == ("other-account", None)
