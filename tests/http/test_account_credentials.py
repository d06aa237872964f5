"""My Account: Change Password, Change Email Address and Change Secret Question."""
import pytest

from models import AuditEvent, Outbox, User, UserSession
from services.identity import accounts
from tests.helpers import PASSWORD, csrf_from, last_email, link_from

NEW_PASSWORD = "a-much-longer-walrus-pass-77"


@pytest.fixture
def me(app, make_user, client, signed_in):
    user = make_user("me@example.org", two_step="email")
    signed_in(client, user)
    return user


def _post(client, path, data):
    page = client.get(path)
    return client.post(path, data={**data, "csrf_token": csrf_from(page)})


def _actions(app):
    with app.app_context():
        return [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]


# --- Change Password ----------------------------------------------------------------------------

def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, me, signed_in):
    elsewhere = app.test_client()
    signed_in(elsewhere, me)
    response = _post(client, "/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 303
    with app.app_context():
        user = User.get_by_id(me.id)
        assert accounts.check_password(user, NEW_PASSWORD)
        sessions = list(UserSession.select().where(UserSession.user == me.id))
        assert len(sessions) == 1 and sessions[0].two_step_passed
    assert client.get("/account/password").status_code == 200  # this browser carries on
    send = client.get("/send")  # still past two-step verification: no trip back to sign in
    assert "/login" not in send.headers.get("Location", "") and b"Enable Two Step" not in send.data
    assert elsewhere.get("/account/password").status_code == 302  # the other one is signed out
    assert "account-password-changed" in _actions(app)
    mail = last_email(app, to="me@example.org")
    assert mail.kind == "account-password-changed" and NEW_PASSWORD not in mail.text_body


def test_password_change_keeps_a_session_without_2sv_without_2sv(app, client, make_user, signed_in):
    user = make_user("fresh@example.org", two_step="")
    signed_in(client, user, two_step_passed=False)
    _post(client, "/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    with app.app_context():
        assert not UserSession.get(UserSession.user == user.id).two_step_passed
    assert client.get("/account/two-step").status_code == 200


@pytest.mark.parametrize("data, message", [
    ({}, "Enter your current password"),
    ({"current_password": "not-my-password-at-all", "new_password": NEW_PASSWORD,
      "confirm_password": NEW_PASSWORD}, "Your current password is not correct"),
    ({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
      "confirm_password": NEW_PASSWORD + "x"}, "The passwords do not match"),
    ({"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
     "12 characters or more"),
    ({"current_password": PASSWORD, "new_password": "x" * 10000, "confirm_password": "x" * 10000},
     "128 characters or fewer"),
    ({"current_password": PASSWORD, "new_password": "password1234", "confirm_password": "password1234"},
     "too easy to guess"),
    ({"current_password": PASSWORD, "new_password": PASSWORD, "confirm_password": PASSWORD},
     "must be different"),
])
def test_bad_password_changes_are_refused(app, client, me, data, message):
    response = _post(client, "/account/password", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert NEW_PASSWORD not in html  # passwords are never typed back
    with app.app_context():
        assert accounts.check_password(User.get_by_id(me.id), PASSWORD)


def test_guessing_the_current_password_is_rate_limited(client, me):
    statuses = {_post(client, "/account/password", {
        "current_password": f"wrong-guess-{i:04d}-abcd", "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD}).status_code for i in range(11)}
    assert statuses == {422, 429}


# --- Change Email Address -----------------------------------------------------------------------

def _ask_for_email_change(client, new="new.me@example.org"):
    return _post(client, "/account/email", {
        "new_email": new, "confirm_email": new, "current_password": PASSWORD})


def test_email_change_happens_only_when_the_link_is_followed(app, client, me):
    response = _ask_for_email_change(client, "New.Me@Example.org")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/email/sent")
    with app.app_context():
        assert User.get_by_id(me.id).email == "me@example.org"
    mail = last_email(app, to="new.me@example.org")
    assert mail.kind == "account-email-change-confirm"
    link = link_from(mail).replace("http://127.0.0.1:5000", "")
    page = client.get(link)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "new.me@example.org" in page.get_data(as_text=True)
    with app.app_context():
        assert User.get_by_id(me.id).email == "me@example.org"
    response = client.post(link, data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    with app.app_context():
        assert User.get_by_id(me.id).email == "new.me@example.org"
    notice = last_email(app, to="me@example.org")
    assert notice.kind == "account-email-changed" and "new.me@example.org" in notice.text_body
    assert {"account-email-change-requested", "account-email-changed"} <= set(_actions(app))
    # Single use: the link dies once the email has changed.
    again = client.get(link)
    assert again.status_code == 400 and "expired or has already been used" in again.get_data(as_text=True)
    assert client.post(link, data={"csrf_token": csrf_from(page)}).status_code == 400


def test_address_in_use_says_check_your_email_and_sends_its_owner_a_notice(app, client, me, make_user):
    make_user("taken@example.org")
    response = _ask_for_email_change(client, "taken@example.org")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/email/sent")
    mail = last_email(app, to="taken@example.org")
    assert mail.kind == "account-email-in-use" and "http" not in mail.text_body.split("SEND Portal account")[0]
    with app.app_context():
        assert User.get_by_id(me.id).email == "me@example.org"
        assert Outbox.select().where(Outbox.kind == "account-email-change-confirm").count() == 0


def test_link_dies_when_the_address_is_taken_meanwhile(app, client, me, make_user):
    _ask_for_email_change(client, "later@example.org")
    link = link_from(last_email(app, to="later@example.org")).replace("http://127.0.0.1:5000", "")
    make_user("later@example.org")
    page = client.get(link)
    response = client.post(link, data={"csrf_token": csrf_from(page)})
    assert response.status_code == 409
    with app.app_context():
        assert User.get_by_id(me.id).email == "me@example.org"


def test_forged_expired_and_foreign_links(app, client, me, make_user, signed_in):
    assert client.get("/account/email/confirm/not-a-token").status_code == 400
    with app.app_context():
        other = make_user("other@example.org")
        foreign = accounts.make_token("email-change", {"uid": other.id, "old": "other@example.org",
                                                        "new": "x@example.org"})
        wrong_kind = accounts.make_token("reset", {"uid": me.id, "old": "me@example.org",
                                                   "new": "x@example.org"})
    assert "different account" in client.get(f"/account/email/confirm/{foreign}").get_data(as_text=True)
    assert client.get(f"/account/email/confirm/{wrong_kind}").status_code == 400
    _ask_for_email_change(client, "late@example.org")
    link = link_from(last_email(app, to="late@example.org")).replace("http://127.0.0.1:5000", "")
    import time
    real = time.time
    try:
        time.time = lambda: real() + 49 * 3600  # itsdangerous reads the clock through time.time
        assert client.get(link).status_code == 400
    finally:
        time.time = real


@pytest.mark.parametrize("data, message", [
    ({}, "Enter your new email address"),
    ({"new_email": "not-an-email", "confirm_email": "not-an-email", "current_password": PASSWORD},
     "correct format"),
    ({"new_email": "a@example.org", "confirm_email": "b@example.org", "current_password": PASSWORD},
     "do not match"),
    ({"new_email": "me@example.org", "confirm_email": "me@example.org", "current_password": PASSWORD},
     "different email address"),
    ({"new_email": "x" * 10000 + "@example.org", "confirm_email": "x", "current_password": PASSWORD},
     "254 characters or fewer"),
    ({"new_email": "<script>@example.org", "confirm_email": "<script>@example.org",
      "current_password": PASSWORD}, "correct format"),
    ({"new_email": "ok@example.org", "confirm_email": "ok@example.org",
      "current_password": "wrong-password-here"}, "current password is not correct"),
])
def test_bad_email_changes_are_refused(app, client, me, data, message):
    response = _post(client, "/account/email", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "<script>@" not in html
    if data.get("new_email", "").startswith("ok@"):
        assert 'value="ok@example.org"' in html  # typed values are kept
    with app.app_context():
        assert Outbox.select().count() == 0


# --- Change Secret Question ---------------------------------------------------------------------

def test_secret_question_change(app, client, me):
    response = _post(client, "/account/secret-question", {
        "secret_question": "Name of your first school", "secret_answer": "  Zz   ACADEMY ",
        "current_password": PASSWORD})
    assert response.status_code == 303
    with app.app_context():
        user = User.get_by_id(me.id)
        assert user.secret_question == "Name of your first school"
        assert accounts.check_secret(user.secret_answer_hash, "zz academy")
        event = AuditEvent.get(AuditEvent.action == "account-secret-question-changed")
        assert "academy" not in str(event.detail).lower()


@pytest.mark.parametrize("data, message", [
    ({}, "Select a secret question"),
    ({"secret_question": "Favourite colour", "secret_answer": "x", "current_password": PASSWORD},
     "Select a secret question"),
    ({"secret_question": "Name of your first pet", "secret_answer": "",
      "current_password": PASSWORD}, "Enter the answer"),
    ({"secret_question": "Name of your first pet", "secret_answer": "y" * 10000,
      "current_password": PASSWORD}, "100 characters or fewer"),
    ({"secret_question": "Name of your first pet", "secret_answer": "Zoë",
      "current_password": "nope-nope-nope"}, "current password is not correct"),
])
def test_bad_secret_question_changes(app, client, me, data, message):
    response = _post(client, "/account/secret-question", data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert User.get_by_id(me.id).secret_question == "Name of your first pet"
