"""Upgrading (issue 12): `flask init-db` turns cases an older release stored as a phase and date
columns into case events, without losing a date; a phase with no date behind it becomes an
estimated event; a case that already has events is left alone."""
import datetime as dt

import pytest

import models
from models import Case, CaseEvent, Person
from services.cases import events, statutory

D = dt.date


def _person(forename="Zzold"):
    return Person.create(forename=forename, surname="Zzcase", date_of_birth=D(2012, 5, 1))


OLD = dict(phase="review", request_received=D(2025, 1, 6), decision_to_assess="yes",
           decision_date=D(2025, 2, 10), assessment_start=D(2025, 2, 11),
           decision_to_issue="yes", decision_to_issue_date=D(2025, 4, 14),
           draft_plan_issued=D(2025, 4, 28), final_plan_issued=D(2025, 5, 26),
           annual_review_held=D(2026, 5, 1), annual_review_decision=D(2026, 5, 20))


def test_every_stored_date_becomes_an_event(app):
    with app.app_context():
        case = Case.create(person=_person(), **OLD)
        assert events.convert_legacy(case, today=D(2026, 6, 1)) == 7
        made = {(e.kind, e.on, e.outcome) for e in CaseEvent.select()}
        assert made == {("request", D(2025, 1, 6), ""), ("assess-decision", D(2025, 2, 10), "yes"),
                        ("issue-decision", D(2025, 4, 14), "yes"),
                        ("draft-plan", D(2025, 4, 28), ""), ("final-plan", D(2025, 5, 26), ""),
                        ("review-meeting", D(2026, 5, 1), ""),
                        ("review-decision", D(2026, 5, 20), "maintain")}
        case = Case.get_by_id(case.id)
        for column in ("request_received", "decision_date", "decision_to_issue_date",
                       "draft_plan_issued", "final_plan_issued", "annual_review_held",
                       "annual_review_decision"):
            assert getattr(case, column) == OLD[column], column
        assert case.phase == "review" and case.next_step == "review-report"
        assert events.convert_legacy(case) == 0  # once only


def test_a_phase_without_dates_becomes_estimated_events_in_order(app):
    with app.app_context():
        case = Case.create(person=_person(), phase="plan",
                           draft_plan_issued=D(2026, 3, 1))
        events.convert_legacy(case, today=D(2026, 6, 1))
        made = statutory.ordered(CaseEvent.select())
        assert [e.kind for e in made] == ["request", "assess-decision", "issue-decision",
                                          "draft-plan"]
        assert all(e.detail.get("estimated") for e in made[:3])
        assert statutory.phase(Case.get_by_id(case.id)) == "plan"


def test_init_db_converts_every_old_case(app):
    with app.app_context():
        Case.create(person=_person("Zzone"), phase="request", request_received=D(2026, 5, 1))
        Case.create(person=_person("Zztwo"), phase="assessment", request_received=D(2026, 4, 1),
                    decision_to_assess="yes", decision_date=D(2026, 5, 1))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert "became 3 case events" in result.output, result.output
    with app.app_context():
        phases = sorted(c.phase for c in Case.select())
        assert phases == ["assessment", "request"]


def test_the_daily_run_brings_a_transfer_deadline_into_the_caseload(app):
    with app.app_context():
        child = Person.create(forename="Zzmove", surname="Zzup", date_of_birth=D(2014, 10, 3))
        events.record(None, child, "transfer-in", D(2025, 3, 1), today=D(2025, 3, 1))
        case = statutory.case_for(child)
        assert case.next_step == "annual-review"  # Year 7's deadline (15/02/2026) not yet begun
        assert events.refresh_open_cases(D(2025, 8, 31)) == 0
        assert events.refresh_open_cases(D(2025, 9, 1)) == 1
        case = statutory.case_for(child)
        assert (case.next_step, case.next_deadline) == ("transfer-secondary", D(2026, 2, 15))


@pytest.mark.races
def test_two_officers_recording_the_same_decision_at_once_record_it_once(app):
    import threading
    with app.app_context():
        child = Person.create(forename="Zzrace", surname="Zzcase", date_of_birth=D(2016, 1, 1))
        events.record(None, child, "request", D(2026, 1, 5), today=D(2026, 3, 1))
    results, start = [], threading.Barrier(2)

    def decide(outcome):
        with app.app_context():
            start.wait()
            event, found = events.record(None, child, "assess-decision", D(2026, 2, 1),
                                         outcome=outcome, today=D(2026, 3, 1))
            results.append(bool(event))
            models.db.close()

    threads = [threading.Thread(target=decide, args=(o,)) for o in ("yes", "no")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    with app.app_context():
        assert CaseEvent.select().where(CaseEvent.kind == "assess-decision").count() == 1
