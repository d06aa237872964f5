"""A child's case page for the SEN team: details (edited and audited), opening a case with a
request by post, the officer, recording what happened with the statutory dates worked out from it, linking professionals and
parents (with a portal message and an email), the forms list and the audit trail in words."""
import datetime as dt

import pytest

import models
from models import AuditEvent, Case, CaseEvent, FormInstance, Link, Message, Outbox, Person, utcnow
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


# --- Opening a case with a request by post, the officer, recording what happened ------------------

def test_open_a_case(app, client, officer, poppy):
    url = f"/team/people/{poppy.id}/open-case"
    response = post(client, url, {**date_parts("request-received", TODAY - D(days=3)),
                                  "officer": str(officer.id), "how": "email"})
    assert response.status_code == 303
    case = get_case(app, poppy)
    assert case.request_received == TODAY - D(days=3) and case.officer_id == officer.id
    assert case.next_deadline == TODAY - D(days=3) + D(weeks=6)
    assert case.phase == "request"
    assert events(app, "case-opened")[0].detail["request_received"] == "2026-03-13"
    with app.app_context():
        request = CaseEvent.get(CaseEvent.case == case.id)
        assert (request.kind, request.detail["how"], request.recorded_by_id) == (
            "request", "email", officer.id)
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "Decision whether to assess" in html and "24/04/2026" in html
    assert "due in 39 days" in html and "By email" in html
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
    response = post(client, f"/team/people/{poppy.id}/open-case",
                    {**parts, "officer": "", "how": "post"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'href="#request-received-day"' in html
    with app.app_context():
        assert not Case.select().exists()


def test_open_a_case_with_an_unknown_officer_or_route(app, client, officer, poppy):
    response = post(client, f"/team/people/{poppy.id}/open-case",
                    {**date_parts("request-received", TODAY), "officer": "424242",
                     "how": "pigeon"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Select an officer from the list" in html and "Select how the request came" in html


def test_opening_a_case_matches_a_record_added_by_a_professional(app, client, officer):
    added = person(app, "Zzadded", "Zzbyschool", needs_matching=True)
    assert "It has not been matched yet" in client.get(
        f"/team/people/{added.id}").get_data(as_text=True)
    post(client, f"/team/people/{added.id}/open-case",
         {**date_parts("request-received", TODAY), "how": "post"},
         page=f"/team/people/{added.id}/open-case")
    with app.app_context():
        assert Person.get_by_id(added.id).needs_matching is False


def test_the_officer_is_saved_and_audited_and_the_phase_is_not_typed(app, client, officer, poppy,
                                                                      make_user):
    other = make_user("olga@example.org", role="officer", forename="Zzolga", surname="Zzother")
    case_for(app, poppy, officer=officer)
    page = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert 'name="phase"' not in page and "Phase: " in page
    response = post(client, f"/team/people/{poppy.id}/case",
                    {"phase": "review", "officer": str(other.id)},
                    page=f"/team/people/{poppy.id}")
    assert response.status_code == 303
    case = get_case(app, poppy)
    assert case.phase == "request" and case.officer_id == other.id  # a posted phase is ignored
    changes = events(app, "case-changed")[0].detail["changes"]
    assert changes == {"officer": ["Zzoliver Zzofficer", "Zzolga Zzother"]}
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "Officer: Zzoliver Zzofficer &rarr; Zzolga Zzother" in html


def test_an_unknown_officer_is_refused(app, client, officer, poppy):
    case_for(app, poppy, officer=officer)
    response = post(client, f"/team/people/{poppy.id}/case", {"officer": "424242"},
                    page=f"/team/people/{poppy.id}")
    assert response.status_code == 422
    assert "Select an officer from the list" in response.get_data(as_text=True)
    assert get_case(app, poppy).officer_id == officer.id


def test_the_officer_needs_a_case(client, officer, poppy):
    response = post(client, f"/team/people/{poppy.id}/case", {"officer": ""},
                    page=f"/team/people/{poppy.id}")
    assert response.status_code == 404


# --- Recording what happened; the statutory clock follows ---------------------------------------

def record(client, poppy, kind, day, outcome="", **extra):
    return post(client, f"/team/people/{poppy.id}/key-dates",
                {"kind": kind, **date_parts("on", day), "outcome": outcome, **extra})


def test_the_page_offers_only_what_can_come_next(app, client, officer, poppy):
    case_for(app, poppy, request_received=TODAY - D(days=10))
    page = client.get(f"/team/people/{poppy.id}/key-dates").get_data(as_text=True)
    assert 'value="assess-decision"' in page and 'value="exception"' in page
    assert 'value="final-plan"' not in page and 'value="request"' not in page
    assert events(app, "person-viewed")[-1].detail == {"page": "key-dates"}
    form = client.get(f"/team/people/{poppy.id}/key-dates?kind=assess-decision")
    assert 'name="on-day"' in form.get_data(True) and "Yes, carry out an assessment" in form.get_data(True)


def test_events_drive_the_statutory_dates(app, client, officer, poppy):
    request = TODAY - D(weeks=19)
    case_for(app, poppy, request_received=request)
    for kind, day, outcome in (("assess-decision", request + D(weeks=5), "yes"),
                               ("issue-decision", request + D(weeks=14), "yes"),
                               ("draft-plan", TODAY - D(days=5), "")):
        response = record(client, poppy, kind, day, outcome)
        assert response.status_code == 303, response.get_data(True)
    case = get_case(app, poppy)
    assert case.draft_plan_issued == TODAY - D(days=5) and case.decision_to_issue == "yes"
    assert case.phase == "plan"
    # The final plan (20 weeks) is due before the parents' 15-day comment window closes.
    assert case.next_deadline == request + D(weeks=20)
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "Family&#39;s comments on the draft plan" in html
    assert "the 15-day window is open until 26/03/2026" in html
    assert "due in 10 days" in html  # comments close 26/03
    final_due = request + D(weeks=20)
    assert final_due.strftime("%d/%m/%Y") in html and "due in 7 days" in html  # final plan
    assert "on time" in html  # the decision to assess
    recorded = events(app, "case-event-recorded")
    assert [e.detail["kind"] for e in recorded] == ["assess-decision", "issue-decision", "draft-plan"]
    assert "recorded: Draft EHC plan issued, on 11 March 2026" in html


def test_late_steps_and_the_annual_review(app, client, officer, poppy):
    request = dt.date(2025, 1, 6)
    case_for(app, poppy, phase="review", request_received=request, decision_to_assess="yes",
             decision_date=request + D(weeks=7), decision_to_issue="yes",
             decision_to_issue_date=request + D(weeks=15),
             draft_plan_issued=request + D(weeks=17), final_plan_issued=request + D(weeks=19))
    html = client.get(f"/team/people/{poppy.id}").get_data(as_text=True)
    assert "7 days after the statutory date" in html  # decision whether to assess
    assert "Next annual review meeting" in html and "Phase: " in html
    review = dt.date(2026, 5, 19)  # 12 months after the final plan (2025-05-19)
    assert review.strftime("%d/%m/%Y") in html and "due in 64 days" in html
    assert "comment-window" not in html  # the final plan closed the comment window


@pytest.mark.parametrize("kind,day,outcome,field,message", [
    ("assess-decision", {"day": "31", "month": "2", "year": "2026"}, "yes", "on",
     "must be a real date"),
    ("assess-decision", TODAY + D(days=1), "yes", "on", "must be today or in the past"),
    ("assess-decision", None, "yes", "on", "Enter the date of the decision whether to assess"),
    ("assess-decision", TODAY, "maybe", "outcome", "Select the decision whether to assess"),
    ("assess-decision", TODAY - D(days=30), "yes", "on",
     "must be on or after the date the request was received"),
    ("final-plan", TODAY, "", "kind", "Record the draft plan before the final plan"),
    ("nonsense", TODAY, "", "kind", "Select what happened"),
    ("exception", TODAY, "family-delay", "reason", "Enter the reason"),
])
def test_events_that_cannot_be_right_are_refused(app, client, officer, poppy, kind, day,
                                                 outcome, field, message):
    case_for(app, poppy, request_received=TODAY - D(days=10))
    data = {"kind": kind, "outcome": outcome}
    if isinstance(day, dt.date):
        data.update(date_parts("on", day))
    elif isinstance(day, dict):
        data.update({f"on-{k}": v for k, v in day.items()})
    response = post(client, f"/team/people/{poppy.id}/key-dates", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert "There is a problem" in html and message in html
    assert f'href="#{"on-day" if field == "on" else field}"' in html
    case = get_case(app, poppy)
    assert case.decision_date is None and case.final_plan_issued is None
    assert not events(app, "case-event-recorded")


def test_a_mistake_is_removed_and_the_removal_audited(app, client, officer, poppy):
    case_for(app, poppy, request_received=TODAY - D(days=10))
    record(client, poppy, "assess-decision", TODAY, "no")
    assert get_case(app, poppy).phase == "closed"
    with app.app_context():
        event = CaseEvent.get(CaseEvent.kind == "assess-decision")
        first = CaseEvent.get(CaseEvent.kind == "request")
    refused = post(client, f"/team/people/{poppy.id}/events/{first.id}/remove", {})
    assert refused.status_code == 422 and "Only the latest event" in refused.get_data(True)
    response = post(client, f"/team/people/{poppy.id}/events/{event.id}/remove", {},
                    page=f"/team/people/{poppy.id}/events/{event.id}")
    assert response.status_code == 303
    assert get_case(app, poppy).phase == "request"
    assert events(app, "case-event-removed")[0].detail["kind"] == "assess-decision"


def test_events_need_a_case(client, officer, poppy):
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
        told = Message.get(Message.recipient == parent.id).body
        assert "under My children" in told and "Special Educational Needs" not in told
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
