"""A request sent through the portal opens the case (issue 12): the case, the clock and the key
dates start on the UK day it was submitted; a second request is not offered while one is being
dealt with (or while a plan is in force); a closed case can be asked again."""
import datetime as dt

import pytest

from models import Case, CaseEvent, FormInstance, Submission, utcnow
from services.cases import events, statutory, windows
from tests.helpers import csrf_from, html
from tests.http.forms_helpers import World

EARLY = "early-years-request"


@pytest.fixture
def world(app, make_user, signed_in):
    return World(app, make_user, signed_in)


def submitted_request(world, *, at=None):
    """A request form the SENCo has just sent (its Submission round 1), through the hook the
    submit transaction calls."""
    with world.app.app_context():
        instance = FormInstance.create(person=world.child, form_key=EARLY, schema_version=1,
                                       author=world.pro, status="submitted",
                                       submitted_at=at or utcnow())
        submission = Submission.create(instance=instance, round=1, answers={}, schema_version=1,
                                       submitted_by=world.pro, submitted_at=at or utcnow())
        return instance, events.form_submitted(world.pro, instance, submission)


def test_a_submitted_request_opens_the_case_on_the_uk_day_it_was_sent(world):
    late_evening_utc = dt.datetime(2026, 7, 1, 23, 30)  # 00:30 on 2 July in the UK
    instance, event = submitted_request(world, at=late_evening_utc)
    with world.app.app_context():
        case = Case.get(Case.person == world.child.id)
        assert event.kind == "request" and event.on == dt.date(2026, 7, 2)
        assert event.detail["how"] == "portal" and event.detail["form"] == instance.id
        assert case.phase == "request" and case.request_received == dt.date(2026, 7, 2)
        assert case.next_step == "decision" and case.next_deadline == dt.date(2026, 8, 13)


def test_the_school_sees_the_request_received_straight_away(world):
    submitted_request(world)
    page = html(world.client.get(f"/people/{world.child.id}/forms"))
    assert "has not recorded a request" not in page
    assert "Request for an EHC needs assessment received" in page
    assert "Decision whether to assess" in page


def test_a_second_request_is_not_offered_nor_accepted(world):
    submitted_request(world)
    page = html(world.client.get(f"/people/{world.child.id}/forms?tab=request"))
    assert "is already with the SEN Team" in page
    assert f"/forms/{EARLY}/start" not in page
    token = csrf_from(world.client.get("/"))
    refused = world.client.post(f"/people/{world.child.id}/forms/primary-request/start",
                                data={"csrf_token": token})
    assert refused.status_code != 303
    with world.app.app_context():
        assert FormInstance.select().where(FormInstance.form_key == "primary-request").count() == 0


def test_a_second_request_sent_anyway_does_not_open_another_round(world):
    submitted_request(world)
    _instance, again = submitted_request(world)
    assert again is None
    with world.app.app_context():
        assert CaseEvent.select().where(CaseEvent.kind == "request").count() == 1


def test_a_returned_request_may_be_sent_again(world):
    instance, _event = submitted_request(world)
    with world.app.app_context():
        assert windows.window_problem(EARLY, world.child.id, dt.date.today(),
                                      resubmission=True) is None
        assert "already with the SEN Team" in windows.window_problem(EARLY, world.child.id,
                                                                    dt.date.today())


def test_after_a_decision_not_to_assess_a_new_request_can_be_made(world):
    _instance, event = submitted_request(world)
    with world.app.app_context():
        _e, found = events.record(None, world.child, "assess-decision", event.on, outcome="no")
        assert not found
        assert statutory.phase(statutory.case_for(world.child)) == "closed"
    assert windows.request_problem(world.child) is None
    page = html(world.client.get(f"/people/{world.child.id}/forms?tab=request"))
    assert f"/forms/{EARLY}/start" in page


def test_the_familys_comments_form_records_their_response(world):
    _instance, event = submitted_request(world)
    with world.app.app_context():
        events.record_all(None, world.child, [("assess-decision", event.on, "yes"),
                                              ("issue-decision", event.on, "yes"),
                                              ("draft-plan", event.on)])
        comments = FormInstance.create(person=world.child, form_key="draft-plan-comments",
                                       schema_version=1, author=world.pro, status="submitted")
        submission = Submission.create(instance=comments, round=1, answers={}, schema_version=1,
                                       submitted_by=world.pro, submitted_at=utcnow())
        response = events.form_submitted(world.pro, comments, submission)
        assert response.kind == "family-response" and response.outcome == "comments"
        case = statutory.case_for(world.child)
        assert statutory.case_state(case).response.id == response.id
        again = Submission.create(instance=comments, round=2, answers={}, schema_version=1,
                                  submitted_by=world.pro, submitted_at=utcnow())
        assert events.form_submitted(world.pro, comments, again) is None  # recorded once


def test_a_parent_is_not_offered_a_second_request_either(world, app, make_user, signed_in):
    submitted_request(world)
    parent = make_user("parent@example.org", role="citizen", citizen_kind="parent")
    from models import Link
    with app.app_context():
        Link.create(user=parent, person=world.child, how="parent")
    client = app.test_client()
    signed_in(client, parent)
    page = html(client.get(f"/family/children/{world.child.id}"))
    assert "is already with the SEN Team" in page
    assert "/forms/parent-request/start" not in page
    assert "/forms/parent-carer-views/start" in page  # other family forms are still offered
