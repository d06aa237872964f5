"""Request advice: who, which form, by when; the request message and email; statuses; reminders
by hand; and every refusal (422 with the GOV.UK error summary, nothing half-done)."""
import datetime as dt

import pytest

from models import AdviceRequest, AuditEvent, Link, Message
from services.kernel.clock import uk_today
from tests.helpers import html
from tests.http.forms_helpers import fill_generic


def _requests(cw):
    with cw.app.app_context():
        return list(AdviceRequest.select().order_by(AdviceRequest.id))


def test_page_lists_parties_and_forms(cw):
    page = cw.get(f"/team/people/{cw.child.id}/advice/new")
    assert page.status_code == 200
    text = html(page)
    assert "Lesley Harris" in text and "Pat Parent" in text and "Otto Outsider" not in text
    assert "E4 Request Advice Educational Psychologist Advice" in text
    assert "EHC9c Child or Young Person Views" in text
    assert 'name="due_date-day"' in text


def test_request_advice_sends_message_and_email_with_default_due_date(cw):
    response = cw.request_advice()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/team/people/{cw.child.id}#advice")
    [advice] = _requests(cw)
    assert advice.due_date == uk_today() + dt.timedelta(days=42)
    assert advice.status == "requested" and advice.requested_by_id == cw.officer.id
    [message] = cw.messages_to(cw.pro, "request")
    assert message.form_key == "generic-file-upload" and message.due_date == advice.due_date
    assert message.tab == "assessment" and message.person_id == cw.child.id
    assert "Please complete and submit the Generic File Upload Manager by" in message.body
    assert advice.due_date.strftime("%d/%m/%Y") in message.body
    [email] = cw.emails_to(cw.pro)
    assert "Request to submit information" in email.text_body
    assert "Zzpoppy" not in email.text_body  # initials only in emails
    with cw.app.app_context():
        assert AuditEvent.select().where(AuditEvent.action == "advice-requested").count() == 1


def test_due_date_from_the_schema(cw):
    with cw.app.app_context():
        Link.update(ended_at=None).execute()
    response = cw.request_advice(form_key="annual-review-pre-information")
    assert response.status_code == 303
    assert _requests(cw)[0].due_date == uk_today() + dt.timedelta(days=14)


def test_chosen_due_date(cw):
    due = uk_today() + dt.timedelta(days=10)
    response = cw.request_advice(**{"due_date-day": str(due.day), "due_date-month": str(due.month),
                                    "due_date-year": str(due.year)})
    assert response.status_code == 303
    assert _requests(cw)[0].due_date == due


def test_link_an_existing_professional_by_email_in_the_same_action(cw):
    response = cw.request_advice(recipient="", email="  Other-Pro@Example.org ",
                                 form_key="e4-educational-psychologist")
    assert response.status_code == 303
    with cw.app.app_context():
        link = Link.get((Link.user == cw.outsider) & (Link.person == cw.child))
        assert link.how == "sen-team" and link.linked_by_id == cw.officer.id
    assert len(cw.messages_to(cw.outsider, "request")) == 1
    # The newly linked professional now sees the child.
    client = cw.app.test_client()
    cw.signed_in(client, cw.outsider)
    assert client.get(f"/people/{cw.child.id}").status_code == 200


def test_parent_can_be_asked_for_the_child_views(cw):
    response = cw.request_advice(recipient=str(cw.parent.id), form_key="ehc9c-child-views")
    assert response.status_code == 303
    assert len(cw.messages_to(cw.parent, "request")) == 1


@pytest.mark.parametrize("data, field, message", [
    ({"due_date-day": "1", "due_date-month": "1", "due_date-year": "2020"}, "due_date-day",
     "The due date must be today or in the future"),
    ({"due_date-day": "31", "due_date-month": "2", "due_date-year": "2031"}, "due_date-day",
     "Due date must be a real date"),
    ({"due_date-day": "1", "due_date-month": "", "due_date-year": "2031"}, "due_date-day",
     "Due date must include a day, month and year"),
    ({"form_key": "not-a-form"}, "form_key", "Select a form from the list"),
    ({"form_key": ""}, "form_key", "Select a form from the list"),
    ({"recipient": ""}, "recipient", "Select who you are asking for advice"),
    ({"recipient": "999999"}, "recipient", "Select someone who is linked to this child"),
    ({"recipient": "", "email": "parent@example.org"}, "email",
     "only professionals can be linked by email"),
    ({"recipient": "", "email": "nobody@example.org"}, "email",
     "There is no portal account with this email address"),
    ({"recipient": "", "email": "officer@example.org"}, "email", "not a professional"),
    ({"email": "other-pro@example.org"}, "recipient", "not both"),
])
def test_bad_input_is_refused_with_a_clear_message(cw, data, field, message):
    response = cw.request_advice(**data)
    assert response.status_code == 422
    text = html(response)
    assert "There is a problem" in text and f'href="#{field}"' in text
    assert message in text.replace("&#39;", "'")
    assert _requests(cw) == [] and cw.messages_to(cw.pro) == []
    with cw.app.app_context():
        assert not Link.select().where(Link.user == cw.outsider).exists()


def test_typed_values_are_kept_on_error(cw):
    response = cw.request_advice(form_key="e4-educational-psychologist",
                                 **{"due_date-day": "1", "due_date-month": "1",
                                    "due_date-year": "2020"})
    text = html(response)
    assert 'value="e4-educational-psychologist" selected' in text
    assert 'name="due_date-year" type="text" value="2020"' in text or 'value="2020"' in text


def test_a_parent_cannot_be_asked_for_professional_advice(cw):
    response = cw.request_advice(recipient=str(cw.parent.id),
                                 form_key="e4-educational-psychologist")
    assert response.status_code == 422
    assert "cannot be completed by a parent or young person" in html(response)


def test_second_click_does_not_ask_twice(cw):
    assert cw.request_advice().status_code == 303
    response = cw.request_advice()
    assert response.status_code == 422
    assert "has already been asked for the Generic File Upload Manager" in html(response)
    assert len(_requests(cw)) == 1 and len(cw.messages_to(cw.pro, "request")) == 1


def test_status_requested_in_progress_received_and_overdue(cw):
    cw.request_advice()
    page = html(cw.get(f"/team/people/{cw.child.id}"))
    assert "govuk-tag--blue\">Requested" in page and "Send reminder" in page
    instance_id = cw.start()
    assert "In progress" in html(cw.get(f"/team/people/{cw.child.id}"))
    fill_generic(cw, instance_id)
    cw.submit(instance_id)
    page = html(cw.get(f"/team/people/{cw.child.id}"))
    assert "govuk-tag--green\">Received" in page
    assert "Send reminder<" not in page
    # A request whose due date has passed and nothing received is overdue.
    with cw.app.app_context():
        AdviceRequest.create(person=cw.child, recipient=cw.parent, form_key="ehc9c-child-views",
                             due_date=uk_today() - dt.timedelta(days=1), requested_by=cw.officer)
    assert "govuk-tag--red\">Overdue" in html(cw.get(f"/team/people/{cw.child.id}"))


def test_send_reminder_by_hand_is_recorded(cw):
    cw.request_advice()
    advice = _requests(cw)[0]
    for _ in range(2):  # always allowed
        response = cw.post(f"/team/advice/{advice.id}/remind")
        assert response.status_code == 303
    reminders = cw.messages_to(cw.pro, "reminder")
    assert len(reminders) == 2
    assert "Reminder: information due for Zzthompson, Zzpoppy" == reminders[0].subject
    advice = _requests(cw)[0]
    assert [s.split(":")[0] for s in advice.reminders_sent] == ["manual", "manual"]
    assert "2 by hand" in html(cw.get(f"/team/people/{cw.child.id}"))
    assert len([e for e in cw.emails_to(cw.pro) if "Reminder" in e.text_body]) == 2


def test_no_reminder_once_received(cw):
    cw.request_advice()
    instance_id = cw.submitted()
    advice = _requests(cw)[0]
    response = cw.post(f"/team/advice/{advice.id}/remind")
    assert response.status_code == 303
    assert cw.messages_to(cw.pro, "reminder") == []
    assert instance_id


def test_unknown_person_and_advice_are_404(cw):
    assert cw.get("/team/people/999999/advice/new").status_code == 404
    assert cw.post("/team/advice/999999/remind").status_code == 404


def test_messages_count_once_per_request(cw):
    cw.request_advice()
    with cw.app.app_context():
        assert Message.select().count() == 1
