"""Sign in, two-step verification, lockout, rate limits and sign out (Stockton pp. 4-5)."""
import datetime as dt
import re

import pyotp
import pytest

from models import AuditEvent, OneTimeCode, User, UserSession, utcnow
from services.identity import accounts
from tests.helpers import PASSWORD, code_from, csrf_from, last_email

VAGUE = "The email address or password is not correct"


def post_login(client, email, password=PASSWORD, **extra):
    page = client.get("/login")
    data = {"email": email, "password": password, "csrf_token": csrf_from(page)}
    return client.post("/login", data={**data, **extra})


def post_code(client, code):
    page = client.get("/verify")
    return client.post("/verify", data={"code": code, "csrf_token": csrf_from(page)})


def resend(client):
    page = client.get("/verify")
    return client.post("/verify/new-code", data={"csrf_token": csrf_from(page)})


def without_csrf(html):
    return re.sub(r'(name="csrf_token" value|name="csrf-token" content)="[^"]*"', "", html)


def actions(app):
    with app.app_context():
        return [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]


def shift_clock(monkeypatch, **delta):
    later = utcnow() + dt.timedelta(**delta)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)


# --- The page ----------------------------------------------------------------------------------

def test_login_page_has_the_seed_labels(client):
    html = client.get("/login").get_data(as_text=True)
    for text in ("Don't have an account? Please", "register", "Email Address", "Password",
                 "Login", "Forgotten your password?"):
        assert text in html


@pytest.mark.parametrize("email,password,message", [
    ("", PASSWORD, "Enter your email address"),
    ("pro@example.org", "", "Enter your password"),
    ("not-an-email", PASSWORD, "Enter an email address in the correct format"),
    ("a" * 10_000, PASSWORD, "Email Address must be 254 characters or fewer"),
    ("pro@example.org", "p" * 10_000, "Password must be 128 characters or fewer"),
])
def test_bad_sign_in_input_is_explained_on_the_page(client, email, password, message):
    response = post_login(client, email, password)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert password not in html or not password  # the password is never sent back


def test_typed_email_stays_but_script_is_text(client):
    response = post_login(client, "<script>alert(1)</script>", "")
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


# --- Never reveal whether an account exists ----------------------------------------------------

def test_every_failure_looks_the_same(app, client, make_user):
    make_user("known@example.org")
    make_user("pending@example.org", status="pending")
    locked = make_user("locked@example.org")
    with app.app_context():
        User.update(locked_until=utcnow() + dt.timedelta(minutes=10)).where(
            User.id == locked.id).execute()
    answers = [post_login(client, "nobody@example.org"),
               post_login(client, "known@example.org", "wrong-password-entirely"),
               post_login(client, "pending@example.org"),
               post_login(client, "locked@example.org")]
    assert {r.status_code for r in answers} == {422}
    bodies = {without_csrf(r.get_data(as_text=True)).replace(email, "EMAIL")
              for r, email in zip(answers, ["nobody@example.org", "known@example.org",
                                            "pending@example.org", "locked@example.org"])}
    assert len(bodies) == 1 and VAGUE in bodies.pop()


def test_unknown_email_spends_a_hash(app, client, monkeypatch):
    spent = []
    monkeypatch.setattr(accounts, "equalise_timing", lambda password: spent.append(1))
    post_login(client, "nobody@example.org")
    assert spent == [1]


# --- Without two-step verification -------------------------------------------------------------

def test_sign_in_without_two_step_reaches_home_only(app, client, make_user):
    make_user("plain@example.org", two_step="")
    response = post_login(client, "plain@example.org")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "Enable Two Step Verification now" in html
    with app.app_context():
        session = UserSession.get()
        assert session.two_step_passed is False
    assert "sign-in" in actions(app)


def test_safe_next_is_honoured_and_unsafe_next_ignored(client, make_user):
    make_user("plain@example.org", two_step="")
    response = post_login(client, "plain@example.org", next="/account/")
    assert response.headers["Location"] == "/account/"
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/"))})
    response = post_login(client, "plain@example.org", next="//evil.example/")
    assert response.headers["Location"] == "/"


def test_session_is_rotated_on_sign_in(client, make_user):
    make_user("plain@example.org", two_step="")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    post_login(client, "plain@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session


# --- Email codes -------------------------------------------------------------------------------

def test_email_code_journey(app, client, make_user):
    make_user("pro@example.org")
    response = post_login(client, "pro@example.org")
    assert response.status_code == 303 and response.headers["Location"] == "/verify"
    assert client.get("/").status_code == 302  # not signed in yet
    mail = last_email(app, to="pro@example.org")
    assert mail.subject.endswith("Your Stockton SEND portal verification code")
    code = code_from(mail)
    assert (f"Your verification code for the Stockton SEND portal is {code}. "
            "This verification code will be valid for 5 minutes.") in " ".join(mail.text_body.split())
    page = client.get("/verify").get_data(as_text=True)
    for text in ("Verification Code sent", "Your Verification Code has been sent. Please enter your "
                 "Verification Code to continue.", "Your Verification Code", "Verify",
                 "Not received it? Send a new code"):
        assert text in page
    response = post_code(client, f"{code[:3]} - {code[3:]}")  # spaces and hyphens are fine
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Enable Two Step Verification now" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert UserSession.get().two_step_passed is True
    assert {"code-sent", "sign-in"} <= set(actions(app))


def test_audit_never_holds_codes_or_passwords(app, client, make_user):
    make_user("pro@example.org")
    post_login(client, "pro@example.org")
    code = code_from(last_email(app, to="pro@example.org"))
    post_code(client, "000000" if code != "000000" else "111111")
    post_code(client, code)
    with app.app_context():
        text = " ".join(str(e.detail) for e in AuditEvent.select())
    assert code not in text and PASSWORD not in text


def test_verify_without_a_sign_in_goes_to_login(client):
    response = client.get("/verify")
    assert response.status_code == 303 and response.headers["Location"] == "/login"


@pytest.mark.parametrize("typed,message", [
    ("", "Enter your verification code"),
    ("12345", "The verification code must be 6 digits"),
    ("abcdef", "The verification code must be 6 digits"),
    ("1" * 10_000, "Verification code must be 20 characters or fewer"),
])
def test_bad_code_format(client, make_user, typed, message):
    make_user("pro@example.org")
    post_login(client, "pro@example.org")
    response = post_code(client, typed)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def wrong_code(app, email="pro@example.org"):
    code = code_from(last_email(app, to=email))
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_wrong_code_then_five_wrong_kill_it(app, client, make_user):
    make_user("pro@example.org")
    post_login(client, "pro@example.org")
    code, bad = code_from(last_email(app, to="pro@example.org")), wrong_code(app)
    response = post_code(client, bad)
    assert response.status_code == 422
    assert "The verification code is not correct" in response.get_data(as_text=True)
    for _ in range(4):
        response = post_code(client, bad)
    assert "wrong code too many times" in response.get_data(as_text=True)
    response = post_code(client, code)  # even the right code is dead now
    assert response.status_code == 422 and "Send a new code" in response.get_data(as_text=True)


def test_expired_code_is_refused_clearly(app, client, make_user, monkeypatch):
    make_user("pro@example.org")
    post_login(client, "pro@example.org")
    code = code_from(last_email(app, to="pro@example.org"))
    shift_clock(monkeypatch, minutes=6)
    response = post_code(client, code)
    assert response.status_code == 422
    assert "This verification code has expired" in response.get_data(as_text=True)


def test_code_cannot_be_used_twice(app, client, make_user):
    make_user("pro@example.org")
    post_login(client, "pro@example.org")
    code = code_from(last_email(app, to="pro@example.org"))
    with client.session_transaction() as session:
        attempt_token = session["attempt"]
    post_code(client, code)
    other = app.test_client()
    with other.session_transaction() as session:  # replay the attempt from another browser
        session["attempt"] = attempt_token
    response = other.post("/verify", data={"code": code, "csrf_token": csrf_from(other.get("/login"))})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert other.get("/account/").status_code == 302


def test_ten_failures_lock_sign_in_and_email_the_owner(app, client, make_user):
    make_user("pro@example.org")
    for _ in range(5):
        post_login(client, "pro@example.org", "not-the-password-at-all")
    post_login(client, "pro@example.org")
    bad = wrong_code(app)
    for _ in range(3):
        post_code(client, bad)
    resend_at = utcnow() + dt.timedelta(seconds=31)
    with app.app_context():  # a fresh code keeps the count going (the 5-wrong rule is per code)
        OneTimeCode.update(created_at=resend_at - dt.timedelta(minutes=1)).execute()
    resend(client)
    response = post_code(client, wrong_code(app))
    response = post_code(client, wrong_code(app))
    assert response.status_code == 422
    assert "locked for 15 minutes" in response.get_data(as_text=True)
    mail = last_email(app, to="pro@example.org")
    assert mail.kind == "lockout"
    response = post_login(client, "pro@example.org")  # the right password is refused, vaguely
    assert response.status_code == 422 and VAGUE in response.get_data(as_text=True)
    assert "lockout" in actions(app)


def test_lock_ends_after_15_minutes(app, client, make_user, monkeypatch):
    make_user("pro@example.org", two_step="")
    for _ in range(10):
        post_login(client, "pro@example.org", "not-the-password-at-all")
    assert last_email(app, to="pro@example.org").kind == "lockout"
    assert post_login(client, "pro@example.org").status_code == 422
    shift_clock(monkeypatch, minutes=16)  # the lock is on this (account, address) pair
    assert post_login(client, "pro@example.org").status_code == 303


def test_resend_is_throttled_then_sends_a_new_code(app, client, make_user):
    make_user("pro@example.org")
    post_login(client, "pro@example.org")
    first = code_from(last_email(app, to="pro@example.org"))
    response = resend(client)
    assert response.status_code == 429 and "before asking for a new code" in response.get_data(as_text=True)
    with app.app_context():
        OneTimeCode.update(created_at=utcnow() - dt.timedelta(seconds=31)).execute()
    response = resend(client)
    assert response.status_code == 303
    second = code_from(last_email(app, to="pro@example.org"))
    if second != first:
        assert post_code(client, first).status_code == 422  # the older code died
    assert post_code(client, second).status_code == 303


def test_no_more_than_five_codes_per_attempt(app, client, make_user):
    make_user("pro@example.org")
    post_login(client, "pro@example.org")
    for _ in range(4):
        with app.app_context():
            OneTimeCode.update(created_at=utcnow() - dt.timedelta(seconds=31)).execute()
        assert resend(client).status_code == 303
    with app.app_context():
        OneTimeCode.update(created_at=utcnow() - dt.timedelta(seconds=31)).execute()
    response = resend(client)
    assert response.status_code == 429 and "too many codes" in response.get_data(as_text=True)


# --- Authenticator app -------------------------------------------------------------------------

def test_totp_sign_in_and_reuse_refused(app, client, make_user):
    secret = pyotp.random_base32()
    make_user("app@example.org", two_step="totp", totp_secret=secret)
    post_login(client, "app@example.org")
    page = client.get("/verify").get_data(as_text=True)
    assert "Enter the 6-digit code from your authenticator app" in page
    assert "Send a new code" not in page
    code = pyotp.TOTP(secret).now()
    assert post_code(client, code).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/"))})
    post_login(client, "app@example.org")
    response = post_code(client, code)
    assert response.status_code == 422 and "already been used" in response.get_data(as_text=True)
    response = post_code(client, "000000" if code != "000000" else "111111")
    assert response.status_code == 422


# --- Rate limits -------------------------------------------------------------------------------

def test_sign_in_is_rate_limited_by_email(client):
    responses = [post_login(client, "target@example.org", "wrong-password-x") for _ in range(16)]
    assert [r.status_code for r in responses[:15]] == [422] * 15
    assert responses[15].status_code == 429
    assert "Too many attempts" in responses[15].get_data(as_text=True)


def test_sign_in_is_rate_limited_by_address(client):
    statuses = [post_login(client, f"user{n}@example.org", "wrong-password-x").status_code
                for n in range(21)]
    assert statuses[-1] == 429 and 429 not in statuses[:20]


def test_code_submissions_are_rate_limited(app, client, make_user):
    make_user("pro@example.org")
    post_login(client, "pro@example.org")
    page = client.get("/verify")
    token = csrf_from(page)
    statuses = [client.post("/verify", data={"code": "12", "csrf_token": token}).status_code
                for _ in range(21)]
    assert statuses[-1] == 429


# --- Sign out ----------------------------------------------------------------------------------

def test_sign_out_kills_the_server_side_session(app, client, make_user, sign_in):
    make_user("pro@example.org")
    sign_in(client, "pro@example.org")
    assert client.get("/account/").status_code == 200
    old_cookie = client.get_cookie("session").value
    response = client.post("/logout", data={"csrf_token": csrf_from(client.get("/"))})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "You have signed out" in client.get("/login").get_data(as_text=True)
    with app.app_context():
        assert UserSession.select().count() == 0
    client.set_cookie("session", old_cookie)  # a copy of the old cookie is worthless
    response = client.get("/account/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "sign-out" in actions(app)


def test_sign_out_needs_the_csrf_token(client, make_user, sign_in):
    make_user("pro@example.org")
    sign_in(client, "pro@example.org")
    response = client.post("/logout")
    assert response.status_code == 400 and "Your page has expired" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 200


def test_login_without_csrf_token_is_a_400_page(client):
    response = client.post("/login", data={"email": "a@example.org", "password": PASSWORD})
    assert response.status_code == 400
    response = client.post("/login", data={"email": "a@example.org", "password": PASSWORD,
                                           "csrf_token": "stale-or-forged"})
    assert response.status_code == 400
