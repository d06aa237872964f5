"""The statutory clock (DESIGN.md §2): calendar weeks and months, weekends and leap years included."""
import datetime as dt
from types import SimpleNamespace

import pytest

from services.cases.statutory import add_months, comment_window, describe_days, key_dates, next_deadline

D = dt.date


def case(**facts):
    base = dict(request_received=None, decision_to_assess="", decision_date=None,
                assessment_start=None, decision_to_issue="", decision_to_issue_date=None,
                draft_plan_issued=None, final_plan_issued=None, annual_review_held=None,
                annual_review_decision=None)
    base.update(facts)
    return SimpleNamespace(**base)


def dates(c, today=D(2026, 1, 1)):
    return {k.key: k for k in key_dates(c, today)}


def test_no_request_no_clock():
    assert [k.key for k in key_dates(case())] == ["request"]


@pytest.mark.parametrize("received, decision_due, final_due", [
    (D(2026, 1, 5), D(2026, 2, 16), D(2026, 5, 25)),   # a Monday: weekends count like any day
    (D(2026, 1, 10), D(2026, 2, 21), D(2026, 5, 30)),  # a Saturday request: due on a Saturday
    (D(2024, 1, 18), D(2024, 2, 29), D(2024, 6, 6)),   # across 29 February in a leap year
    (D(2025, 12, 20), D(2026, 1, 31), D(2026, 5, 9)),  # across the new year
])
def test_six_and_twenty_weeks_from_the_request(received, decision_due, final_due):
    kd = dates(case(request_received=received))
    assert kd["decision"].due == decision_due
    assert kd["final-plan"].due == final_due
    assert kd["decision-to-issue"].due == received + dt.timedelta(weeks=16)


def test_decision_not_to_assess_stops_the_clock():
    kd = dates(case(request_received=D(2026, 1, 5), decision_to_assess="no",
                    decision_date=D(2026, 2, 10)))
    assert set(kd) == {"request", "decision"}
    assert kd["decision"].status(D(2026, 3, 1)) == "done"


def test_late_decision_is_marked_late():
    kd = dates(case(request_received=D(2026, 1, 5), decision_to_assess="yes",
                    decision_date=D(2026, 2, 20)))
    assert kd["decision"].status(D(2026, 3, 1)) == "late"
    assert kd["decision"].describe(D(2026, 3, 1)) == "4 days after the statutory date"


def test_draft_opens_a_fifteen_day_comment_window():
    c = case(request_received=D(2026, 1, 5), decision_to_assess="yes", decision_to_issue="yes",
             draft_plan_issued=D(2026, 4, 20))
    kd = dates(c)
    assert kd["comments"].due == D(2026, 5, 5)
    assert comment_window(c, D(2026, 5, 5)) == (True, D(2026, 5, 5))
    assert comment_window(c, D(2026, 5, 6)) == (False, D(2026, 5, 5))


def test_no_plan_decision_ends_before_the_plan_steps():
    kd = dates(case(request_received=D(2026, 1, 5), decision_to_assess="yes",
                    decision_to_issue="no", decision_to_issue_date=D(2026, 4, 1)))
    assert "final-plan" not in kd and kd["decision-to-issue"].status(D(2026, 5, 1)) == "done"


def test_annual_review_twelve_months_after_the_plan_or_the_last_review():
    c = case(request_received=D(2023, 9, 1), decision_to_assess="yes", decision_to_issue="yes",
             final_plan_issued=D(2024, 2, 29))
    assert dates(c)["annual-review"].due == D(2025, 2, 28)  # no 29 February in 2025
    c.annual_review_held = D(2025, 2, 10)
    kd = dates(c)
    assert kd["annual-review"].due == D(2026, 2, 10)
    assert kd["review-decision"].due == D(2025, 3, 10)


def test_next_deadline_is_the_earliest_open_one():
    c = case(request_received=D(2026, 1, 5))
    upcoming = next_deadline(c, D(2026, 1, 10))
    assert upcoming.key == "decision" and upcoming.days_left(D(2026, 1, 10)) == 37
    c.decision_to_assess, c.decision_date = "yes", D(2026, 2, 1)
    assert next_deadline(c, D(2026, 2, 2)).key == "decision-to-issue"


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


def test_save_case_stores_the_next_deadline(app):
    import models
    from services.cases import statutory
    with app.app_context():
        person = models.Person.create(forename="Zzalex", surname="Zzexample",
                                      date_of_birth=D(2019, 5, 1))
        c = statutory.open_case(person, request_received=D(2026, 1, 5), today=D(2026, 1, 6))
        assert c.next_deadline == D(2026, 2, 16)
        with models.db.atomic():
            statutory.save_case(c, D(2026, 2, 1), decision_to_assess="yes", decision_date=D(2026, 2, 1))
        assert models.Case.get_by_id(c.id).next_deadline == D(2026, 4, 27)
