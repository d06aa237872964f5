"""A child's case page for the SEN team: details (edited and audited), opening a case, phase and
officer, key dates with the statutory dates worked out from them, linking professionals and
parents (with a portal message and an email), the forms list and the audit trail in words."""
import datetime as dt

import pytest

import models
from models import AuditEvent, Case, FormInstance, Link, Message, Outbox, Person, utcnow
from tests.helpers import csrf_from
from tests.http.team_helpers import TODAY, case_for, person

pytestmark = pytest.mark.usefixtures("fixed_today")

D = dt.timedelta


@pytest.fixture
def poppy(app):
    return person(app, "Zzpoppy", "Zzthompson", current_school="Zz Bader Primary",
                  address="1 Zz Street", postcode="TS18 1ZZ", gender="Female")


def events(app, action):
    with app.app_context():
        return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def post(client, url, data, page=None):
    token = csrf_from(client.get(page or url))
    return client.post(url, data={**data, "csrf_token": token})


def date_parts(name, day):
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month),
            f"{name}-year": str(day.year)}


def get_case(app, who):
    with app.app_context():
        return Case.get(Case.person == who.id)


# --- The page ------------------------------------------------------------------------------------

def test_case_page_shows_the_child_and_audits_the_view(app, client, officer, poppy):
    response = client.get(f"/team/people/{poppy.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Zzthompson, Zzpoppy</h1>" in html and "08/10/2012" in html
    assert "Zz Bader Primary" in html and "1 Zz Street, TS18 1ZZ" in html
    assert f"record number {poppy.id}" in html
    assert "No case has been opened" in html and "Open a case" in html
    assert response.headers["Cache-Control"] == "no-store"
    viewed = events(app, "person-viewed")
    assert len(viewed) == 1 and viewed[0].person_id == poppy.id
    assert viewed[0].user_id == officer.id and viewed[0].detail == {"page": "case"}
    assert "Zzoliver Zzofficer viewed the case page" in client.get(
        f"/team/people/{poppy.id}").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/team/people/999999", "/team/people/0",
                                  "/team/people/99999999999999999999999",
                                  "/team/people/abc", "/team/people/999999/key-dates",
                                  "/team/people/999999/details", "/team/people/999999/merge",
                                  "/team/people/999999/open-case"])
def test_unknown_people_are_not_found(client, officer, path):
    assert client.get(path).status_code == 404


def test_the_audit_trail_reads_as_sentences(app, client, officer, poppy, make_user):
    pro = make_user("senco@example.org", forename="Zzsam", surname="Zztester")
    with app.app_context():
        from services import audit
        audit.record("person-viewed", user=pro, person_id=poppy.id, page="forms: request")
        audit.record("person-details-changed", user=pro, person_id=poppy.id,
                     changes={"current_school": ["Zz Old School", "Zz Bader Primary"]})
        audit.record("form-submitted", user=pro, person_id=poppy.id,
                     form_key="primary-request", round=1)
        audit.record("person-viewed", user=pro, person_id=poppy.id + 1, page="details")
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "Zzsam Zztester viewed the forms section (Request tab)" in html
    assert "Zzsam Zztester changed the child&#39;s details" in html
    assert "Current School: Zz Old School &rarr; Zz Bader Primary" in html
    assert "Zzsam Zztester submitted " in html
    assert "viewed the child&#39;s details" not in html  # another child's event


# --- Details -------------------------------------------------------------------------------------

def details_form(who, **changes):
    data = {"forename": who.forename, "middle_name": "", "surname": who.surname,
            "gender": "Female", **date_parts("dob", who.date_of_birth),
            "current_school": who.current_school, "ethnicity": "", "first_language": "",
            "postcode": who.postcode, "address": who.address}
    data.update(changes)
    return data


def test_officer_corrects_details_with_before_and_after_in_the_audit(app, client, officer, poppy):
    url = f"/team/people/{poppy.id}/details"
    response = post(client, url, details_form(poppy, current_school="Zz Secondary Academy"))
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/team/people/{poppy.id}")
    with app.app_context():
        assert Person.get_by_id(poppy.id).current_school == "Zz Secondary Academy"
    changed = events(app, "person-details-changed")
    assert changed[-1].detail["changes"] == {"current_school": ["Zz Bader Primary",
                                                                "Zz Secondary Academy"]}
    assert changed[-1].user_id == officer.id
    assert events(app, "person-viewed")[0].detail == {"page": "details"}


def test_bad_details_are_refused_with_messages(app, client, officer, poppy):
    url = f"/team/people/{poppy.id}/details"
    response = post(client, url, details_form(poppy, surname="", **{"dob-day": "31",
                                                                    "dob-month": "2"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and "Enter the surname" in html
    assert "Date of birth must be a real date" in html
    with app.app_context():
        assert Person.get_by_id(poppy.id).surname == "Zzthompson"


# --- Opening a case, phase and officer -----------------------------------------------------------

def test_open_a_case(app, client, officer, poppy):
    url = f"/team/people/{poppy.id}/open-case"
    response = post(client, url, {**date_parts("request-received", TODAY - D(days=3)),
                                  "officer": str(officer.id)})
    assert response.status_code == 303
    case = get_case(app, poppy)
    assert case.request_received == TODAY - D(days=3) and case.officer_id == officer.id
    assert case.next_deadline == TODAY - D(days=3) + D(weeks=6)
    assert case.phase == "request"
    assert events(app, "case-opened")[0].detail["request_received"] == "2026-03-13"
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "Decision whether to assess" in html and "24/04/2026" in html
    assert "due in 39 days" in html
    # Opening again just goes to the case.
    assert client.get(url).status_code == 303


@pytest.mark.parametrize("parts,message", [
    ({"request-received-day": "31", "request-received-month": "2",
      "request-received-year": "2026"}, "must be a real date"),
    ({"request-received-day": "1", "request-received-month": "4",
      "request-received-year": "2026"}, "must be today or in the past"),
    ({}, "Enter date the request was received"),
    ({"request-received-day": "1", "request-received-month": "",
      "request-received-year": "2026"}, "must include a month"),
])
def test_open_a_case_with_a_bad_date(app, client, officer, poppy, parts, message):
    response = post(client, f"/team/people/{poppy.id}/open-case", {**parts, "officer": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'href="#request-received-day"' in html
    with app.app_context():
        assert not Case.select().exists()


def test_open_a_case_with_an_unknown_officer(app, client, officer, poppy):
    response = post(client, f"/team/people/{poppy.id}/open-case",
                    {**date_parts("request-received", TODAY), "officer": "424242"})
    assert response.status_code == 422
    assert "Select an officer from the list" in response.get_data(as_text=True)


def test_opening_a_case_matches_a_record_added_by_a_professional(app, client, officer):
    added = person(app, "Zzadded", "Zzbyschool", needs_matching=True)
    assert "It has not been matched yet" in client.get(
        f"/team/people/{added.id}").get_data(as_text=True)
    post(client, f"/team/people/{added.id}/open-case", date_parts("request-received", TODAY),
         page=f"/team/people/{added.id}/open-case")
    with app.app_context():
        assert Person.get_by_id(added.id).needs_matching is False


def test_phase_and_officer_are_saved_and_audited(app, client, officer, poppy, make_user):
    other = make_user("olga@example.org", role="officer", forename="Zzolga", surname="Zzother")
    case_for(app, poppy, officer=officer)
    response = post(client, f"/team/people/{poppy.id}/case",
                    {"phase": "assessment", "officer": str(other.id)},
                    page=f"/team/people/{poppy.id}")
    assert response.status_code == 303
    case = get_case(app, poppy)
    assert case.phase == "assessment" and case.officer_id == other.id
    changes = events(app, "case-changed")[0].detail["changes"]
    assert changes == {"phase": ["Request", "Assessment"],
                       "officer": ["Zzoliver Zzofficer", "Zzolga Zzother"]}
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "Phase: Request &rarr; Assessment" in html


@pytest.mark.parametrize("phase", ["nonsense", "", "x" * 5000, "<b>plan</b>"])
def test_a_phase_not_in_the_list_is_refused(app, client, officer, poppy, phase):
    case_for(app, poppy)
    response = post(client, f"/team/people/{poppy.id}/case", {"phase": phase, "officer": ""},
                    page=f"/team/people/{poppy.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Select a phase from the list" in html and 'href="#phase"' in html
    assert get_case(app, poppy).phase == "request"


def test_phase_needs_a_case(client, officer, poppy):
    response = post(client, f"/team/people/{poppy.id}/case", {"phase": "plan"},
                    page=f"/team/people/{poppy.id}")
    assert response.status_code == 404


# --- Key dates and the statutory clock ------------------------------------------------------------

def key_dates_form(**facts):
    data = {"decision_to_assess": "", "decision_to_issue": ""}
    for name, value in facts.items():
        if isinstance(value, dt.date):
            data.update(date_parts(name, value))
        else:
            data[name] = value
    return data


def test_key_dates_drive_the_statutory_dates(app, client, officer, poppy):
    request = TODAY - D(weeks=19)
    case_for(app, poppy, request_received=request)
    url = f"/team/people/{poppy.id}/key-dates"
    page = client.get(url)
    assert page.status_code == 200 and 'name="request_received-day"' in page.get_data(True)
    assert events(app, "person-viewed")[-1].detail == {"page": "key-dates"}
    draft = TODAY - D(days=5)
    response = post(client, url, key_dates_form(
        request_received=request, decision_to_assess="yes", decision_date=request + D(weeks=5),
        assessment_start=request + D(weeks=5), decision_to_issue="yes",
        decision_to_issue_date=request + D(weeks=14), draft_plan_issued=draft))
    assert response.status_code == 303
    case = get_case(app, poppy)
    assert case.draft_plan_issued == draft and case.decision_to_issue == "yes"
    # The final plan (20 weeks) is due before the parents' 15-day comment window closes.
    assert case.next_deadline == request + D(weeks=20)
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "Parents&#39; comments on the draft plan" in html
    assert "the 15-day window is open until 26/03/2026" in html
    assert "due in 10 days" in html  # comments close 26/03
    final_due = request + D(weeks=20)
    assert final_due.strftime("%d/%m/%Y") in html and "due in 7 days" in html  # final plan
    assert "on time" in html  # the decision to assess
    recorded = events(app, "case-dates-recorded")[0].detail["changes"]
    assert recorded["draft_plan_issued"] == ["", draft.isoformat()]


def test_late_steps_and_the_annual_review(app, client, officer, poppy):
    request = dt.date(2025, 1, 6)
    case_for(app, poppy, request_received=request, decision_to_assess="yes",
             decision_date=request + D(weeks=7), decision_to_issue="yes",
             decision_to_issue_date=request + D(weeks=15),
             draft_plan_issued=request + D(weeks=17), final_plan_issued=request + D(weeks=19))
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "7 days after the statutory date" in html  # decision whether to assess
    assert "Annual review due" in html
    review = dt.date(2026, 5, 19)  # 12 months after the final plan (2025-05-19)
    assert review.strftime("%d/%m/%Y") in html and "due in 64 days" in html
    assert "Parents&#39; comments" not in html  # the final plan closed the comment window


@pytest.mark.parametrize("facts,field,message", [
    ({"decision_date": {"day": "31", "month": "2", "year": "2026"}, "decision_to_assess": "yes"},
     "decision_date", "must be a real date"),
    ({"decision_date": TODAY + D(days=1), "decision_to_assess": "yes"},
     "decision_date", "must be today or in the past"),
    ({"decision_to_assess": "yes"}, "decision_date",
     "Enter the date of the decision whether to assess"),
    ({"decision_to_assess": "maybe"}, "decision_to_assess", "Select Yes or No"),
    ({"decision_date": TODAY - D(days=30), "decision_to_assess": "yes"}, "decision_date",
     "must be on or after the date the request was received"),
    ({"final_plan_issued": TODAY}, "final_plan_issued",
     "Record the draft plan before the final plan"),
    ({"request_received": None}, "request_received",
     "Enter the date the request for assessment was received"),
])
def test_key_dates_that_cannot_be_right_are_refused(app, client, officer, poppy, facts, field,
                                                    message):
    case_for(app, poppy, request_received=TODAY - D(days=10))
    values = {"request_received": TODAY - D(days=10), **facts}
    data = {"decision_to_assess": "", "decision_to_issue": ""}
    for name, value in values.items():
        if isinstance(value, dt.date):
            data.update(date_parts(name, value))
        elif isinstance(value, dict):
            data.update({f"{name}-{k}": v for k, v in value.items()})
        elif value is not None:
            data[name] = value
    response = post(client, f"/team/people/{poppy.id}/key-dates", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert "There is a problem" in html and message in html
    anchor = f"#{field}-day" if field not in ("decision_to_assess",) else f"#{field}"
    assert f'href="{anchor}"' in html
    case = get_case(app, poppy)
    assert case.decision_date is None and case.final_plan_issued is None
    assert not events(app, "case-dates-recorded")


def test_key_dates_need_a_case(client, officer, poppy):
    assert client.get(f"/team/people/{poppy.id}/key-dates").status_code == 404


# --- Linking professionals and parents ----------------------------------------------------------

def test_link_a_professional_sends_a_message_and_an_email(app, client, officer, poppy, make_user):
    pro = make_user("senco@example.org", forename="Zzsally", surname="Zzsenco")
    response = post(client, f"/team/people/{poppy.id}/links",
                    {"kind": "professional", "email": " SENCO@example.org "},
                    page=f"/team/people/{poppy.id}")
    assert response.status_code == 303 and response.headers["Location"].endswith("#linked")
    with app.app_context():
        link = Link.get((Link.user == pro.id) & (Link.person == poppy.id))
        assert link.how == "sen-team" and link.linked_by_id == officer.id
        message = Message.get(Message.recipient == pro.id)
        assert message.kind == "general" and message.person_id == poppy.id
        assert message.subject == "You have been linked to Zzpoppy Zzthompson"
        email = Outbox.get(Outbox.to_addr == "senco@example.org")
        assert "initials: Z.Z." in email.text_body and "Zzthompson" not in email.text_body
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "Zzsally Zzsenco" in html and "senco@example.org" in html
    assert "Zzoliver Zzofficer linked Zzsally Zzsenco to the child" in html
    # ...and the professional now sees the child.
    from services.people import people
    with app.app_context():
        assert people.person_for(pro, poppy.id) is not None


@pytest.mark.parametrize("kind,email,message", [
    ("professional", "", "Enter an email address"),
    ("professional", "not-an-email", "Enter an email address in the correct format"),
    ("professional", "x" * 10000 + "@example.org", "Enter an email address in the correct format"),
    ("professional", "nobody@example.org", "There is no professional account with that email"),
    ("professional", "parent@example.org", "belongs to a parent or carer&#39;s account"),
    ("parent", "senco@example.org", "belongs to a professional&#39;s account"),
    ("professional", "officer@example.org", "officers can see every child already"),
    ("professional", "gone@example.org", "has been disabled"),
])
def test_links_that_cannot_be_made(app, client, officer, poppy, make_user, kind, email, message):
    make_user("senco@example.org")
    make_user("parent@example.org", role="citizen")
    make_user("gone@example.org", status="disabled")
    response = post(client, f"/team/people/{poppy.id}/links", {"kind": kind, "email": email},
                    page=f"/team/people/{poppy.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert f'href="#{kind}-email"' in html
    with app.app_context():
        assert not Link.select().exists() and not Message.select().exists()
        assert not Outbox.select().exists()


def test_link_a_parent_and_refuse_a_second_link(app, client, officer, poppy, make_user):
    parent = make_user("parent@example.org", role="citizen", forename="Zzpam",
                       surname="Zzparent")
    url, page = f"/team/people/{poppy.id}/links", f"/team/people/{poppy.id}"
    assert post(client, url, {"kind": "parent", "email": parent.email}, page).status_code == 303
    with app.app_context():
        assert Link.get(Link.user == parent.id).how == "parent"
    again = post(client, url, {"kind": "parent", "email": parent.email}, page)
    assert again.status_code == 422
    assert "Zzpam Zzparent is already linked to Zzpoppy Zzthompson" in again.get_data(True)


def test_unlink_ends_the_link_and_relinking_reopens_it(app, client, officer, poppy, make_user):
    pro = make_user("senco@example.org", forename="Zzsally", surname="Zzsenco")
    with app.app_context():
        link = Link.create(user=pro, person=poppy, how="added", hidden=True)
    page = f"/team/people/{poppy.id}"
    response = post(client, f"/team/people/{poppy.id}/links/{link.id}/end", {}, page)
    assert response.status_code == 303
    with app.app_context():
        assert Link.get_by_id(link.id).ended_at is not None
    assert events(app, "person-unlinked")[0].detail["linked_user"] == "Zzsally Zzsenco"
    assert "Zzoliver Zzofficer unlinked Zzsally Zzsenco" in client.get(page).get_data(True)
    # Unlinking twice, or another child's link, is not found.
    assert post(client, f"/team/people/{poppy.id}/links/{link.id}/end", {},
                page).status_code == 404
    post(client, f"/team/people/{poppy.id}/links", {"kind": "professional",
                                                    "email": pro.email}, page)
    with app.app_context():
        again = Link.get_by_id(link.id)
        assert again.ended_at is None and again.hidden is False and again.how == "sen-team"


def test_another_childs_link_cannot_be_ended_here(app, client, officer, poppy, make_user):
    pro = make_user("senco@example.org")
    other = person(app, "Zzother", "Zzchild")
    with app.app_context():
        link = Link.create(user=pro, person=other)
    response = post(client, f"/team/people/{poppy.id}/links/{link.id}/end", {},
                    f"/team/people/{poppy.id}")
    assert response.status_code == 404
    with app.app_context():
        assert Link.get_by_id(link.id).ended_at is None


# --- Forms on the case ---------------------------------------------------------------------------

def test_every_form_on_the_case_is_listed(app, client, officer, poppy, make_user):
    pro = make_user("senco@example.org", forename="Zzsally", surname="Zzsenco")
    with app.app_context():
        submitted = FormInstance.create(person=poppy, form_key="primary-request",
                                        schema_version=1, author=pro, status="submitted",
                                        submitted_at=utcnow())
        FormInstance.create(person=poppy, form_key="e7-other-professionals", schema_version=1,
                            author=pro, status="draft")
        models.Person  # noqa: B018
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    section = html.split('id="forms"')[1]
    # The casework partial (when present) lists forms sent in; without it, every form is listed.
    assert "Zzsally Zzsenco" in section and "Submitted" in section
    assert f"/forms/{submitted.id}/view" in section
