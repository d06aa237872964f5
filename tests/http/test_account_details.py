"""My Account: Personal Details, Work Details and Change of Circumstances."""
import datetime as dt

import pytest

from models import AuditEvent, ChangeOfCircumstances, User, WorkProfile, utcnow
from services.identity import accounts
from tests.helpers import csrf_from, last_email

WORK = {"professional_role": "SENCo", "organisation_name": "Zz Primary School",
        "house_number": "1", "street": "Zz Lane", "town": "Stockton-on-Tees",
        "postcode": "ts18 1aa", "country": "United Kingdom", "work_phone": "01642 000000",
        "mobile": ""}


@pytest.fixture
def me(app, make_user, client, signed_in):
    user = make_user("me@example.org", two_step="", title="Ms")
    with app.app_context():
        WorkProfile.create(user=user, professional_role="SENCo",
                           organisation=accounts.organisation_named("Zz Primary School"),
                           postcode="TS18 1AA")
    signed_in(client, user, two_step_passed=False)
    return user


def _post(client, path, data):
    page = client.get(path)
    return client.post(path, data={**data, "csrf_token": csrf_from(page)})


# --- Personal details ---------------------------------------------------------------------------

@pytest.mark.parametrize("forename, surname", [("Zoë", "Zzsmith"), ("Siobhán", "Ó Zzbriain"),
                                               ("Zzthu", "Nguyễn"), ("Zzanne-Marie", "O'Zzneil")])
def test_personal_details_accept_names_from_every_language(app, client, me, forename, surname):
    response = _post(client, "/account/", {"title": "Dr", "forename": forename, "surname": surname,
                                           "gender": "Female"})
    assert response.status_code == 303
    with app.app_context():
        user = User.get_by_id(me.id)
        assert (user.title, user.forename, user.surname, user.gender) == ("Dr", forename, surname, "Female")
        event = AuditEvent.get(AuditEvent.action == "account-personal-details-changed")
        assert event.detail["changes"]["forename"] == {"before": "Zzsam", "after": forename}
        assert event.detail["changes"]["title"] == {"before": "Ms", "after": "Dr"}
    assert forename in client.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize("data, field, message", [
    ({}, "title", "Select your title"),
    ({"title": "Ms", "forename": "", "surname": "Zz"}, "forename", "Enter your forename"),
    ({"title": "Ms", "forename": "   ", "surname": "Zz"}, "forename", "Enter your forename"),
    ({"title": "Ms", "forename": "Zz", "surname": "a" * 10000}, "surname", "100 characters or fewer"),
    ({"title": "Ms", "forename": "<script>alert(1)</script>", "surname": "Zz"}, "forename",
     "only include letters"),
    ({"title": "Ms", "forename": "Zz4m", "surname": "Zz"}, "forename", "only include letters"),
    ({"title": "King", "forename": "Zz", "surname": "Zz"}, "title", "Select your title"),
    ({"title": "Ms", "forename": "Zz", "surname": "Zz", "gender": "x" * 10000}, "gender",
     "Select a gender"),
])
def test_bad_personal_details(app, client, me, data, field, message):
    response = _post(client, "/account/", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and f'href="#{field}"' in html and message in html
    assert "<script>alert(1)</script>" not in html
    if data.get("forename", "").startswith("<script>"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # kept, shown as text
    with app.app_context():
        assert User.get_by_id(me.id).forename == "Zzsam"


def test_saving_unchanged_details_records_nothing(app, client, me):
    _post(client, "/account/", {"title": "Ms", "forename": "Zzsam", "surname": "Zztester"})
    with app.app_context():
        assert AuditEvent.select().where(AuditEvent.action == "account-personal-details-changed").count() == 0


# --- Work details -------------------------------------------------------------------------------

def test_add_edit_and_end_roles(app, client, me):
    response = _post(client, "/account/work/add", {**WORK, "professional_role": "Headteacher",
                                                   "organisation_name": "Zz  Academy"})
    assert response.status_code == 303
    with app.app_context():
        first, added = list(WorkProfile.select().where(WorkProfile.user == me.id).order_by(WorkProfile.id))
        assert added.professional_role == "Headteacher" and added.organisation.name == "Zz Academy"
        assert added.postcode == "TS18 1AA"
    html = client.get("/account/work").get_data(as_text=True)
    assert "Headteacher" in html and "End this role" in html

    response = _post(client, f"/account/work/{first.id}", {**WORK, "work_phone": "01642 111111"})
    assert response.status_code == 303
    with app.app_context():
        assert WorkProfile.get_by_id(first.id).work_phone == "01642 111111"

    response = _post(client, f"/account/work/{first.id}/end", {})
    assert response.status_code == 303
    # The last role cannot end.
    response = _post(client, f"/account/work/{added.id}/end", {})
    assert response.status_code == 422 and "cannot end your only role" in response.get_data(as_text=True)
    with app.app_context():
        assert WorkProfile.get_by_id(first.id).ended_at is not None
        assert WorkProfile.get_by_id(added.id).ended_at is None
        actions = [e.action for e in AuditEvent.select()]
        assert {"account-work-profile-added", "account-work-profile-changed",
                "account-work-profile-ended"} <= set(actions)
    assert client.get(f"/account/work/{first.id}").status_code == 404  # ended roles are not editable


@pytest.mark.parametrize("change, field, message", [
    ({"professional_role": ""}, "professional_role", "Select your professional role"),
    ({"professional_role": "Wizard"}, "professional_role", "Select your professional role"),
    ({"organisation_name": ""}, "organisation_name", "Enter your organisation name"),
    ({"organisation_name": "z" * 10000}, "organisation_name", "200 characters or fewer"),
    ({"postcode": "12345"}, "postcode", "Enter a real postcode"),
    ({"postcode": ""}, "postcode", "Enter your postcode"),
    ({"work_phone": "call me"}, "work_phone", "Enter a telephone number"),
    ({"mobile": "<script>"}, "mobile", "Enter a mobile number"),
    ({"street": "s" * 10000}, "street", "100 characters or fewer"),
    ({"country": "Narnia"}, "country", "Select a country"),
])
def test_bad_work_details(app, client, me, change, field, message):
    response = _post(client, "/account/work/add", {**WORK, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'href="#{field}"' in html and message in html
    assert 'value="Stockton-on-Tees"' in html  # typed values are kept
    with app.app_context():
        assert WorkProfile.select().where(WorkProfile.user == me.id).count() == 1


# --- Change of circumstances --------------------------------------------------------------------

def _when(days=30):
    day = (utcnow() + dt.timedelta(days=days)).date()
    return {"effective_date_day": str(day.day), "effective_date_month": str(day.month),
            "effective_date_year": str(day.year)}, day


def test_change_of_circumstances_goes_to_the_sen_team(app, client, me):
    when, day = _when()
    response = _post(client, "/account/circumstances", {
        "kind": "new-organisation", "organisation_name": "Zz High School", **when,
        "details": "Handing over to <b>Zz Colleague</b>"})
    assert response.status_code == 303
    with app.app_context():
        row = ChangeOfCircumstances.get(ChangeOfCircumstances.user == me.id)
        assert (row.kind, row.organisation_name, row.effective_date) == ("new-organisation", "Zz High School", day)
        assert AuditEvent.get(AuditEvent.action == "account-circumstances-reported").object_id == str(row.id)
    mail = last_email(app, to="sen.team@stockton.gov.uk")
    assert mail.kind == "account-circumstances" and "Zz High School" in mail.text_body
    assert day.strftime("%d/%m/%Y") in mail.text_body and "SENCo, Zz Primary School" in mail.text_body
    assert "<b>Zz Colleague</b>" not in mail.html_body  # escaped in HTML


@pytest.mark.parametrize("change, field, message", [
    ({"kind": ""}, "kind", "Select what has changed"),
    ({"kind": "promoted"}, "kind", "Select what has changed"),
    ({"organisation_name": ""}, "organisation_name", "Enter the name of your new organisation"),
    ({"effective_date_day": "", "effective_date_month": "", "effective_date_year": ""},
     "effective_date_day", "Enter the date the change happens"),
    ({"effective_date_month": ""}, "effective_date_day", "must include a month"),
    ({"effective_date_day": "31", "effective_date_month": "2"}, "effective_date_day", "real date"),
    ({"effective_date_year": "26"}, "effective_date_day", "real date"),
    ({"effective_date_day": "x" * 10000}, "effective_date_day", "real date"),
    ({"effective_date_year": "1999"}, "effective_date_day", "within a year of today"),
    ({"details": "d" * 10000}, "details", "2000 characters or fewer"),
])
def test_bad_circumstances(app, client, me, change, field, message):
    when, _ = _when()
    data = {"kind": "new-organisation", "organisation_name": "Zz High", **when, "details": "", **change}
    response = _post(client, "/account/circumstances", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'href="#{field}"' in html and message in html
    with app.app_context():
        assert ChangeOfCircumstances.select().count() == 0


def test_leaving_needs_no_organisation(app, client, me):
    when, _ = _when(-3)
    response = _post(client, "/account/circumstances", {"kind": "leaving", **when})
    assert response.status_code == 303
    assert "I am leaving my role" in last_email(app, to="sen.team@stockton.gov.uk").text_body
