"""My Account > Two Step Verification: a method is switched on only once a code proves it works."""
import time

import pyotp
import pytest

from models import AuditEvent, Outbox, User, UserSession
from services.identity import secrets_at_rest
from tests.helpers import PASSWORD, code_from, csrf_from, last_email


@pytest.fixture
def newcomer(app, make_user, client, signed_in):
    """A professional who has just registered: signed in with a password, no 2SV yet."""
    user = make_user("new@example.org", two_step="")
    signed_in(client, user, two_step_passed=False)
    return user


def _post(client, path, data, page=None):
    page = page or client.get(path)
    return client.post(path, data={**data, "csrf_token": csrf_from(page)})


def _session_row(app, user):
    with app.app_context():
        return list(UserSession.select().where(UserSession.user == user.id))


def _pending_seed(app, user):
    """The authenticator seed being set up, opened (the column holds it sealed)."""
    with app.app_context():
        return secrets_at_rest.open(_session_row(app, user)[0].pending_totp_secret)


def test_page_has_the_seed_wording(client, newcomer):
    html = client.get("/account/two-step").get_data(as_text=True)
    assert "We require all SEND portal users to enable two step verification" in html
    assert "Two Step Verification is our way to make your data more secure." in html
    assert "Preferred method" in html and ">Email<" in html and ">Authenticator app<" in html
    assert ">\n  Save\n" in html or "Save" in html
    assert "cannot be turned off" in html
    assert 'aria-current="page"' in html


def test_enable_by_email(app, client, newcomer, signed_in):
    other = signed_in(app.test_client(), newcomer, two_step_passed=False)  # another browser
    response = _post(client, "/account/two-step", {"method": "email"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/two-step/verify")
    mail = last_email(app, to="new@example.org")
    assert mail.kind == "two-step-code"
    assert "Your verification code for the Stockton SEND portal is" in mail.text_body
    assert "This verification code will be valid for 5 minutes." in mail.text_body
    page = client.get("/account/two-step/verify")
    assert "Your Verification Code" in page.get_data(as_text=True)
    response = _post(client, "/account/two-step/verify", {"code": code_from(mail)}, page)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    with app.app_context():
        user = User.get_by_id(newcomer.id)
        assert user.two_step_method == "email"
        sessions = _session_row(app, newcomer)
        assert len(sessions) == 1 and sessions[0].two_step_passed and sessions[0].token != other
        assert AuditEvent.get_or_none(AuditEvent.action == "two-step-enabled").detail["method"] == "email"
    notice = last_email(app, to="new@example.org")
    assert notice.kind == "account-two-step-on" and "Two Step Verification was turned on" in notice.subject
    # This browser can now use the role pages: the SEND home no longer asks to enable 2SV.
    send = client.get("/send")
    assert send.status_code in (200, 302) and "/login" not in send.headers.get("Location", "")
    assert "Enable Two Step Verification now" not in send.get_data(as_text=True)


def test_enable_by_authenticator_app(app, client, newcomer):
    response = _post(client, "/account/two-step", {"method": "totp"})
    assert response.status_code == 303
    page = client.get("/account/two-step/verify")
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html and "style=" not in html
    assert "Stockton SEND Portal" in html and "new@example.org" in html
    stored = _session_row(app, newcomer)[0].pending_totp_secret
    secret = _pending_seed(app, newcomer)
    assert secret and secret not in stored  # sealed at rest (L6)
    assert secret and " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in html
    with client.session_transaction() as session:
        assert secret not in str(dict(session))  # kept server-side, never in the cookie
    with app.app_context():
        assert User.get_by_id(newcomer.id).two_step_method == ""  # not yet: unproven
    response = _post(client, "/account/two-step/verify", {"code": pyotp.TOTP(secret).now()}, page)
    assert response.status_code == 303
    with app.app_context():
        user = User.get_by_id(newcomer.id)
        assert user.two_step_method == "totp" and secrets_at_rest.open(user.totp_secret) == secret
        assert secret not in user.totp_secret  # the column holds the sealed seed only
        assert user.totp_last_step > 0
    assert _session_row(app, newcomer)[0].pending_totp_secret == ""


@pytest.mark.parametrize("typed, message", [
    ("", "Enter your verification code"),
    ("12345", "The verification code must be 6 digits"),
    ("abcdef", "The verification code must be 6 digits"),
    ("9" * 10000, "The verification code must be 6 digits"),
    ("<script>alert(1)</script>", "The verification code must be 6 digits"),
])
def test_bad_codes_are_refused_on_the_page(app, client, newcomer, typed, message):
    _post(client, "/account/two-step", {"method": "totp"})
    response = _post(client, "/account/two-step/verify", {"code": typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html and "<script>alert" not in html
    with app.app_context():
        assert User.get_by_id(newcomer.id).two_step_method == ""


def test_wrong_email_code_then_expired(app, client, newcomer):
    _post(client, "/account/two-step", {"method": "email"})
    good = code_from(last_email(app, to="new@example.org"))
    wrong = "000000" if good != "000000" else "111111"
    response = _post(client, "/account/two-step/verify", {"code": wrong})
    assert response.status_code == 422 and "not correct" in response.get_data(as_text=True)
    with app.app_context():
        assert AuditEvent.get(AuditEvent.action == "two-step-enable-failed").detail["result"] == "wrong"
        from models import OneTimeCode
        OneTimeCode.update(expires_at=OneTimeCode.created_at).execute()
    response = _post(client, "/account/two-step/verify", {"code": good})
    assert response.status_code == 422 and "has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert User.get_by_id(newcomer.id).two_step_method == ""


def test_wrong_authenticator_code(app, client, newcomer):
    _post(client, "/account/two-step", {"method": "totp"})
    secret = _pending_seed(app, newcomer)
    totp = pyotp.TOTP(secret)
    stale = totp.at(time.time() - 600)
    response = _post(client, "/account/two-step/verify", {"code": stale})
    assert response.status_code == 422 and "not correct" in response.get_data(as_text=True)


def test_code_sends_are_rate_limited(app, client, newcomer):
    statuses = [_post(client, "/account/two-step", {"method": "email"}).status_code for _ in range(3)]
    assert 429 in statuses
    with app.app_context():
        assert Outbox.select().where(Outbox.kind == "two-step-code").count() == statuses.count(303)


def test_verify_without_a_pending_method_goes_back(client, newcomer):
    response = client.get("/account/two-step/verify")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/two-step")


def test_changing_method_needs_a_code_of_the_new_method(app, client, make_user, signed_in):
    user = make_user("switch@example.org", two_step="email")
    signed_in(client, user)
    _post(client, "/account/two-step", {"method": "totp", "current_password": PASSWORD})
    with app.app_context():
        assert User.get_by_id(user.id).two_step_method == "email"  # unchanged until proven
    secret = _pending_seed(app, user)
    response = _post(client, "/account/two-step/verify", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 303
    with app.app_context():
        assert User.get_by_id(user.id).two_step_method == "totp"
        assert AuditEvent.get(AuditEvent.action == "two-step-method-changed").detail["previous_method"] == "email"


def test_choosing_email_again_changes_nothing(app, client, make_user, signed_in):
    user = make_user("same@example.org", two_step="email")
    signed_in(client, user)
    response = _post(client, "/account/two-step", {"method": "email", "current_password": PASSWORD})
    assert response.status_code == 303
    assert last_email(app, to="same@example.org") is None


def test_unknown_method_is_refused(client, newcomer):
    response = _post(client, "/account/two-step", {"method": "sms"})
    assert response.status_code == 422
    assert "Select a preferred method" in response.get_data(as_text=True)
