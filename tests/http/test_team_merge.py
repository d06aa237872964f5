"""Merging duplicate records of one child (e.g. added by two schools): everything moves to the
record kept, the other is deleted, in one transaction; refusals are clear and change nothing."""
import datetime as dt

import pytest

import models
from models import (
    AdviceRequest, AuditEvent, Case, Document, FormInstance, Link, Message, Person, Share, utcnow,
)
from tests.helpers import csrf_from
from tests.http.team_helpers import TODAY, case_for, person

pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture
def twins(app, make_user):
    """The same child added twice: by a school (with a form) and by a nursery."""
    school = make_user("senco@example.org", forename="Zzsally", surname="Zzsenco")
    nursery = make_user("nursery@example.org", forename="Zznell", surname="Zznursery")
    both = make_user("both@example.org", forename="Zzbea", surname="Zzboth")
    first = person(app, "Zzpoppy", "Zzthompson", needs_matching=True, created_by=school)
    second = person(app, "Zzpoppy", "ZzThompson", needs_matching=True, created_by=nursery)
    with app.app_context():
        Link.create(user=school, person=first, how="added")
        Link.create(user=nursery, person=second, how="added")
        Link.create(user=both, person=first, how="added", ended_at=utcnow())
        Link.create(user=both, person=second, how="sen-team")
        form = FormInstance.create(person=second, form_key="early-years-request",
                                   schema_version=1, author=nursery, status="submitted")
        Message.create(recipient=nursery, person=second, subject="About the request")
        advice = AdviceRequest.create(person=second, recipient=nursery,
                                      form_key="e7-other-professionals", due_date=TODAY)
        document = Document.create(person=second, kind="letter", title="Letter",
                                   filename="letter.pdf", stored_name="abc123", size=10)
        Share.create(person=second, recipient=nursery, document=document)
        AuditEvent.create(action="person-viewed", user=nursery, person_id=second.id)
    return {"first": first, "second": second, "school": school, "nursery": nursery,
            "both": both, "form": form, "advice": advice}


def merge(client, keep_page, other, keep, carry=()):
    """Merge as the officer does; ``carry``: the Link ids ticked to carry over (none by default)."""
    token = csrf_from(client.get(f"/team/people/{keep_page.id}/merge?other={other.id}"))
    return client.post(f"/team/people/{keep_page.id}/merge",
                       data={"other": str(other.id), "keep": str(keep.id), "csrf_token": token,
                             "carry_link": [str(i) for i in carry]})


def live_links_of(app, person):
    with app.app_context():
        return [l.id for l in Link.select().where((Link.person == person.id)
                                                  & Link.ended_at.is_null())]


def test_choose_the_other_record_from_likely_duplicates(app, client, officer, twins):
    first, second = twins["first"], twins["second"]
    person(app, "Zzsomeone", "Zzelse", born="2010-01-01")
    html = client.get(f"/team/people/{first.id}/merge").get_data(as_text=True)
    assert f"/team/people/{first.id}/merge?other={second.id}" in html
    assert "Zzelse" not in html
    page = client.get(f"/team/people/{first.id}/merge?other={second.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Which record do you want to keep?" in html
    assert f"Record number {second.id}" in html and "This cannot be undone" in html


def test_merge_moves_everything_to_the_record_kept(app, client, officer, twins):
    first, second = twins["first"], twins["second"]
    response = merge(client, first, second, keep=first, carry=live_links_of(app, second))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/team/people/{first.id}")
    with app.app_context():
        assert Person.get_or_none(Person.id == second.id) is None
        kept = Person.get_by_id(first.id)
        assert kept.needs_matching is False
        links = {l.user_id: l for l in Link.select().where(Link.person == first.id)}
        assert set(links) == {twins["school"].id, twins["nursery"].id, twins["both"].id}
        assert links[twins["both"].id].ended_at is None  # the live link won
        assert Link.select().count() == 3
        assert FormInstance.get_by_id(twins["form"].id).person_id == first.id
        assert Message.get().person_id == first.id
        assert AdviceRequest.get_by_id(twins["advice"].id).person_id == first.id
        assert Document.get().person_id == first.id and Share.get().person_id == first.id
        assert not AuditEvent.select().where(AuditEvent.person_id == second.id).exists()
        merged = AuditEvent.get(AuditEvent.action == "person-merged")
        assert merged.person_id == first.id and merged.detail["removed"]["id"] == second.id
    html = client.get(f"/team/people/{first.id}").get_data(as_text=True)
    assert "merged the duplicate record Zzpoppy ZzThompson into this one" in html
    # The nursery's professional now finds the child under the kept record.
    from services.people import people
    with app.app_context():
        assert people.person_for(twins["nursery"], first.id) is not None


def test_keeping_the_other_record_moves_the_case_too(app, client, officer, twins):
    first, second = twins["first"], twins["second"]
    case_for(app, first, request_received=TODAY - dt.timedelta(days=3))
    response = merge(client, first, second, keep=second)
    assert response.status_code == 303
    with app.app_context():
        assert Person.get_or_none(Person.id == first.id) is None
        assert Case.get().person_id == second.id
        assert FormInstance.get_by_id(twins["form"].id).person_id == second.id


def test_merging_a_record_into_itself_is_refused(app, client, officer, twins):
    first = twins["first"]
    response = client.get(f"/team/people/{first.id}/merge?other={first.id}")
    assert response.status_code == 422
    assert "You cannot merge a record into itself" in response.get_data(as_text=True)
    token = csrf_from(client.get(f"/team/people/{first.id}/merge"))
    response = client.post(f"/team/people/{first.id}/merge", data={
        "other": str(first.id), "keep": str(first.id), "csrf_token": token})
    assert response.status_code == 422
    with app.app_context():
        assert Person.select().count() == 2


@pytest.mark.parametrize("other", ["999999", "abc", "-1", "9" * 40, "0"])
def test_an_unknown_other_record_is_refused(app, client, officer, twins, other):
    response = client.get(f"/team/people/{twins['first'].id}/merge?other={other}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is no record with that number" in html and 'href="#other"' in html


def test_both_records_with_a_case_cannot_be_merged(app, client, officer, twins):
    first, second = twins["first"], twins["second"]
    case_for(app, first)
    case_for(app, second)
    page = client.get(f"/team/people/{first.id}/merge?other={second.id}")
    assert page.status_code == 422 and "Both records have a case" in page.get_data(True)
    assert "Merge records</button>" not in page.get_data(True)
    token = csrf_from(page)
    response = client.post(f"/team/people/{first.id}/merge", data={
        "other": str(second.id), "keep": str(first.id), "csrf_token": token})
    assert response.status_code == 422 and "Both records have a case" in response.get_data(True)
    with app.app_context():
        assert Person.select().count() == 2 and Case.select().count() == 2
        assert FormInstance.get_by_id(twins["form"].id).person_id == second.id


def test_choosing_which_to_keep_is_required(app, client, officer, twins):
    first, second = twins["first"], twins["second"]
    token = csrf_from(client.get(f"/team/people/{first.id}/merge?other={second.id}"))
    for keep in ("", "12345", "<x>"):
        response = client.post(f"/team/people/{first.id}/merge", data={
            "other": str(second.id), "keep": keep, "csrf_token": token})
        assert response.status_code == 422
        assert "Choose the record to keep" in response.get_data(as_text=True)
    with app.app_context():
        assert Person.select().count() == 2


def test_a_failed_merge_changes_nothing(app, client, officer, twins, monkeypatch):
    """One transaction: a failure half-way leaves both records exactly as they were."""
    from services import audit
    first, second = twins["first"], twins["second"]

    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")
    monkeypatch.setattr(audit, "record", broken)
    from services.cases import merge as merge_service
    with app.app_context():
        with pytest.raises(RuntimeError):
            merge_service.merge_people(officer, Person.get_by_id(first.id),
                                       Person.get_by_id(second.id))
        assert Person.select().count() == 2
        assert FormInstance.get_by_id(twins["form"].id).person_id == second.id
        assert Link.select().where(Link.person == second.id).count() == 2
    models.db.close()


def test_links_not_ticked_end_and_are_named_in_the_audit(app, client, officer, twins):
    first, second = twins["first"], twins["second"]
    assert merge(client, first, second, keep=first).status_code == 303
    with app.app_context():
        live = {l.user_id for l in Link.select().where((Link.person == first.id)
                                                       & Link.ended_at.is_null())}
        assert live == {twins["school"].id}  # the kept record's own links only
        merged = AuditEvent.get(AuditEvent.action == "person-merged")
        assert set(merged.detail["links_not_carried"]) == {twins["nursery"].id, twins["both"].id}
