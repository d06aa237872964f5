"""Registration in three steps, the activation link, and never revealing who has an account."""
import re

import pytest
from itsdangerous import TimestampSigner

from models import AuditEvent, Organisation, Outbox, User, WorkProfile
from services.identity import accounts
from tests.helpers import PASSWORD, csrf_from, last_email, link_from

SECURITY = {"email": "new@example.org", "confirm_email": "New@Example.org", "password": PASSWORD,
            "confirm_password": PASSWORD, "secret_question": "Name of your first pet",
            "secret_answer": "Zzbiscuit"}
ABOUT = {"title": "Ms", "forename": "Zoë", "surname": "Nguyễn", "gender": "Female"}
WORK = {"professional_role": "SENCo", "organisation_name": "Zz Primary School", "house_number": "1",
        "house_name": "", "building_name": "", "street": "Earl Street", "district": "",
        "town": "Coventry", "postcode": "cv15rr", "country": "United Kingdom",
        "work_phone": "01632 960 001", "mobile": ""}


def post_step(client, data, action="next", partial=False):
    token = csrf_from(client.get("/register"))
    headers = {"HX-Request": "true", "HX-Request-Type": "partial"} if partial else {}
    return client.post("/register", data={**data, "action": action, "csrf_token": token},
                       headers=headers)


def register(client, security=None, about=None, work=None):
    for data in (security or SECURITY, about or ABOUT, work or WORK):
        response = post_step(client, data)
        assert response.status_code == 303, response.get_data(as_text=True)
    return response


def without_csrf(html):
    return re.sub(r'(name="csrf_token" value|name="csrf-token" content)="[^"]*"', "", html)


def test_step_one_shows_the_seed_text_and_steps(client):
    html = client.get("/register").get_data(as_text=True)
    for text in ("This screen will guide you to enter the necessary information required for "
                 "registration process.", "work place contact details", "Security Details",
                 "About you", "Work Details", "Email Address", "Confirm Email Address",
                 "Confirm Password", "Secret Question", "Secret Answer", "Mother&#39;s maiden name"):
        assert text in html


def test_full_registration_then_activation(app, client):
    response = register(client)
    assert response.headers["Location"] == "/register/check-your-email"
    assert "Check your email" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        user = User.get(User.email == "new@example.org")
        assert (user.status, user.role, user.forename, user.surname) == (
            "pending", "professional", "Zoë", "Nguyễn")
        assert accounts.check_password(user, PASSWORD)
        assert accounts.check_secret(user.secret_answer_hash, "zzbiscuit")
        profile = WorkProfile.get(WorkProfile.user == user)
        assert profile.postcode == "CV1 5RR" and profile.organisation.name == "Zz Primary School"
    mail = last_email(app, to="new@example.org")
    text = " ".join(mail.text_body.split())
    assert ("Dear new portal user, Thank you for registering with the Stockton SEND Portal. To "
            "activate your account we need you to confirm your email address is valid. To do "
            "this, please click on the link below.") in text
    assert "Please note: if you are unable to click on this link, carefully copy and paste" in text
    assert "Please do not reply" in text
    link = link_from(mail)
    # A pending account cannot sign in.
    page = client.get("/login")
    assert client.post("/login", data={"email": "new@example.org", "password": PASSWORD,
                                       "csrf_token": csrf_from(page)}).status_code == 422
    # Opening the link only shows a button (a mail gateway fetching it activates nothing).
    page = client.get(link.replace("http://127.0.0.1:5000", ""))
    assert page.status_code == 200 and "Activate my account" in page.get_data(as_text=True)
    with app.app_context():
        assert User.get(User.email == "new@example.org").status == "pending"
    response = client.post(link.replace("http://127.0.0.1:5000", ""),
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "Your account is now active" in client.get("/login").get_data(as_text=True)
    again = client.get(link.replace("http://127.0.0.1:5000", ""))
    assert again.status_code == 400 and "This link does not work" in again.get_data(as_text=True)
    page = client.get("/login")
    response = client.post("/login", data={"email": "new@example.org", "password": PASSWORD,
                                           "csrf_token": csrf_from(page)})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    with app.app_context():
        assert {"register", "activate"} <= {e.action for e in AuditEvent.select()}


def test_forged_and_expired_activation_links_are_refused(app, client, monkeypatch):
    register(client)
    link = link_from(last_email(app, to="new@example.org")).replace("http://127.0.0.1:5000", "")
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert client.get(forged).status_code == 400
    assert client.get("/activate/not-a-token").status_code == 400
    real_now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_now(self) + 49 * 3600)
    response = client.get(link)
    assert response.status_code == 400
    with app.app_context():
        assert User.get(User.email == "new@example.org").status == "pending"


def test_the_password_is_never_kept_in_the_cookie(client):
    post_step(client, SECURITY)
    with client.session_transaction() as session:
        kept = str(dict(session))
    assert PASSWORD not in kept and "Zzbiscuit" not in kept and "zzbiscuit" not in kept
    assert "scrypt" not in kept  # nor their hashes: they wait server-side (issue 11, L6)


def test_previous_keeps_what_was_typed(client):
    post_step(client, SECURITY)
    post_step(client, ABOUT)
    response = post_step(client, {**WORK, "organisation_name": "Typed Then Went Back"}, action="previous")
    assert response.status_code == 303
    html = client.get("/register").get_data(as_text=True)
    assert 'value="Zoë"' in html and "<strong aria-current=\"step\">About you</strong>" in html
    post_step(client, ABOUT, action="previous")
    html = client.get("/register").get_data(as_text=True)
    assert 'value="new@example.org"' in html and PASSWORD not in html
    assert "leave this blank to keep it" in html
    # Going forward again without retyping the password keeps the hashed one.
    assert post_step(client, {**SECURITY, "password": "", "confirm_password": "",
                              "secret_answer": ""}).status_code == 303
    html = client.get("/register").get_data(as_text=True)
    assert "Typed Then Went Back" not in html  # step 2 now
    post_step(client, ABOUT)
    assert 'value="Typed Then Went Back"' in client.get("/register").get_data(as_text=True)


def test_htmx_gets_the_fragment_for_each_step(client):
    response = post_step(client, SECURITY, partial=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="register-step">') and "<html" not in html
    assert "Forename" in html and 'hx-target="#register-step"' in html
    response = post_step(client, {**ABOUT, "forename": ""}, partial=True)
    assert response.status_code == 422 and "Enter your forename" in response.get_data(as_text=True)
    post_step(client, ABOUT, partial=True)
    response = post_step(client, WORK, partial=True)
    assert response.headers["HX-Redirect"] == "/register/check-your-email"


def test_known_email_gets_the_same_page_and_the_owner_is_told(app, client, make_user):
    make_user("taken@example.org")
    taken = register(client, security={**SECURITY, "email": "taken@example.org",
                                       "confirm_email": "taken@example.org"})
    fresh_client = app.test_client()
    fresh = register(fresh_client)
    assert (taken.status_code, taken.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    assert without_csrf(client.get("/register/check-your-email").get_data(as_text=True)) == \
        without_csrf(fresh_client.get("/register/check-your-email").get_data(as_text=True))
    mail = last_email(app, to="taken@example.org")
    assert mail.kind == "already-registered"
    assert "Someone tried to register" in mail.text_body
    with app.app_context():
        assert User.select().where(User.email == "taken@example.org").count() == 1
        assert WorkProfile.select().count() == 1  # only the new registration


def test_a_new_registration_replaces_a_pending_one(app, client):
    """Issue 11, H1: the newer registration's details win (the pending account proved nothing)."""
    register(client)
    again = app.test_client()
    response = register(again, about={**ABOUT, "forename": "Someone"})
    assert response.headers["Location"] == "/register/check-your-email"
    with app.app_context():
        mails = list(Outbox.select().where(Outbox.to_addr == "new@example.org"))
        assert [m.kind for m in mails] == ["activation", "activation"]
        assert User.get(User.email == "new@example.org").forename == "Someone"  # replaced


def test_organisations_match_without_case_or_spaces(app):
    with app.app_context():
        first = accounts.organisation_named("Zz  Primary School")
        second = accounts.organisation_named(" zz primary SCHOOL ")
        assert first.id == second.id and Organisation.select().count() == 1
        assert first.name == "Zz Primary School"


LONG = "x" * 10_000


@pytest.mark.parametrize("step,field,value,message", [
    (0, "email", "", "Enter your email address"),
    (0, "email", "no-at-sign", "Enter an email address in the correct format"),
    (0, "email", LONG, "Email Address must be 254 characters or fewer"),
    (0, "confirm_email", "other@example.org", "Email addresses do not match"),
    (0, "confirm_email", "", "Confirm your email address"),
    (0, "password", "", "Enter a password"),
    (0, "password", "short", "Password must be 12 characters or more"),
    (0, "password", LONG, "Password must be 128 characters or fewer"),
    (0, "password", "password1234", "Password is too easy to guess"),
    (0, "confirm_password", "something-else-entirely", "Passwords do not match"),
    (0, "secret_question", "", "Select a secret question"),
    (0, "secret_question", "<script>x</script>", "Select a secret question"),
    (0, "secret_answer", "", "Enter your secret answer"),
    (0, "secret_answer", LONG, "Secret Answer must be 100 characters or fewer"),
    (1, "title", "", "Select your title"),
    (1, "title", "Emperor", "Select your title"),
    (1, "forename", "", "Enter your forename"),
    (1, "forename", LONG, "Forename must be 100 characters or fewer"),
    (1, "surname", "<script>alert(1)</script>", "Surname must only include letters"),
    (1, "surname", "Smith2", "Surname must only include letters"),
    (1, "gender", "Robot", "Select a gender"),
    (2, "professional_role", "", "Select your professional role"),
    (2, "professional_role", "Wizard", "Select your professional role"),
    (2, "organisation_name", "", "Enter your organisation name"),
    (2, "organisation_name", LONG, "Organisation Name must be 200 characters or fewer"),
    (2, "street", LONG, "Street Name must be 100 characters or fewer"),
    (2, "house_number", "", "Enter a house number, house name or building name"),
    (2, "town", "", "Enter your town"),
    (2, "postcode", "", "Enter your postcode"),
    (2, "postcode", "12345", "Enter a real postcode"),
    (2, "postcode", LONG, "Postcode must be 10 characters or fewer"),
    (2, "work_phone", "call me", "Enter a telephone number"),
    (2, "work_phone", "", "Enter a work phone or mobile number"),
    (2, "mobile", "01632 960 001", "Enter a mobile number"),
    (2, "mobile", LONG, "Mobile Number must be 30 characters or fewer"),
])
def test_bad_input_is_explained_on_the_same_step(client, step, field, value, message):
    for data in (SECURITY, ABOUT, WORK)[:step]:
        assert post_step(client, data).status_code == 303
    data = {**(SECURITY, ABOUT, WORK)[step], field: value}
    response = post_step(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and message in html
    assert f'href="#{field}"' in html
    assert "<script>alert" not in html and "<script>x" not in html
    if field in ("email", "forename", "surname", "organisation_name", "postcode", "work_phone", "mobile") \
            and value and len(value) < 300:
        assert value.replace("<", "&lt;").replace(">", "&gt;") in html  # typed text stays


@pytest.mark.parametrize("forename,surname", [
    ("Zoë", "O'Brien"), ("Siobhán", "Nguyễn"), ("Jean-Luc", "Zz Smith"), ("Zoe\u0308", "Ng")])
def test_names_from_every_alphabet_are_welcome(client, forename, surname):
    post_step(client, SECURITY)
    assert post_step(client, {**ABOUT, "forename": forename, "surname": surname}).status_code == 303


def test_registration_needs_csrf(client):
    response = client.post("/register", data={**SECURITY, "action": "next"})
    assert response.status_code == 400


def test_registration_is_rate_limited_by_address(client):
    token = csrf_from(client.get("/register"))
    statuses = [client.post("/register", data={"email": "", "csrf_token": token}).status_code
                for _ in range(61)]
    assert statuses[-1] == 429 and 429 not in statuses[:60]


def test_the_primary_button_comes_first_so_enter_presses_it(client):
    """Enter in a field presses a form's first submit button: Next / Submit Registration, never
    Previous (issue 13)."""
    def buttons(html):
        return re.findall(r'<button type="submit"[^>]*value="(next|previous)"', html)
    assert buttons(client.get("/register").get_data(as_text=True)) == ["next"]
    post_step(client, SECURITY)
    post_step(client, ABOUT)
    html = client.get("/register").get_data(as_text=True)
    assert "Submit Registration" in html
    assert buttons(html) == ["next", "previous"]
