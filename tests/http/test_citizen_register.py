"""Registration for parents, carers and young people: two steps, no work details, activation,
the same answer for new and existing addresses, and the rules shared with professionals."""
import pytest

from models import AuditEvent, User, WorkProfile
from tests.helpers import PASSWORD, csrf_from, last_email, link_from
from tests.http.family_helpers import Family

PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}
SECURITY = {"email": "newparent@example.org", "confirm_email": "newparent@example.org",
            "password": PASSWORD, "confirm_password": PASSWORD,
            "secret_question": "Name of your first pet", "secret_answer": "Zzrex",
            "action": "next"}
ABOUT = {"citizen_kind": "parent", "title": "Ms", "forename": "Zzjo", "surname": "Zzsmith",
         "gender": "Female", "action": "next"}


def _post(client, data, headers=None):
    page = client.get("/family/register")
    return client.post("/family/register", data={"csrf_token": csrf_from(page), **data},
                       headers=headers or {})


def _register(client, security=None, about=None):
    first = _post(client, {**SECURITY, **(security or {})})
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    return _post(client, {**ABOUT, **(about or {})})


def test_the_first_step_is_security_details_without_work_details(client):
    page = client.get("/family/register")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Register as a parent, carer or young person" in html
    assert "Step 1 of 2" in html and "Security Details" in html and "About you" in html
    assert "Work Details" not in html and "Professional Role" not in html
    assert 'name="secret_question"' in html


def test_professional_registration_links_to_the_family_one(client):
    html = client.get("/register").get_data(as_text=True)
    assert "/family/register" in html


def test_registering_creates_a_pending_citizen_and_emails_an_activation_link(app, client):
    done = _register(client, about={"citizen_kind": "young-person"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/register/check-your-email")
    with app.app_context():
        user = User.get(User.email == "newparent@example.org")
        assert (user.role, user.status, user.citizen_kind) == ("citizen", "pending", "young-person")
        assert user.forename == "Zzjo" and user.password_hash and PASSWORD not in user.password_hash
        assert not WorkProfile.select().where(WorkProfile.user == user).exists()
        assert AuditEvent.get(AuditEvent.action == "register").detail["role"] == "citizen"
    email = last_email(app, to="newparent@example.org")
    assert email.kind == "citizen-activation"
    assert "Link my child" in email.text_body and "Please do not reply" in email.text_body
    path = link_from(email).replace(app.config["BASE_URL"], "")
    activated = client.post(path, data={"csrf_token": csrf_from(client.get(path))})
    assert activated.status_code == 303
    with app.app_context():
        assert User.get(User.email == "newparent@example.org").status == "active"


def test_a_registered_family_member_signs_in_and_is_asked_to_enable_two_step(app, client, sign_in):
    _register(client)
    path = link_from(last_email(app, to="newparent@example.org")).replace(app.config["BASE_URL"], "")
    client.post(path, data={"csrf_token": csrf_from(client.get(path))})
    response = sign_in(client, "newparent@example.org")
    assert response.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "My children" in home and "Enable Two Step Verification now" in home
    # Without two-step verification the citizen pages send them Home.
    refused = client.get("/family/")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/")


def test_an_existing_address_gets_the_same_page_and_the_owner_is_told(app, client, make_user):
    make_user("parent@example.org", role="citizen")
    done = _register(client, security={"email": "parent@example.org",
                                       "confirm_email": "parent@example.org"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/register/check-your-email")
    assert last_email(app, to="parent@example.org").kind == "already-registered"
    with app.app_context():
        assert User.select().where(User.email == "parent@example.org").count() == 1


def test_a_pending_address_gets_its_activation_again(app, client, make_user):
    make_user("pending@example.org", role="citizen", status="pending")
    _register(client, security={"email": "pending@example.org", "confirm_email": "pending@example.org"})
    assert last_email(app, to="pending@example.org").kind == "citizen-activation"


@pytest.mark.parametrize("change, field, message", [
    ({"email": ""}, "email", "Enter your email address"),
    ({"email": "not-an-email", "confirm_email": "not-an-email"}, "email", "correct format"),
    ({"confirm_email": "someone@example.org"}, "confirm_email", "Email addresses do not match"),
    ({"password": "short", "confirm_password": "short"}, "password", "12 characters"),
    ({"confirm_password": PASSWORD + "x"}, "confirm_password", "Passwords do not match"),
    ({"secret_question": "Favourite colour"}, "secret_question", "Select a secret question"),
    ({"secret_answer": ""}, "secret_answer", "Enter your secret answer"),
])
def test_security_details_errors(client, change, field, message):
    response = _post(client, {**SECURITY, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'href="#{field}"' in html
    assert PASSWORD not in html  # passwords are never echoed back


@pytest.mark.parametrize("change, message", [
    ({"citizen_kind": ""}, "Select whether you are a parent or carer, or a young person"),
    ({"citizen_kind": "officer"}, "Select whether you are a parent or carer, or a young person"),
    ({"title": "King"}, "Select your title"),
    ({"forename": ""}, "Enter your forename"),
    ({"surname": "<script>x</script>"}, "Surname must only include letters"),
    ({"gender": "Robot"}, "Select a gender"),
])
def test_about_you_errors(app, client, change, message):
    assert _post(client, SECURITY).status_code == 303
    response = _post(client, {**ABOUT, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert "<script>x</script>" not in html
    with app.app_context():
        assert not User.select().where(User.email == "newparent@example.org").exists()


def test_previous_keeps_what_was_typed_and_the_role_is_never_posted(app, client):
    _post(client, SECURITY)
    back = _post(client, {**ABOUT, "action": "previous"})
    assert back.status_code == 303
    html = client.get("/family/register").get_data(as_text=True)
    assert "Step 1 of 2" in html and 'value="newparent@example.org"' in html
    # Password kept as a hash: leaving it blank now keeps it.
    again = _post(client, {**SECURITY, "password": "", "confirm_password": "", "secret_answer": ""})
    assert again.status_code == 303
    _post(client, {**ABOUT, "role": "officer"})
    with app.app_context():
        assert User.get(User.email == "newparent@example.org").role == "citizen"


def test_htmx_gets_the_step_fragment_and_a_redirect_header_at_the_end(client):
    step_two = _post(client, SECURITY, headers=PARTIAL)
    html = step_two.get_data(as_text=True)
    assert step_two.status_code == 200 and "<html" not in html and "Step 2 of 2" in html
    done = _post(client, ABOUT, headers=PARTIAL)
    assert done.headers["HX-Redirect"].endswith("/register/check-your-email")


def test_signed_in_users_are_sent_home(family):
    client = family.client_for(family.parent)
    response = client.get("/family/register")
    assert response.status_code == 302


def test_registration_needs_csrf(client):
    assert client.post("/family/register", data=SECURITY).status_code == 400


@pytest.fixture
def family(app, make_user, signed_in):  # a lighter stand-in: one parent
    parent = make_user("parent@example.org", role="citizen")
    return Family(app, make_user, signed_in, None, parent, None, None, None)
