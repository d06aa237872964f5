"""My Account: every page opens for a signed-in user (even before 2SV), with the side menu."""
import pytest

from models import WorkProfile
from services.identity import accounts

PAGES = {
    "/account/": "Personal Details",
    "/account/work": "Work Details",
    "/account/work/add": "Add another role",
    "/account/email": "Change Email Address",
    "/account/email/sent": "Check your email",
    "/account/password": "Change Password",
    "/account/secret-question": "Change Secret Question",
    "/account/circumstances": "Change of Circumstances",
    "/account/two-step": "Two Step Verification",
}


@pytest.fixture
def newcomer(app, make_user, client, signed_in):
    user = make_user("new@example.org", two_step="")
    with app.app_context():
        WorkProfile.create(user=user, professional_role="SENCo",
                           organisation=accounts.organisation_named("Zz Primary School"),
                           street="1 Zz Lane", postcode="TS18 1AA")
    signed_in(client, user, two_step_passed=False)
    return user


@pytest.mark.parametrize("path, heading", PAGES.items())
def test_every_page_renders_before_two_step_is_on(client, newcomer, path, heading):
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert f">{heading}</h1>" in html
    assert html.count('aria-current="page"') == 1
    for label in ("Personal Details", "Work Details", "Change Email Address", "Change Password",
                  "Change Secret Question", "Change of Circumstances", "Two Step Verification"):
        assert f">{label}</a>" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_work_profile_pages_render(app, client, newcomer):
    with app.app_context():
        work_profile = WorkProfile.get(WorkProfile.user == newcomer.id)
    edit = client.get(f"/account/work/{work_profile.id}")
    assert edit.status_code == 200 and 'value="Zz Primary School"' in edit.get_data(as_text=True)
    end = client.get(f"/account/work/{work_profile.id}/end")
    assert end.status_code == 200 and "cannot end your only role" in end.get_data(as_text=True)


@pytest.mark.parametrize("path", [*PAGES, "/account/work/1", "/account/two-step/verify",
                                  "/account/email/confirm/abc"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", [p for p in PAGES if p not in ("/account/email/sent", "/account/work")]
                         + ["/account/two-step/verify", "/account/work/1", "/account/work/1/end",
                            "/account/email/confirm/abc"])
def test_posts_without_csrf_are_refused(client, newcomer, path):
    assert client.post(path, data={"forename": "Zzsam"}).status_code == 400


def test_someone_elses_work_profile_is_not_found(app, client, newcomer, make_user):
    other = make_user("other@example.org")
    with app.app_context():
        theirs = WorkProfile.create(user=other, professional_role="SENCo",
                                    organisation=accounts.organisation_named("Zz Other School"),
                                    postcode="TS18 1AA")
    assert client.get(f"/account/work/{theirs.id}").status_code == 404
    assert client.get(f"/account/work/{theirs.id}/end").status_code == 404


def test_citizens_have_no_work_details(client, make_user, signed_in):
    parent = make_user("parent@example.org", role="citizen", two_step="")
    signed_in(client, parent, two_step_passed=False)
    assert client.get("/account/work").status_code == 404
    assert client.get("/account/circumstances").status_code == 404
    html = client.get("/account/").get_data(as_text=True)
    assert "Work Details" not in html and "Change Password" in html


def test_a_session_that_has_not_passed_its_code_cannot_change_the_account(client, make_user, signed_in):
    user = make_user("half@example.org", two_step="email")
    signed_in(client, user, two_step_passed=False)
    response = client.get("/account/two-step")
    assert response.status_code == 403
    assert "Finish signing in" in response.get_data(as_text=True)
