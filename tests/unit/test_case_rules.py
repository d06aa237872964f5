"""The statutory clock from case events (DESIGN.md §2 and §11): one test per row of the rules
table (services.cases.rules.PERIODS and TRANSFERS), calendar weeks and months with weekends and
leap years, the guard rails, and the phase each history gives. No database: events are plain
objects, as ``services.cases.statutory.state`` reads them."""
import datetime as dt
from types import SimpleNamespace

import pytest

from services.cases import events, rules, statutory
from services.cases.statutory import add_months, comment_window, describe_days, key_dates, next_deadline

D = dt.date
W = lambda n: dt.timedelta(weeks=n)  # noqa: E731


def ev(kind, on, outcome="", **detail):
    return SimpleNamespace(kind=kind, on=on, outcome=outcome, detail=detail, id=None,
                           recorded_at=None)


def case(*steps, born=D(2015, 3, 1)):
    """A case object holding ``steps`` (events) as the statutory module reads them."""
    return SimpleNamespace(id=None, _events=statutory.ordered(steps),
                           person=SimpleNamespace(date_of_birth=born))


def dates(c, today=D(2026, 1, 1)):
    return {k.key: k for k in key_dates(c, today)}


REQUEST = D(2026, 1, 5)  # a Monday
PLAN = (ev("request", REQUEST), ev("assess-decision", REQUEST + W(6), "yes"),
        ev("issue-decision", REQUEST + W(14), "yes"), ev("draft-plan", REQUEST + W(16)))


# --- One test per row of the rules table ----------------------------------------------------------

def test_every_period_has_a_test_below():
    assert set(rules.PERIODS) == {"decision", "advice", "decision-to-issue", "comments",
                                  "final-plan", "annual-review", "review-report",
                                  "review-decision", "amended-plan"}


@pytest.mark.parametrize("received, decision_due, final_due", [
    (D(2026, 1, 5), D(2026, 2, 16), D(2026, 5, 25)),   # a Monday: weekends count like any day
    (D(2026, 1, 10), D(2026, 2, 21), D(2026, 5, 30)),  # a Saturday request: due on a Saturday
    (D(2024, 1, 18), D(2024, 2, 29), D(2024, 6, 6)),   # across 29 February in a leap year
    (D(2025, 12, 20), D(2026, 1, 31), D(2026, 5, 9)),  # across the new year
])
def test_rule_decision_six_weeks_and_final_plan_twenty_weeks(received, decision_due, final_due):
    kd = dates(case(ev("request", received), ev("assess-decision", received, "yes")))
    assert kd["decision"].due == decision_due
    assert kd["final-plan"].due == final_due


def test_rule_advice_six_weeks_from_being_asked():
    assert rules.PERIODS["advice"].due(D(2026, 3, 2)) == D(2026, 4, 13)
    assert rules.ADVICE_WEEKS == 6


def test_rule_decision_not_to_issue_by_sixteen_weeks():
    kd = dates(case(ev("request", REQUEST), ev("assess-decision", REQUEST + W(5), "yes")))
    assert kd["decision-to-issue"].due == REQUEST + W(16) == D(2026, 4, 27)


def test_rule_draft_with_at_least_fifteen_days_for_comments():
    c = case(*PLAN)
    kd = dates(c)
    assert kd["comments"].due == REQUEST + W(16) + dt.timedelta(days=15)
    assert kd["draft-plan"].due == REQUEST + W(20) - dt.timedelta(days=15)
    closes = REQUEST + W(16) + dt.timedelta(days=15)
    assert comment_window(c, closes) == (True, closes)
    assert comment_window(c, closes + dt.timedelta(days=1)) == (False, closes)


def test_rule_annual_review_twelve_months_from_the_plan_or_the_last_review():
    c = case(ev("transfer-in", D(2024, 2, 29)))
    assert dates(c, D(2024, 3, 1))["annual-review"].due == D(2025, 2, 28)  # no 29 Feb in 2025
    c = case(ev("transfer-in", D(2024, 2, 29)), ev("review-meeting", D(2025, 2, 10)))
    assert dates(c, D(2025, 3, 1))["annual-review"].due == D(2026, 2, 10)


def test_rule_review_report_two_weeks_and_decision_four_weeks_after_the_meeting():
    kd = dates(case(ev("transfer-in", D(2024, 5, 1)), ev("review-meeting", D(2025, 4, 10))),
               D(2025, 4, 11))
    assert kd["review-report"].due == D(2025, 4, 24)
    assert kd["review-decision"].due == D(2025, 5, 8)


def test_rule_amended_plan_eight_weeks_from_the_proposed_amendments():
    kd = dates(case(ev("transfer-in", D(2024, 5, 1)), ev("review-meeting", D(2025, 4, 10)),
                    ev("review-decision", D(2025, 4, 20), "amend"),
                    ev("amendment-proposed", D(2025, 4, 20))), D(2025, 4, 21))
    assert kd["amended-plan"].due == D(2025, 6, 15)


@pytest.mark.parametrize("born, key, deadline", [
    (D(2020, 12, 1), "primary", D(2025, 2, 15)),     # Reception September 2025
    (D(2014, 10, 3), "secondary", D(2026, 2, 15)),   # Year 7 September 2026 (born after 1 Sept)
    (D(2015, 8, 31), "secondary", D(2026, 2, 15)),   # 31 August: the youngest of that year
    (D(2010, 4, 20), "post-16", D(2026, 3, 31)),     # Year 12 September 2026: 31 March
])
def test_rule_phase_transfers_by_15_february_or_31_march(born, key, deadline):
    assert (key, deadline) in {(k, d) for k, _label, d in rules.transfer_deadlines(born)}
    c = case(ev("transfer-in", deadline - dt.timedelta(days=400)), born=born)
    kd = dates(c, deadline - dt.timedelta(days=30))
    assert kd[f"transfer-{key}"].due == deadline
    assert kd[f"transfer-{key}"].status(deadline + dt.timedelta(days=1)) == "overdue"
    amended = case(ev("transfer-in", deadline - dt.timedelta(days=400)),
                   ev("review-meeting", deadline - dt.timedelta(days=90)),
                   ev("review-decision", deadline - dt.timedelta(days=80), "amend"),
                   ev("amendment-proposed", deadline - dt.timedelta(days=80)),
                   ev("amended-plan", deadline - dt.timedelta(days=10)), born=born)
    assert dates(amended, deadline)[f"transfer-{key}"].status(deadline) == "done"


def test_a_transfer_shows_only_from_the_september_before_it():
    born = D(2014, 10, 3)  # Year 7 in September 2026, deadline 15 February 2026
    c = case(ev("transfer-in", D(2024, 1, 10)), born=born)
    assert "transfer-secondary" not in dates(c, D(2025, 8, 31))
    assert "transfer-secondary" in dates(c, D(2025, 9, 1))


# --- Lateness, exceptions, the next deadline ------------------------------------------------------

def test_late_decision_is_marked_late():
    kd = dates(case(ev("request", REQUEST), ev("assess-decision", D(2026, 2, 20), "yes")))
    assert kd["decision"].status(D(2026, 3, 1)) == "late"
    assert kd["decision"].describe(D(2026, 3, 1)) == "4 days after the statutory date"


def test_an_exception_stops_a_late_final_plan_counting_as_late():
    steps = (*PLAN, ev("family-response", REQUEST + W(17), "comments"),
             ev("final-plan", REQUEST + W(22)))
    assert dates(case(*steps))["final-plan"].status(D(2026, 7, 1)) == "late"
    excepted = dates(case(*steps, ev("exception", REQUEST + W(3), "school-closure",
                                     reason="Zz Primary closed for the summer")))["final-plan"]
    assert excepted.status(D(2026, 7, 1)) == "excepted"
    assert "exception" in excepted.describe(D(2026, 7, 1))


def test_next_deadline_is_the_earliest_open_one():
    c = case(ev("request", REQUEST))
    upcoming = next_deadline(c, D(2026, 1, 10))
    assert upcoming.key == "decision" and upcoming.days_left(D(2026, 1, 10)) == 37
    c = case(ev("request", REQUEST), ev("assess-decision", D(2026, 2, 1), "yes"))
    assert next_deadline(c, D(2026, 2, 2)).key == "decision-to-issue"
    assert next_deadline(case(ev("request", REQUEST), ev("assess-decision", D(2026, 2, 1), "no")),
                         D(2026, 2, 2)) is None


@pytest.mark.parametrize("days, text", [(-3, "overdue by 3 days"), (-1, "overdue by 1 day"),
                                        (0, "due today"), (1, "due in 1 day"), (14, "due in 14 days")])
def test_describe_days(days, text):
    assert describe_days(days) == text


@pytest.mark.parametrize("start, months, expected", [
    (D(2024, 2, 29), 12, D(2025, 2, 28)), (D(2024, 2, 29), 48, D(2028, 2, 29)),
    (D(2025, 1, 31), 1, D(2025, 2, 28)), (D(2025, 12, 15), 1, D(2026, 1, 15)),
])
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


# --- The phase follows from what happened ---------------------------------------------------------

@pytest.mark.parametrize("steps, phase", [
    ((), "request"),
    ((ev("request", REQUEST),), "request"),
    ((ev("request", REQUEST), ev("assess-decision", REQUEST + W(5), "yes")), "assessment"),
    ((ev("request", REQUEST), ev("assess-decision", REQUEST + W(5), "no")), "closed"),
    (PLAN[:3], "plan"),
    (PLAN, "plan"),
    ((*PLAN[:3], ev("issue-decision", REQUEST + W(14), "no"))[:2]
     + (ev("issue-decision", REQUEST + W(14), "no"),), "closed"),
    ((*PLAN, ev("final-plan", REQUEST + W(20))), "review"),
    ((*PLAN, ev("final-plan", REQUEST + W(20)), ev("plan-ceased", D(2027, 1, 1), reason="x")),
     "closed"),
    ((ev("transfer-in", REQUEST),), "review"),
    ((ev("request", REQUEST), ev("request-withdrawn", REQUEST + W(2), reason="Family moved")),
     "closed"),
    ((ev("transfer-in", REQUEST), ev("transfer-out", REQUEST + W(30), reason="Zz Council")),
     "closed"),
])
def test_the_phase_is_computed(steps, phase):
    assert statutory.state(steps).phase == phase


# --- Guard rails ----------------------------------------------------------------------------------

TODAY = D(2026, 6, 1)


def problems(steps, kind, on, outcome="", **detail):
    return events.problems(statutory.state(steps), kind, on, outcome, detail, TODAY)


@pytest.mark.parametrize("steps, kind, on, outcome, detail, field, words", [
    ((), "assess-decision", REQUEST, "yes", {}, "kind", "Record the request"),
    ((ev("request", REQUEST),), "assess-decision", REQUEST - dt.timedelta(days=1), "yes", {},
     "on", "on or after the date the request was received"),
    ((ev("request", REQUEST),), "assess-decision", TODAY + dt.timedelta(days=1), "yes", {},
     "on", "today or in the past"),
    ((ev("request", REQUEST),), "assess-decision", None, "yes", {}, "on", "Enter the date"),
    ((ev("request", REQUEST),), "assess-decision", REQUEST, "", {}, "outcome", "Select"),
    ((ev("request", REQUEST), ev("assess-decision", REQUEST, "yes")), "assess-decision", REQUEST,
     "no", {}, "kind", "already recorded"),
    ((ev("request", REQUEST),), "request", REQUEST, "", {}, "kind", "already being dealt with"),
    ((ev("request", REQUEST),), "draft-plan", REQUEST, "", {}, "kind", "decision to issue"),
    (PLAN, "final-plan", REQUEST + W(17), "", {}, "early_reason", "to comment on the draft plan"),
    (PLAN, "family-response", REQUEST + W(15), "comments", {}, "on", "on or after the draft plan"),
    ((ev("transfer-in", REQUEST),), "plan-ceased", TODAY, "", {}, "reason", "Enter the reason"),
    ((ev("transfer-in", REQUEST),), "review-decision", TODAY, "maintain", {}, "kind",
     "review meeting before its decision"),
    ((ev("request", REQUEST),), "exception", REQUEST, "family-delay", {}, "reason", "reason"),
])
def test_refusals(steps, kind, on, outcome, detail, field, words):
    found = problems(steps, kind, on, outcome, **detail)
    assert field in found and words in found[field], found


def test_a_final_plan_inside_the_window_is_allowed_with_a_response_or_a_reason():
    inside = REQUEST + W(17)
    assert problems((*PLAN, ev("family-response", REQUEST + W(16), "no-comments")),
                    "final-plan", inside) == {}
    assert problems(PLAN, "final-plan", inside, early_reason="Family confirmed by email") == {}
    assert problems(PLAN, "final-plan", REQUEST + W(16) + dt.timedelta(days=15)) == {}


def test_what_can_come_next():
    kinds = lambda steps: [k.key for k in events.available_kinds(case(*steps))]  # noqa: E731
    assert kinds(()) == ["request", "transfer-in"]
    assert kinds((ev("request", REQUEST),)) == ["assess-decision", "request-withdrawn",
                                                "exception"]
    assert "final-plan" in kinds(PLAN) and "family-response" in kinds(PLAN)
    assert kinds((*PLAN, ev("final-plan", REQUEST + W(20)))) == [
        "review-meeting", "amendment-proposed", "plan-ceased", "transfer-out"]
