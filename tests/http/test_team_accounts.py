"""Officers (list, "Invite an officer") and professional accounts (the three filters, Verify,
Reject with a reason emailed to them)."""
import pytest

import models
from models import AuditEvent, Outbox, User, UserSession
from tests.helpers import PASSWORD, csrf_from, link_from, last_email

pytestmark = pytest.mark.usefixtures("fixed_today")


def post(client, url, data, page):
    return client.post(url, data={**data, "csrf_token": csrf_from(client.get(page))})


# --- Officers ------------------------------------------------------------------------------------

def test_officers_are_listed(client, officer, make_user):
    make_user("olga@example.org", role="officer", forename="Zzolga", surname="Zzother",
              two_step="")
    make_user("senco@example.org")
    html = client.get("/team/officers").get_data(as_text=True)
    assert "Zzoliver Zzofficer" in html and "olga@example.org" in html
    assert "Two Step Verification not enabled" in html
    assert "senco@example.org" not in html and "Invite an officer" in html


def test_invite_an_officer_who_then_sets_a_password(app, client, officer):
    response = post(client, "/team/officers", {"email": " New.Officer@Example.org "},
                    "/team/officers")
    assert response.status_code == 303
    with app.app_context():
        user = User.get(User.email == "new.officer@example.org")
        assert user.role == "officer" and user.password_hash == ""
        assert AuditEvent.get(AuditEvent.action == "officer-invited").user_id == officer.id
    email = last_email(app, to="new.officer@example.org")
    assert email.kind == "officer-invitation" and "/reset-password/" in email.text_body
    html = client.get("/team/officers").get_data(as_text=True)
    assert "An invitation has been sent to new.officer@example.org" in html
    assert "Invited" in html
    # The link lets them choose a password (the invitation flow of accounts.create_officer).
    other = app.test_client()
    page = other.get(link_from(email).replace("http://127.0.0.1:5000", ""))
    assert page.status_code == 200


@pytest.mark.parametrize("email,message", [
    ("", "Enter an email address"),
    ("not an email", "Enter an email address in the correct format"),
    ("a" * 300 + "@example.org", "Enter an email address in the correct format"),
    ("senco@example.org", "That email address already has an account"),
    ("OFFICER@example.org", "That email address already has an account"),
])
def test_bad_invitations_are_refused(app, client, officer, make_user, email, message):
    make_user("senco@example.org")
    response = post(client, "/team/officers", {"email": email}, "/team/officers")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and 'href="#email"' in html
    with app.app_context():
        assert User.select().where(User.role == "officer").count() == 1
        assert not Outbox.select().exists()


# --- Professional accounts -----------------------------------------------------------------------

@pytest.fixture
def registrations(app, make_user):
    made = {}
    for email, fields in (("old@example.org", {}), ("new@example.org", {}),
                          ("checked@example.org", {"council_verified": True}),
                          ("rejected@example.org", {"status": "disabled"})):
        made[email] = make_user(email, forename="Zz" + email.split("@")[0], surname="Zzpro",
                                **fields)
    with app.app_context():
        import datetime as dt
        User.update(created_at=models.utcnow() - dt.timedelta(days=3)).where(
            User.email == "old@example.org").execute()
    return made


def listed(response):
    import re
    return re.findall(r'href="/team/accounts/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_accounts_newest_first_by_filter(client, officer, registrations):
    assert listed(client.get("/team/accounts")) == ["Zznew Zzpro", "Zzold Zzpro"]
    assert listed(client.get("/team/accounts?show=checked")) == ["Zzchecked Zzpro"]
    assert listed(client.get("/team/accounts?show=rejected")) == ["Zzrejected Zzpro"]
    assert listed(client.get("/team/accounts?show=nonsense&page=-1")) == ["Zznew Zzpro",
                                                                         "Zzold Zzpro"]
    assert listed(client.get("/team/accounts?page=1000000000")) == ["Zznew Zzpro", "Zzold Zzpro"]
    html = client.get("/team/accounts").get_data(as_text=True)
    assert "Awaiting check" in html and "Zzoliver" not in html.split("<main")[1]


def test_verify_an_account(app, client, officer, registrations):
    user = registrations["new@example.org"]
    response = post(client, f"/team/accounts/{user.id}/verify", {}, f"/team/accounts/{user.id}")
    assert response.status_code == 303
    with app.app_context():
        assert User.get_by_id(user.id).council_verified is True
        assert AuditEvent.get(AuditEvent.action == "account-verified").detail["before"] == "awaiting"
    assert last_email(app, to=user.email).kind == "team-account-verified"
    assert listed(client.get("/team/accounts?show=checked")) == ["Zzchecked Zzpro", "Zznew Zzpro"]


def test_reject_an_account_with_a_reason(app, client, officer, registrations, signed_in):
    user = registrations["new@example.org"]
    their_browser = app.test_client()
    signed_in(their_browser, user)
    response = post(client, f"/team/accounts/{user.id}/reject",
                    {"reason": "We could not confirm that you work at Zz Bader Primary."},
                    f"/team/accounts/{user.id}")
    assert response.status_code == 303
    with app.app_context():
        rejected = User.get_by_id(user.id)
        assert rejected.status == "disabled" and rejected.council_verified is False
        assert not UserSession.select().where(UserSession.user == user.id).exists()
        event = AuditEvent.get(AuditEvent.action == "account-rejected")
        assert event.user_id == officer.id and "Zz Bader Primary" in event.detail["reason"]
    email = last_email(app, to=user.email)
    assert email.kind == "team-account-rejected"
    assert "Reason: We could not confirm that you work at Zz Bader Primary." in email.text_body
    assert their_browser.get("/people/").status_code == 302  # signed out
    assert listed(client.get("/team/accounts?show=rejected")) == ["Zzrejected Zzpro", "Zznew Zzpro"]


@pytest.mark.parametrize("reason,message", [("", "Enter the reason"), ("   ", "Enter the reason"),
                                            ("x" * 1001, "1000 characters or fewer")])
def test_reject_needs_a_reason(app, client, officer, registrations, reason, message):
    user = registrations["new@example.org"]
    response = post(client, f"/team/accounts/{user.id}/reject", {"reason": reason},
                    f"/team/accounts/{user.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and 'href="#reason"' in html
    with app.app_context():
        assert User.get_by_id(user.id).status == "active"
        assert not Outbox.select().exists()


def test_verify_re_enables_a_rejected_account(app, client, officer, registrations):
    user = registrations["rejected@example.org"]
    post(client, f"/team/accounts/{user.id}/verify", {}, f"/team/accounts/{user.id}")
    with app.app_context():
        again = User.get_by_id(user.id)
        assert again.status == "active" and again.council_verified is True


@pytest.mark.parametrize("path", ["/team/accounts/999999", "/team/accounts/0"])
def test_unknown_accounts_are_not_found(client, officer, path):
    assert client.get(path).status_code == 404


def test_officers_accounts_are_not_professional_accounts(client, officer):
    assert client.get(f"/team/accounts/{officer.id}").status_code == 404


def test_a_signed_in_unverified_professional_waits_when_the_council_says_so(
        app, client, make_user, signed_in):
    """The council setting keeps children's records closed until the account is checked."""
    app.config["COUNCIL"] = {**app.config["COUNCIL"], "send_access_requires_verification": True}
    pro = make_user("senco@example.org", password=PASSWORD)
    signed_in(client, pro)
    assert client.get("/people/").status_code == 403
    with app.app_context():
        User.update(council_verified=True).where(User.id == pro.id).execute()
    assert client.get("/people/").status_code == 200
