"""Journey tables (issue 12): one row per scenario. The officer records what happened through the
"Record what happened" page (as officers do); then each party's page is read: the officer's case
page (phase, the step that is due next), the parent's child page (the plain-English timeline) and
the linked school's key-dates panel. Dates are days before TODAY (team_helpers.TODAY)."""
import datetime as dt
import re

import pytest

from models import Link, Person
from services.casework import advice
from tests.helpers import csrf_from, html
from tests.http.team_helpers import TODAY

pytestmark = pytest.mark.usefixtures("fixed_today")


def ago(days):
    return TODAY - dt.timedelta(days=days)


def post_event(client, person, kind, days, outcome="", **extra):
    page = client.get(f"/team/people/{person.id}/key-dates?kind={kind}")
    on = ago(days)
    return client.post(f"/team/people/{person.id}/key-dates", data={
        "csrf_token": csrf_from(page), "kind": kind, "on-day": on.day, "on-month": on.month,
        "on-year": on.year, "outcome": outcome, **extra})


@pytest.fixture
def parties(family):
    """The officer, the parent and a linked SENCo, each with a signed-in client."""
    school = family.make_user("senco@school.example", role="professional", forename="Zzsally",
                              surname="Zzsenco")
    with family.app.app_context():
        Link.create(user=school, person=family.child, how="sen-team", linked_by=family.officer)
    return {"officer": family.client_for(family.officer), "parent": family.client_for(family.parent),
            "school": family.client_for(school), "child": family.child, "family": family}


def record(parties, steps):
    officer, child = parties["officer"], parties["child"]
    first = steps[0]
    if first[0] == "request-by-post":
        on = ago(first[1])
        page = officer.get(f"/team/people/{child.id}/open-case")
        response = officer.post(f"/team/people/{child.id}/open-case", data={
            "csrf_token": csrf_from(page), "request-received-day": on.day,
            "request-received-month": on.month, "request-received-year": on.year,
            "how": "post", "officer": ""})
        assert response.status_code == 303, html(response)
        steps = steps[1:]
    for kind, days, *rest in steps:
        outcome = rest[0] if rest else ""
        extra = rest[1] if len(rest) > 1 else {}
        response = post_event(officer, child, kind, days, outcome, **extra)
        assert response.status_code == 303, (kind, re.findall(r'govuk-error-message[^>]*>(.*?)</', html(response), re.S))


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))


PLAN = [("request-by-post", 140), ("assess-decision", 100, "yes"),
        ("issue-decision", 40, "yes"), ("draft-plan", 20)]
FINAL = [*PLAN, ("family-response", 10, "no-comments"), ("final-plan", 5)]
OLD_PLAN = [("request-by-post", 520), ("assess-decision", 480, "yes"),
            ("issue-decision", 420, "yes"), ("draft-plan", 400),
            ("family-response", 390, "comments"), ("final-plan", 370)]

JOURNEYS = {
    # name: (steps, phase, next step due (officer), family sentence, school panel words)
    "on time": (FINAL, "Review", "Next annual review meeting",
                f"The final EHC plan was issued on {ago(5).day} {ago(5):%B %Y}.",
                "Final EHC plan issued"),
    "decision not to assess": (
        [("request-by-post", 50), ("assess-decision", 30, "no")], "Closed", None,
        "decided not to carry out an EHC needs assessment", "Decision whether to assess"),
    "decision not to issue": (
        [("request-by-post", 120), ("assess-decision", 90, "yes"), ("issue-decision", 20, "no")],
        "Closed", None, "decided not to issue an EHC plan", "Decision whether to issue"),
    "a holiday exception": (
        [("request-by-post", 160), ("exception", 150, "school-closure",
                                    {"reason": "Zz Primary closed for the summer holiday"}),
         ("assess-decision", 120, "yes"), ("issue-decision", 60, "yes"), ("draft-plan", 30),
         ("family-response", 20, "comments"), ("final-plan", 2)],
        "Review", "Next annual review meeting", "The law allows more time in this case.",
        "exception"),
    "annual review: maintain": (
        [*OLD_PLAN, ("review-meeting", 20), ("review-report", 10),
         ("review-decision", 5, "maintain")], "Review", "Next annual review meeting",
        "The annual review meeting was held on", "Decision after the annual review"),
    "annual review: amend": (
        [*OLD_PLAN, ("review-meeting", 20), ("review-report", 10),
         ("review-decision", 5, "amend"), ("amendment-proposed", 5)], "Review",
        "Final amended EHC plan", "The council must issue the amended EHC plan by",
        "Final amended EHC plan"),
    "annual review: cease": (
        [*OLD_PLAN, ("review-meeting", 20), ("review-report", 10),
         ("review-decision", 5, "cease"), ("plan-ceased", 1, "", {"reason": "Needs met"})],
        "Closed", None, "EHC plan has ended", "Decision after the annual review"),
    "request by post": (
        [("request-by-post", 10)], "Request", "Decision whether to assess",
        f"The council received the request for an EHC needs assessment on {ago(10).day} "
        f"{ago(10):%B %Y}.", "Request for an EHC needs assessment received"),
}


@pytest.mark.parametrize("name", JOURNEYS)
def test_journey(parties, name):
    steps, phase, next_step, family_words, school_words = JOURNEYS[name]
    record(parties, steps)
    child = parties["child"]
    case_page = text(parties["officer"].get(f"/team/people/{child.id}"))
    assert f"Phase: {phase}" in case_page
    caseload = text(parties["officer"].get("/team/"))
    row = caseload[caseload.index("Zzthompson"):][:400]
    if next_step:
        assert next_step in row, row
    else:
        assert "None" in row, row
    assert family_words in text(parties["parent"].get(f"/family/children/{child.id}"))
    assert school_words in text(parties["school"].get(f"/people/{child.id}/forms"))


def test_a_final_plan_inside_the_window_is_refused_then_allowed_with_no_comments(parties):
    record(parties, [*PLAN[:3], ("draft-plan", 5)])
    officer, child = parties["officer"], parties["child"]
    refused = post_event(officer, child, "final-plan", 0)
    assert refused.status_code == 422
    closes = ago(5) + dt.timedelta(days=15)
    assert f"The family has until {closes.day} {closes:%B %Y} to comment" in text(refused)
    assert "govuk-error-summary" in html(refused)
    assert "Phase: EHC Plan" in text(officer.get(f"/team/people/{child.id}"))
    record(parties, [("family-response", 0, "no-comments"), ("final-plan", 0)])
    assert "Phase: Review" in text(officer.get(f"/team/people/{child.id}"))


def test_a_final_plan_inside_the_window_with_the_reason_why(parties):
    record(parties, [*PLAN[:3], ("draft-plan", 5)])
    officer, child = parties["officer"], parties["child"]
    allowed = post_event(officer, child, "final-plan", 0,
                         early_reason="The family confirmed by email they have no comments")
    assert allowed.status_code == 303
    page = text(officer.get(f"/team/people/{child.id}"))
    assert "Issued early: The family confirmed by email" in page


def test_late_advice_is_counted_on_the_dashboard(parties, app):
    record(parties, PLAN[:2])
    with app.app_context():
        child = Person.get_by_id(parties["child"].id)
        advice.request_advice(child, officer=parties["family"].officer,
                              registry=app.extensions["forms"], form_key="parent-carer-views",
                              recipient_id=parties["family"].parent.id, today=ago(50))
    dashboard = text(parties["officer"].get("/team/dashboard"))
    assert re.search(r"Overdue advice 1 advice request past the due date", dashboard), dashboard


def test_the_phase_transfer_deadline(parties, app):
    with app.app_context():
        Person.update(date_of_birth=dt.date(2014, 10, 3)).where(
            Person.id == parties["child"].id).execute()  # Year 7 in September 2026
    record(parties, OLD_PLAN)
    page = text(parties["officer"].get(f"/team/people/{parties['child'].id}"))
    assert "Plan amended for the move to secondary school (Year 7)" in page
    assert "15/02/2026" in page and "overdue by 29 days" in page
    family = text(parties["parent"].get(f"/family/children/{parties['child'].id}"))
    assert "The plan must be updated for the move to secondary school (Year 7) by 15 February 2026" in family


def test_a_mistyped_date_is_corrected_and_the_change_audited(parties, app):
    record(parties, [("request-by-post", 30), ("assess-decision", 3, "yes")])
    officer, child = parties["officer"], parties["child"]
    with app.app_context():
        from models import CaseEvent
        event = CaseEvent.get(CaseEvent.kind == "assess-decision")
    url = f"/team/people/{child.id}/events/{event.id}"
    page = officer.get(url)
    too_early = ago(40)
    refused = officer.post(url, data={"csrf_token": csrf_from(page), "on-day": too_early.day,
                                      "on-month": too_early.month, "on-year": too_early.year,
                                      "outcome": "yes"})
    assert refused.status_code == 422, text(refused)
    assert "on or after the date the request was received" in text(refused), text(refused)[text(refused).find("There is a problem"):][:600]
    fixed = ago(4)
    response = officer.post(url, data={"csrf_token": csrf_from(page), "on-day": fixed.day,
                                       "on-month": fixed.month, "on-year": fixed.year,
                                       "outcome": "yes"})
    assert response.status_code == 303
    case_page = text(officer.get(f"/team/people/{child.id}"))
    assert "corrected decision whether to assess" in case_page
    assert f"{ago(3):%Y-%m-%d}" in case_page and f"{fixed:%Y-%m-%d}" in case_page
