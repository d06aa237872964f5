"""Issue 13: "Not received your activation email? Send it again" (no enumeration, rate limited).

Signing in before activating keeps the one vague message (test_auth_sign_in proves it); the login
page offers the re-send, which mails a fresh activation link only to a pending account that can
still be activated, and answers every address with the same page.
"""
import datetime as dt

import pytest

from models import AuditEvent, Outbox, User, utcnow
from services.identity import accounts
from tests.helpers import PASSWORD, csrf_from, last_email, link_from

VAGUE = "The email address or password is not correct"


def ask_again(client, email):
    page = client.get("/activation/resend")
    return client.post("/activation/resend", data={"email": email, "csrf_token": csrf_from(page)})


def outbox(app):
    with app.app_context():
        return [(m.to_addr, m.kind) for m in Outbox.select().order_by(Outbox.id)]


def test_the_login_page_and_a_failed_sign_in_offer_the_resend(client, make_user):
    make_user("pending@example.org", status="pending")
    assert 'href="/activation/resend"' in client.get("/login").get_data(as_text=True)
    page = client.get("/login")
    failed = client.post("/login", data={"email": "pending@example.org", "password": PASSWORD,
                                         "csrf_token": csrf_from(page)})
    html = failed.get_data(as_text=True)
    assert failed.status_code == 422 and VAGUE in html
    assert "Not received your activation email?" in html and 'href="/activation/resend"' in html


@pytest.mark.parametrize("role,kind", [("professional", "activation"),
                                       ("citizen", "citizen-activation")])
def test_a_pending_account_gets_a_link_that_activates_it(app, client, make_user, role, kind):
    make_user("pending@example.org", status="pending", role=role)
    response = ask_again(client, "  Pending@Example.org ")
    assert (response.status_code, response.headers["Location"]) == (303, "/activation/resend/sent")
    assert outbox(app) == [("pending@example.org", kind)]
    path = link_from(last_email(app, to="pending@example.org")).replace("http://127.0.0.1:5000", "")
    page = client.get(path)
    assert page.status_code == 200
    client.post(path, data={"csrf_token": csrf_from(page)})
    with app.app_context():
        assert User.get(User.email == "pending@example.org").status == "active"
        assert AuditEvent.select().where(AuditEvent.action == "activation-resent").count() == 1


def test_every_address_gets_the_same_answer_and_only_the_pending_one_mail(app, client, make_user):
    make_user("active@example.org")
    make_user("pending@example.org", status="pending")
    stale = make_user("stale@example.org", status="pending")
    with app.app_context():  # registered three days ago: its link could not work any more
        User.update(created_at=utcnow() - dt.timedelta(days=3)).where(User.id == stale.id).execute()
    answers = [ask_again(client, email) for email in (
        "nobody@example.org", "active@example.org", "stale@example.org", "pending@example.org")]
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {
        (303, "/activation/resend/sent")}
    assert outbox(app) == [("pending@example.org", "activation")]
    html = client.get("/activation/resend/sent").get_data(as_text=True)
    assert "If that email address has an account waiting to be activated" in html


def test_the_expiry_rule_is_the_activation_links_own(app, make_user):
    user = make_user("pending@example.org", status="pending")
    with app.app_context():
        user = User.get_by_id(user.id)
        assert accounts.can_activate(user)
        assert not accounts.can_activate(user, user.created_at + dt.timedelta(hours=49))
        user.status = "active"
        assert not accounts.can_activate(user)


@pytest.mark.parametrize("email,message", [
    ("", "Enter your email address"),
    ("not-an-email", "Enter an email address in the correct format"),
    ("a" * 10_000, "Email Address must be 254 characters or fewer"),
])
def test_bad_input_is_shown_on_the_same_page(app, client, email, message):
    response = ask_again(client, email)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and html.count(message) == 2  # summary and field
    assert outbox(app) == []


def test_resending_is_rate_limited_per_address(app, client, make_user):
    make_user("pending@example.org", status="pending")
    statuses = [ask_again(client, "pending@example.org").status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert outbox(app) == [("pending@example.org", "activation")] * 3
    # An unknown address is limited the same way: the 429 tells nothing about the account.
    statuses = [ask_again(client, "nobody@example.org").status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
