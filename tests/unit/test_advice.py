"""services.casework.advice: due dates, statuses, reminder steps, the reminders' compare-and-set and the
review decision rules."""
import datetime as dt
from types import SimpleNamespace

import pytest

import models
from models import AdviceRequest, FormInstance, FormReview, Link, Person, Submission, User
from services.casework import advice, pack
# ``review`` is a local name in these tests (a FormReview row).
from services.forms import review as form_review

TODAY = dt.date(2031, 5, 20)


@pytest.mark.parametrize("parts, expected", [
    (("", "", ""), (None, None)),
    (("1", "6", "2031"), (dt.date(2031, 6, 1), None)),
    ((" 01", "06 ", "2031"), (dt.date(2031, 6, 1), None)),
    (("31", "2", "2031"), (None, "Due date must be a real date")),
    (("a", "2", "2031"), (None, "Due date must be a real date")),
    (("1", "2", "31"), (None, "Due date must be a real date")),
    (("1", "", "2031"), (None, "Due date must include a day, month and year")),
    (("99999999999999999999", "1", "2031"), (None, "Due date must be a real date")),
    (("²", "1", "2031"), (None, "Due date must be a real date")),
    (("١", "1", "2031"), (None, "Due date must be a real date")),
])
def test_due_date_from(parts, expected):
    assert advice.due_date_from(*parts) == expected


def test_default_due_uses_the_schema_or_six_weeks():
    assert advice.default_due(SimpleNamespace(due_days=14), TODAY) == TODAY + dt.timedelta(days=14)
    six_weeks = TODAY + dt.timedelta(days=42)
    assert advice.default_due(SimpleNamespace(due_days=None), TODAY) == six_weeks
    assert advice.default_due(SimpleNamespace(), TODAY) == TODAY + dt.timedelta(days=42)


@pytest.mark.parametrize("due_in, step", [(8, None), (7, "before"), (1, "before"), (0, "before"),
                                          (-1, "overdue"), (-30, "overdue")])
def test_due_step(due_in, step):
    item = SimpleNamespace(due_date=TODAY + dt.timedelta(days=due_in))
    assert advice.due_step(item, TODAY, 7) == step


@pytest.mark.parametrize("council, days", [({}, 7), ({"reminder_days_before": 3}, 3),
                                           ({"reminder_days_before": "x"}, 7),
                                           ({"reminder_days_before": -2}, 0), (None, 7)])
def test_reminder_days_before(council, days):
    assert advice.reminder_days_before(council) == days


@pytest.fixture
def world(app):
    with app.app_context():
        pro = User.create(email="p@example.org", role="professional", status="active")
        parent = User.create(email="c@example.org", role="citizen", status="active")
        officer = User.create(email="o@example.org", role="officer", status="active")
        child = Person.create(forename="Zzamy", surname="Zztest", date_of_birth=dt.date(2020, 1, 1))
        Link.create(user=pro, person=child)
        Link.create(user=parent, person=child, how="parent")
        yield SimpleNamespace(pro=pro, parent=parent, officer=officer, child=child, app=app)


def _request(world, due=TODAY, **extra):
    return AdviceRequest.create(person=world.child, recipient=world.pro,
                                form_key="generic-file-upload", due_date=due,
                                requested_by=world.officer, **extra)


def test_parties_are_linked_professionals_and_families(world):
    assert {u.id for u in advice.parties(world.child)} == {world.pro.id, world.parent.id}
    Link.update(ended_at=models.utcnow()).where(Link.user == world.parent).execute()
    assert [u.id for u in advice.parties(world.child)] == [world.pro.id]
    assert advice.party(world.child, world.parent.id) is None
    assert advice.party(world.child, "garbage") is None


def test_status_of(world):
    item = _request(world, due=TODAY + dt.timedelta(days=3))
    assert advice.status_of(item, TODAY) == "requested"
    assert advice.status_of(item, TODAY + dt.timedelta(days=4)) == "overdue"
    instance = FormInstance.create(person=world.child, form_key="generic-file-upload",
                                   schema_version=1, author=world.pro)
    assert advice.status_of(item, TODAY) == "in-progress"
    assert advice.status_of(item, TODAY + dt.timedelta(days=4)) == "overdue"
    FormInstance.update(status="submitted", submitted_at=models.utcnow()).execute()
    assert advice.status_of(item, TODAY + dt.timedelta(days=4)) == "received"
    FormInstance.update(status="returned").execute()
    assert advice.status_of(item, TODAY) == "in-progress"
    assert instance.id


def test_an_old_submission_does_not_answer_a_new_request(world):
    FormInstance.create(person=world.child, form_key="generic-file-upload", schema_version=1,
                        author=world.pro, status="accepted",
                        submitted_at=dt.datetime(2020, 1, 1))
    item = _request(world, due=TODAY)
    assert advice.status_of(item, TODAY) == "requested"


def test_someone_elses_form_does_not_count(world):
    item = _request(world, due=TODAY)
    FormInstance.create(person=world.child, form_key="generic-file-upload", schema_version=1,
                        author=world.parent, status="submitted", submitted_at=models.utcnow())
    assert advice.status_of(item, TODAY) == "requested"


def test_record_step_is_a_compare_and_set(world):
    with world.app.test_request_context():
        item = _request(world)
        assert advice._record_step(item, "before", sender=None, today=TODAY)
        assert not advice._record_step(item, "before", sender=None, today=TODAY)
        # A different list than the one read: the write is refused, nothing is sent.
        AdviceRequest.update(reminders_sent=["before", "manual:x"]).execute()
        stale_read = ["before"]
        as_read = advice.Value(AdviceRequest.reminders_sent.db_value(stale_read), converter=False)
        changed = (AdviceRequest.update(reminders_sent=stale_read + ["overdue"])
                   .where(AdviceRequest.reminders_sent == as_read).execute())
        assert changed == 0
        assert models.Message.select().count() == 1


def _submitted_instance(world):
    instance = FormInstance.create(person=world.child, form_key="generic-file-upload",
                                   schema_version=1, author=world.pro, status="submitted",
                                   submitted_at=models.utcnow(), version=3)
    Submission.create(instance=instance, round=1, answers={}, schema_version=1,
                      submitted_by=world.pro)
    return instance


def test_decide_rules(world):
    with world.app.test_request_context():
        instance = _submitted_instance(world)
        with pytest.raises(form_review.ReviewProblem) as refused:
            form_review.decide(instance, officer=world.officer, decision="returned", reason=" ",
                               version=3)
        assert refused.value.errors == {"reason": "Enter the reason for returning the form"}
        with pytest.raises(form_review.ReviewProblem):
            form_review.decide(instance, officer=world.officer, decision="deleted", reason="",
                               version=3)
        with pytest.raises(form_review.ReviewProblem) as stale:
            form_review.decide(instance, officer=world.officer, decision="accepted", reason="",
                               version=2)
        assert stale.value.stale
        review, new = form_review.decide(instance, officer=world.officer, decision="accepted",
                                         reason="", version=3)
        assert new and review.round == 1
        again, new = form_review.decide(FormInstance.get_by_id(instance.id), officer=world.officer,
                                        decision="accepted", reason="", version=3)
        assert not new and again.id == review.id
        assert FormReview.select().count() == 1


def test_accepting_marks_only_matching_open_requests(world):
    with world.app.test_request_context():
        instance = _submitted_instance(world)
        mine = _request(world)
        other_form = AdviceRequest.create(person=world.child, recipient=world.pro,
                                          form_key="e4-educational-psychologist", due_date=TODAY)
        cancelled = _request(world, status="cancelled")
        form_review.decide(instance, officer=world.officer, decision="accepted", reason="",
                           version=3)
        statuses = {a.id: a.status for a in AdviceRequest.select()}
        assert statuses == {mine.id: "received", other_form.id: "requested",
                            cancelled.id: "cancelled"}


def test_history_orders_rounds_and_decisions(world):
    with world.app.test_request_context():
        instance = _submitted_instance(world)
        form_review.decide(instance, officer=world.officer, decision="returned", reason="No",
                           version=3)
        Submission.create(instance=instance, round=2, answers={}, schema_version=1,
                          submitted_by=world.pro)
        FormInstance.update(status="submitted").execute()
        form_review.decide(FormInstance.get_by_id(instance.id), officer=world.officer,
                           decision="accepted", reason="", version=4)
        assert [(e.round, e.what) for e in form_review.history(instance)] == [
            (1, "submitted"), (1, "returned"), (2, "submitted"), (2, "accepted")]


def test_pack_filename():
    person = SimpleNamespace(initials="ZT")
    assert pack.pack_filename(person, TODAY) == "Advice pack - ZT - 2031-05-20.pdf"
