"""services/identity/accounts.py: the sign-in rules, TOTP, codes with a clock, officers."""
import datetime as dt

import pyotp

from models import Outbox, SignInAttempt, User, utcnow
from services.identity import accounts
from tests.helpers import PASSWORD, csrf_from, last_email, link_from


def test_authenticate_outcomes(app, make_user):
    make_user("pro@example.org")
    make_user("pending@example.org", status="pending")
    with app.test_request_context():
        assert accounts.authenticate("nobody@example.org", PASSWORD)[1] == "unknown"
        assert accounts.authenticate("PRO@example.org ", PASSWORD)[1] == "ok"
        assert accounts.authenticate("pro@example.org", "nope")[1] == "wrong"
        assert accounts.authenticate("pending@example.org", PASSWORD)[1] == "inactive"
        outcomes = [accounts.authenticate("pro@example.org", "nope")[1] for _ in range(9)]
        assert outcomes[-1] == "locked-now"
        assert accounts.authenticate("pro@example.org", PASSWORD)[1] == "locked"
        later = utcnow() + accounts.LOCK_FOR + dt.timedelta(seconds=1)
        assert accounts.authenticate("pro@example.org", PASSWORD, now=later)[1] == "ok"
    assert last_email(app, to="pro@example.org").kind == "lockout"


def test_email_code_expiry_and_reuse_with_a_clock(app, make_user):
    user = make_user("pro@example.org")
    with app.test_request_context():
        attempt = SignInAttempt.create(user=user)
        start = utcnow()
        code = accounts.issue_code(user, attempt=attempt, now=start)
        late = start + dt.timedelta(minutes=5, seconds=1)
        assert accounts.check_sign_in_code(attempt, code, now=late) == "expired"
        code = accounts.issue_code(user, attempt=attempt, now=start)
        assert accounts.check_sign_in_code(attempt, code, now=start) == "ok"
        assert accounts.check_sign_in_code(attempt, code, now=start) == "expired"


def test_five_wrong_kill_a_code(app, make_user):
    user = make_user("pro@example.org")
    with app.test_request_context():
        attempt = SignInAttempt.create(user=user)
        code = accounts.issue_code(user, attempt=attempt)
        bad = f"{(int(code) + 1) % 1_000_000:06d}"
        outcomes = [accounts.check_sign_in_code(attempt, bad) for _ in range(5)]
        assert outcomes == ["wrong"] * 4 + ["dead"]
        assert accounts.check_sign_in_code(attempt, code) == "dead"


def test_no_code_works_while_locked(app, make_user):
    user = make_user("pro@example.org")
    with app.test_request_context():
        attempt = SignInAttempt.create(user=user)
        code = accounts.issue_code(user, attempt=attempt)
        user.locked_until = utcnow() + dt.timedelta(minutes=5)
        user.save()
        assert accounts.check_sign_in_code(SignInAttempt.get_by_id(attempt.id), code) == "locked"


def test_totp_window_and_reuse(app, make_user):
    secret = pyotp.random_base32()
    user = make_user("app@example.org", two_step="totp", totp_secret=secret)
    totp = pyotp.TOTP(secret)
    now = utcnow()
    stamp = (now - dt.datetime(1970, 1, 1)).total_seconds()
    with app.app_context():
        user = User.get_by_id(user.id)
        previous = totp.at(stamp - 30)
        assert accounts.check_totp(user, previous, now=now) == "ok"  # one step of clock drift
        assert accounts.check_totp(user, previous, now=now) == "reused"
        assert accounts.check_totp(user, totp.at(stamp - 90), now=now) == "wrong"
        current = totp.at(stamp)
        assert accounts.check_totp(user, current[:3] + " " + current[3:], now=now) == "ok"
        assert accounts.check_totp(user, current, now=now) == "reused"
        assert accounts.check_totp(user, "abc", now=now) == "wrong"


def test_resend_rules(app, make_user):
    user = make_user("pro@example.org")
    with app.test_request_context():
        attempt = SignInAttempt.create(user=user)
        start = utcnow()
        accounts.issue_code(user, attempt=attempt, now=start)
        assert "Wait" in accounts.resend_problem(attempt, now=start + dt.timedelta(seconds=10))
        assert accounts.resend_problem(attempt, now=start + dt.timedelta(seconds=31)) is None
        for n in range(4):
            accounts.issue_code(user, attempt=attempt, now=start)
        assert "too many codes" in accounts.resend_problem(attempt, now=start + dt.timedelta(hours=1))


def test_attempts_expire(app, make_user):
    user = make_user("pro@example.org")
    with app.app_context():
        attempt = SignInAttempt.create(user=user)
        assert accounts.live_attempt(attempt.token) is not None
        assert accounts.live_attempt(attempt.token, now=utcnow() + dt.timedelta(minutes=31)) is None
        assert accounts.live_attempt("forged") is None and accounts.live_attempt(None) is None


def test_fold_name():
    assert accounts.fold_name("  St  Mary's   SCHOOL ") == "st mary's school"


def test_create_officer_invites_and_the_link_sets_a_password(app, sign_in):
    with app.app_context():
        message = accounts.create_officer("Officer@Example.org")
        assert "Created officer officer@example.org" in message
        user = User.get(User.email == "officer@example.org")
        assert (user.role, user.status, user.password_hash) == ("officer", "active", "")
        mail = Outbox.get(Outbox.to_addr == "officer@example.org")
        assert mail.kind == "officer-invitation" and mail.status == "sent"
        assert "already has an account" in accounts.create_officer("officer@example.org")
        assert "Not an email address" in accounts.create_officer("nonsense")
    client = app.test_client()
    # No password yet: signing in fails like any other failure.
    page = client.get("/login")
    assert client.post("/login", data={"email": "officer@example.org", "password": "",
                                       "csrf_token": csrf_from(page)}).status_code == 422
    path = link_from(mail).replace("http://127.0.0.1:5000", "")
    assert "Set your password" in client.get(path).get_data(as_text=True)
    page = client.get(path)
    response = client.post(path, data={"password": "officer-long-passphrase-1",
                                       "confirm_password": "officer-long-passphrase-1",
                                       "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    assert client.get(path).status_code == 400  # single use
    response = sign_in(client, "officer@example.org", "officer-long-passphrase-1")
    assert response.headers["Location"] == "/"
    assert client.get("/account/").status_code == 200


def test_create_officer_from_the_command_line(app):
    result = app.test_cli_runner().invoke(args=["create-officer", "cli-officer@example.org"])
    assert result.exit_code == 0 and "Created officer cli-officer@example.org" in result.output
