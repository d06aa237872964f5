"""Family forms: the catalogue offered to families, Start through the citizen route, every family
form filled in and submitted through the runner, the draft-plan comment window (refused outside it
on Start and on Submit), and "Ask for an assessment" for a child the council does not know yet."""
import datetime as dt
import re

import pytest

import models
from models import CaseEvent, FormInstance, Link, Person
from services.cases import events
from tests.helpers import csrf_from
from tests.http.family_helpers import TODAY

FAMILY_FORMS = ("parent-request", "parental-consent", "ehc9c-child-views", "ehc9c-easy-read",
                "parent-carer-views", "draft-plan-comments")


def _html(response):
    return response.get_data(as_text=True)


def _start(family, client, form_key, person=None):
    person = person or family.child
    return family.post(client, f"/family/children/{person.id}/forms/{form_key}/start")


def _instance_id(response):
    return int(re.search(r"/forms/(\d+)/", response.headers["Location"]).group(1))


def _open_window(family, days_ago=3):
    received = TODAY - dt.timedelta(weeks=17)
    return family.case(phase="plan", request_received=received, decision_to_assess="yes",
                       decision_date=received + dt.timedelta(weeks=5), decision_to_issue="yes",
                       decision_to_issue_date=received + dt.timedelta(weeks=12),
                       draft_plan_issued=TODAY - dt.timedelta(days=days_ago))


def _value(field):
    """A valid answer for any field type the family forms use."""
    if field.type == "date":
        return {"-day": "27", "-month": "3", "-year": "2016"}
    if field.options:
        return field.options[0].value
    return {"yesno": "No", "tel": "01632 960001", "email": "zz@example.org", "number": "3",
            "postcode": "TS18 1AA", "time": "10:30"}.get(field.type, "Zz answer")


def _fill(family, client, instance_id):
    """Walk every step with an answer for every field, then submit with every "I agree"."""
    registry = family.app.extensions["forms"]
    with family.app.app_context():
        instance = FormInstance.get_by_id(instance_id)
    form = registry.get(instance.form_key)
    for step in form.steps:
        url = f"/forms/{instance_id}/{step.key}"
        page = client.get(url)
        assert page.status_code == 200, (step.key, page.status_code)
        data = {"csrf_token": csrf_from(page),
                "version": re.search(r'name="version" id="form-version" value="(\d+)"', _html(page)).group(1)}
        for field in step.fields:
            if not field.has_value or field.type in ("file", "work_profile"):
                continue
            if field.pattern and not field.required:  # UPN, NHS number: left blank
                continue
            value = _value(field)
            if isinstance(value, dict):
                data.update({field.name + k: v for k, v in value.items()})
            else:
                data[field.name] = value
        saved = client.post(url, data=data)
        assert saved.status_code == 303, (step.key, _html(saved)[:3000])
    summary = client.get(f"/forms/{instance_id}/summary")
    assert summary.status_code == 200
    statements = form.declaration_statements(family.app.config["COUNCIL"].get("declarations"))
    data = {"csrf_token": csrf_from(summary),
            "version": re.search(r'name="version" id="form-version" value="(\d+)"', _html(summary)).group(1),
            **{f"agree-{i}": "yes" for i in range(len(statements))}}
    return client.post(f"/forms/{instance_id}/submit", data=data)


def test_the_child_page_offers_every_family_form(family):
    html = _html(family.client_for(family.parent).get(f"/family/children/{family.child.id}"))
    registry = family.app.extensions["forms"]
    for key in FAMILY_FORMS:
        assert registry.get(key).title.replace("'", "&#39;") in html, key
    # Professionals' forms are not offered.
    assert "Primary Education Request" not in html
    assert "You can send comments once the SEN Team has sent you the draft EHC plan" in html


@pytest.mark.parametrize("form_key", [k for k in FAMILY_FORMS if k != "draft-plan-comments"])
def test_every_family_form_can_be_started_filled_in_and_submitted(family, form_key):
    client = family.client_for(family.parent)
    started = _start(family, client, form_key)
    assert started.status_code == 303
    instance_id = _instance_id(started)
    done = _fill(family, client, instance_id)
    assert done.status_code == 303 and done.headers["Location"].endswith("/submitted")
    instance = family.reload(FormInstance, instance_id)
    assert instance.status == "submitted" and instance.author_id == family.parent.id
    html = _html(client.get(f"/family/children/{family.child.id}"))
    assert "Your forms" in html and f"/forms/{instance_id}/view" in html
    assert client.get(f"/forms/{instance_id}/pdf").status_code == 200


def test_a_draft_shows_continue_and_delete(family):
    client = family.client_for(family.parent)
    instance_id = _instance_id(_start(family, client, "parent-carer-views"))
    html = _html(client.get(f"/family/children/{family.child.id}"))
    assert f"/forms/{instance_id}\"" in html and f"/forms/{instance_id}/delete" in html
    assert "Draft" in html
    page = client.get(f"/forms/{instance_id}/delete")
    assert page.status_code == 200
    deleted = family.post(client, f"/forms/{instance_id}/delete")
    assert deleted.status_code == 303
    assert deleted.headers["Location"].endswith(f"/family/children/{family.child.id}")


def test_the_submitted_page_leads_back_to_the_child(family):
    client = family.client_for(family.parent)
    instance_id = _instance_id(_start(family, client, "ehc9c-easy-read"))
    _fill(family, client, instance_id)
    html = _html(client.get(f"/forms/{instance_id}/submitted"))
    assert f"/family/children/{family.child.id}" in html and "Back to Zzpoppy" in html


@pytest.mark.parametrize("form_key", ["primary-request", "e4-educational-psychologist", "no-such-form"])
def test_forms_families_may_not_start_are_404(family, form_key):
    client = family.client_for(family.parent)
    assert _start(family, client, form_key).status_code == 404


def test_starting_a_form_for_another_familys_child_is_404(family):
    client = family.client_for(family.parent)
    assert _start(family, client, "parent-carer-views", family.other_child).status_code == 404
    with family.app.app_context():
        assert FormInstance.select().count() == 0


def test_start_needs_csrf(family):
    client = family.client_for(family.parent)
    response = client.post(f"/family/children/{family.child.id}/forms/parent-carer-views/start")
    assert response.status_code == 400


# --- the comment window ------------------------------------------------------------------------------

def test_comments_cannot_start_before_the_draft_plan(family):
    client = family.client_for(family.parent)
    response = _start(family, client, "draft-plan-comments")
    html = _html(response)
    assert response.status_code == 422
    assert "There is a problem" in html and "once the SEN Team has sent you the draft EHC plan" in html
    with family.app.app_context():
        assert FormInstance.select().count() == 0


def test_comments_inside_the_window_show_the_deadline_and_can_be_sent(family):
    _open_window(family)
    client = family.client_for(family.parent)
    closes = TODAY + dt.timedelta(days=12)
    from services.kernel.clock import long_date
    assert f"Send your comments by {long_date(closes)} (due in 12 days)" in _html(
        client.get(f"/family/children/{family.child.id}"))
    started = _start(family, client, "draft-plan-comments")
    assert started.status_code == 303
    done = _fill(family, client, _instance_id(started))
    assert done.status_code == 303


def test_comments_after_the_window_are_refused_on_start_and_on_submit(family):
    case = _open_window(family)
    client = family.client_for(family.parent)
    instance_id = _instance_id(_start(family, client, "draft-plan-comments"))
    with family.app.app_context():  # the officer corrects the draft's date: the window has closed
        draft = CaseEvent.get((CaseEvent.case == case.id) & (CaseEvent.kind == "draft-plan"))
        assert events.change(family.officer, draft, on=TODAY - dt.timedelta(days=16)) == {}
    refused = _fill(family, client, instance_id)
    html = _html(refused)
    assert refused.status_code == 422
    assert "The time for comments on the draft plan ended on" in html
    assert family.reload(FormInstance, instance_id).status == "draft"
    again = _start(family, client, "draft-plan-comments")
    assert again.status_code == 422 and "ended on" in _html(again)
    assert "The time for comments ended on" in _html(client.get(f"/family/children/{family.child.id}"))


def test_comments_after_the_final_plan_are_refused(family):
    _open_window(family, days_ago=5)
    with family.app.app_context():
        _event, found = events.record(family.officer, family.child, "final-plan", TODAY,
                                      detail={"early_reason": "The family agreed in writing"})
        assert not found
    response = _start(family, family.client_for(family.parent), "draft-plan-comments")
    assert response.status_code == 422 and "final EHC plan has been issued" in _html(response)


def test_the_last_day_of_the_window_is_still_open(family):
    _open_window(family, days_ago=15)
    assert _start(family, family.client_for(family.parent), "draft-plan-comments").status_code == 303


# --- ask for an assessment for a new child -----------------------------------------------------------

def test_a_parent_tells_us_about_a_child_and_can_ask_for_an_assessment(family):
    client = family.client_for(family.parent)
    assert client.get("/family/children/add").status_code == 200
    response = family.post(client, "/family/children/add", {
        "forename": "Zznewby", "surname": "Zzchild", "date_of_birth-day": "1",
        "date_of_birth-month": "9", "date_of_birth-year": "2018"})
    assert response.status_code == 303
    with family.app.app_context():
        person = Person.get(Person.forename == "Zznewby")
        assert person.needs_matching and person.created_by_id == family.parent.id
        link = Link.get((Link.person == person) & (Link.user == family.parent))
        assert link.how == "parent"
    assert response.headers["Location"].endswith(f"/family/children/{person.id}")
    started = _start(family, client, "parent-request", person)
    assert started.status_code == 303 and started.headers["Location"].endswith("/child-details")
    # The child details step shows what the parent typed.
    assert 'value="Zznewby"' in _html(client.get(started.headers["Location"]))


@pytest.mark.parametrize("data, message", [
    ({"forename": ""}, "Enter their first name"),
    ({"surname": "Zz1"}, "Last name must only include letters"),
    ({"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": ""},
     "Enter their date of birth"),
    ({"date_of_birth-day": ""}, "Date of birth must include a day"),
    ({"date_of_birth-month": "13"}, "Date of birth must be a real date"),
    ({"date_of_birth-day": "31", "date_of_birth-month": "2"}, "Date of birth must be a real date"),
    ({"date_of_birth-year": "x"}, "Date of birth must be a real date"),
    ({"date_of_birth-year": str(TODAY.year + 1)}, "Date of birth must be today or in the past"),
    ({"date_of_birth-year": "1980"}, "must be 25 or younger"),
])
def test_telling_us_about_a_child_validates(family, data, message):
    client = family.client_for(family.parent)
    body = {"forename": "Zznewby", "surname": "Zzchild", "date_of_birth-day": "1",
            "date_of_birth-month": "9", "date_of_birth-year": "2018", **data}
    response = family.post(client, "/family/children/add", body)
    assert response.status_code == 422 and message in _html(response)
    with family.app.app_context():
        assert not Person.select().where(Person.forename == "Zznewby").exists()
