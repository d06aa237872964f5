"""Forgotten password (Stockton p. 13): email + secret answer, then a single-use 1-hour link."""
import pytest
from itsdangerous import TimestampSigner

from models import AuditEvent, Outbox, UserSession
from services.identity import accounts
from tests.helpers import csrf_from, last_email, link_from

NEW_PASSWORD = "a-brand-new-long-passphrase-7"


def ask_reset(client, email, answer):
    page = client.get("/forgotten-password")
    return client.post("/forgotten-password", data={"email": email, "secret_answer": answer,
                                                    "csrf_token": csrf_from(page)})


def choose(client, path, password=NEW_PASSWORD, confirm=None):
    page = client.get(path)
    return client.post(path, data={"password": password, "confirm_password": confirm or password,
                                   "csrf_token": csrf_from(page)})


def reset_path(app, email="pro@example.org"):
    return link_from(last_email(app, to=email)).replace("http://127.0.0.1:5000", "")


def test_page_asks_for_the_answer_without_revealing_a_question(client, make_user):
    make_user("pro@example.org")
    html = client.get("/forgotten-password").get_data(as_text=True)
    assert "Email Address" in html and "Secret Answer" in html
    assert "Name of your first pet" not in html


def test_same_answer_for_unknown_email_wrong_answer_and_right_answer(app, client, make_user):
    make_user("pro@example.org", secret_answer="Zzbiscuit")
    answers = [ask_reset(client, "nobody@example.org", "zzbiscuit"),
               ask_reset(client, "pro@example.org", "wrong answer"),
               ask_reset(client, "pro@example.org", "  ZZBISCUIT ")]
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {
        (303, "/forgotten-password/requested")}
    html = client.get("/forgotten-password/requested").get_data(as_text=True)
    assert "Password Change Requested" in html
    assert "If you still haven't received the email then you may have entered an incorrect" in html
    assert "If you have tried to change a password for an unregistered email address" in html
    with app.app_context():
        assert [m.kind for m in Outbox.select()] == ["password-reset"]  # the right answer only
        assert Outbox.get().to_addr == "pro@example.org"


def test_unknown_email_spends_a_hash(client, monkeypatch):
    spent = []
    monkeypatch.setattr(accounts, "equalise_timing", lambda text: spent.append(1))
    ask_reset(client, "nobody@example.org", "anything")
    assert spent == [1]


@pytest.mark.parametrize("email,answer,message", [
    ("", "x", "Enter your email address"),
    ("bad", "x", "Enter an email address in the correct format"),
    ("pro@example.org", "", "Enter your secret answer"),
    ("pro@example.org", "a" * 10_000, "Secret Answer must be 100 characters or fewer"),
    ("<script>alert(1)</script>", "x", "Enter an email address in the correct format"),
])
def test_bad_input(client, email, answer, message):
    response = ask_reset(client, email, answer)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "<script>alert" not in html


def test_reset_ends_sessions_and_the_next_sign_in_still_needs_a_code(
        app, client, make_user, sign_in):
    make_user("pro@example.org")
    signed_in = app.test_client()
    sign_in(signed_in, "pro@example.org")
    old_cookie = signed_in.get_cookie("session").value
    ask_reset(client, "pro@example.org", "zzbiscuit")
    path = reset_path(app)
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    response = choose(client, path)
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "Your password has been changed" in client.get("/login").get_data(as_text=True)
    with app.app_context():
        assert UserSession.select().count() == 0
        assert {"reset-requested", "reset-completed"} <= {e.action for e in AuditEvent.select()}
    signed_in.set_cookie("session", old_cookie)
    assert signed_in.get("/account/").status_code == 302  # the old cookie is dead
    assert last_email(app, to="pro@example.org").kind == "password-changed"
    assert choose(client, path).status_code == 400  # single use
    page = client.get("/login")
    response = client.post("/login", data={"email": "pro@example.org", "password": NEW_PASSWORD,
                                           "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == "/verify"
    assert last_email(app, to="pro@example.org").kind == "verification-code"


@pytest.mark.parametrize("password,confirm,message", [
    ("", "", "Enter a password"),
    ("short", "short", "Password must be 12 characters or more"),
    ("p" * 10_000, "p" * 10_000, "Password must be 128 characters or fewer"),
    ("Stockton12345!", "Stockton12345!", "council"),
    (NEW_PASSWORD, "something-else-entirely", "Passwords do not match"),
])
def test_new_password_rules(app, client, make_user, password, confirm, message):
    make_user("pro@example.org")
    ask_reset(client, "pro@example.org", "zzbiscuit")
    response = choose(client, reset_path(app), password, confirm)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "There is a problem" in html


def test_expired_and_forged_reset_links(app, client, make_user, monkeypatch):
    make_user("pro@example.org")
    ask_reset(client, "pro@example.org", "zzbiscuit")
    path = reset_path(app)
    assert client.get(path[:-2] + "zz").status_code == 400
    assert client.get("/reset-password/nonsense").status_code == 400
    real_now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_now(self) + 3601)
    response = client.get(path)
    assert response.status_code == 400 and "This link does not work" in response.get_data(as_text=True)


def test_an_activation_token_is_not_a_reset_token(app, client, make_user):
    user = make_user("pro@example.org")
    with app.test_request_context():
        token = accounts.make_token("activate", {"user": user.id, "email": user.email})
    assert client.get(f"/reset-password/{token}").status_code == 400


def test_reset_is_rate_limited(client):
    statuses = [ask_reset(client, "target@example.org", "x").status_code for _ in range(6)]
    assert statuses[:5] == [303] * 5 and statuses[5] == 429


def test_reset_needs_csrf(client):
    assert client.post("/forgotten-password", data={"email": "a@example.org",
                                                    "secret_answer": "x"}).status_code == 400
