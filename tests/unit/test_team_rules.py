"""The SEN team's rules without HTTP: which recorded facts can be true together, the caseload's
filters made safe, and the audit trail in words."""
import datetime as dt

import pytest

from services.cases import caseload, statutory, trail

TODAY = dt.date(2026, 3, 16)
D = dt.timedelta


def facts(**given):
    base = {name: ("" if kind == "decision" else None) for name, _, kind in statutory.FACTS}
    base["request_received"] = TODAY - D(weeks=30)
    base.update(given)
    return base


def test_a_whole_process_in_order_is_fine():
    request = TODAY - D(weeks=70)
    assert statutory.fact_problems(facts(
        request_received=request, decision_to_assess="yes", decision_date=request + D(weeks=6),
        assessment_start=request + D(weeks=6), decision_to_issue="yes",
        decision_to_issue_date=request + D(weeks=14), draft_plan_issued=request + D(weeks=16),
        final_plan_issued=request + D(weeks=20), annual_review_held=request + D(weeks=68),
        annual_review_decision=request + D(weeks=69)), TODAY) == {}


def test_a_decision_not_to_assess_is_fine():
    assert statutory.fact_problems(facts(decision_to_assess="no",
                                     decision_date=TODAY - D(weeks=25)), TODAY) == {}


@pytest.mark.parametrize("given,field,words", [
    ({"request_received": None}, "request_received", "Enter the date"),
    ({"request_received": TODAY + D(days=1)}, "request_received", "today or in the past"),
    ({"decision_to_assess": "yes"}, "decision_date", "Enter the date of the decision"),
    ({"decision_date": TODAY}, "decision_to_assess", "Select the decision whether to assess"),
    ({"decision_to_assess": "perhaps", "decision_date": TODAY}, "decision_to_assess",
     "Select Yes or No"),
    ({"decision_to_assess": "no", "decision_date": TODAY, "assessment_start": TODAY},
     "assessment_start", "Record a decision to assess"),
    ({"decision_to_assess": "yes", "decision_date": TODAY - D(weeks=31)}, "decision_date",
     "on or after the date the request was received"),
    ({"decision_to_assess": "yes", "decision_date": TODAY - D(weeks=20),
      "assessment_start": TODAY - D(weeks=21)}, "assessment_start",
     "on or after the decision to assess"),
    ({"draft_plan_issued": TODAY}, "draft_plan_issued", "Record a decision to issue"),
    ({"decision_to_assess": "yes", "decision_date": TODAY - D(weeks=20),
      "decision_to_issue": "no", "decision_to_issue_date": TODAY - D(weeks=5),
      "draft_plan_issued": TODAY}, "draft_plan_issued", "Record a decision to issue"),
    ({"decision_to_assess": "yes", "decision_date": TODAY - D(weeks=20),
      "decision_to_issue": "yes", "decision_to_issue_date": TODAY - D(weeks=5),
      "draft_plan_issued": TODAY - D(days=2), "final_plan_issued": TODAY - D(days=3)},
     "final_plan_issued", "on or after the draft plan"),
    ({"annual_review_held": TODAY}, "annual_review_held", "Record the final plan"),
    ({"annual_review_decision": TODAY}, "annual_review_decision",
     "Record the annual review meeting"),
])
def test_facts_that_cannot_be_true_together(given, field, words):
    problems = statutory.fact_problems(facts(**given), TODAY)
    assert field in problems and words in problems[field], problems


def test_problems_come_in_process_order():
    problems = statutory.fact_problems(facts(request_received=None, annual_review_decision=TODAY,
                                         decision_to_assess="yes"), TODAY)
    assert list(problems) == ["request_received", "decision_date", "annual_review_decision"]


@pytest.mark.parametrize("args,expected", [
    ({}, ("", "", "", "")),
    ({"q": "  Zzpoppy,  Zzthompson ", "phase": "PLAN", "due": "week", "officer": "Mine"},
     ("Zzpoppy Zzthompson", "plan", "mine", "week")),
    ({"q": "x" * 10000, "phase": "nonsense", "due": "yesterday", "officer": "abc"},
     ("x" * 100, "", "", "")),
    ({"officer": "9" * 40}, ("", "", "", "")),
    ({"officer": "none", "phase": "closed"}, ("", "closed", "none", "")),
])
def test_caseload_filters_are_made_safe(app, args, expected):
    with app.app_context():
        filters = caseload.CaseloadFilters.from_args(args)
    assert (filters.search, filters.phase, filters.officer, filters.due) == expected


def test_days_text():
    assert caseload.days_text(TODAY + D(days=3), TODAY) == "due in 3 days"
    assert caseload.days_text(TODAY - D(days=1), TODAY) == "overdue by 1 day"
    assert caseload.days_text(None, TODAY) == ""


class Event:
    def __init__(self, action, **detail):
        self.action, self.detail, self.at = action, detail, None


@pytest.mark.parametrize("event,words", [
    (Event("person-viewed", page="forms: review"), "viewed the forms section (EHCP Reviews tab)"),
    (Event("person-viewed", page="details"), "viewed the child's details"),
    (Event("person-linked", linked_user="Zzsally Zzsenco"), "linked Zzsally Zzsenco to the child"),
    (Event("case-opened"), "opened a case"),
    (Event("something-new"), "something new"),
])
def test_audit_events_in_words(app, event, words):
    with app.app_context():
        assert trail.describe_event(event, "Zzsam Zztester")["what"] == words


def test_changes_get_labels(app):
    with app.app_context():
        described = trail.describe_event(Event(
            "case-dates-recorded", changes={"decision_date": ["", "2026-03-01"],
                                            "bogus": "not a pair"}), "Zzsam Zztester")
    assert described["changes"] == [("Date of the decision whether to assess", "", "2026-03-01")]
