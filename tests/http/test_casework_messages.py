"""Compose a message to a party on the case, with the council's templates (a "Use template"
submit button without JavaScript; an htmx partial swaps the fields)."""
import re
from html import unescape

from models import AuditEvent
from tests.helpers import csrf_from, html


def _compose(cw, **data):
    return cw.post(f"/team/people/{cw.child.id}/messages/new", data)


def test_page_offers_parties_and_templates(cw):
    text = html(cw.get(f"/team/people/{cw.child.id}/messages/new"))
    assert "Lesley Harris (professional)" in text and "Pat Parent (parent or young person)" in text
    assert "Otto Outsider" not in text
    assert "Draft plan issued" in text and "Decision letter issued" in text
    assert 'name="action" value="template"' in text and "Use template" in text
    assert 'hx-post="/team/people/' in text and 'hx-target="#message-fields"' in text


def test_use_template_without_javascript_fills_subject_and_body(cw):
    response = _compose(cw, action="template", template="draft-plan", recipient=str(cw.parent.id),
                        subject="", body="")
    assert response.status_code == 200
    text = html(response)
    assert 'value="Draft EHC plan for Zzpoppy Zzthompson"' in text
    assert "You have 15 days to comment" in text
    assert f'value="{cw.parent.id}" selected' in text  # the chosen recipient is kept
    assert "<html" in text
    assert cw.messages_to(cw.parent) == []


def test_use_template_with_htmx_returns_just_the_fields(cw):
    page = cw.get(f"/team/people/{cw.child.id}/messages/new")
    response = cw.officer_client.post(
        f"/team/people/{cw.child.id}/messages/new",
        data={"action": "template", "template": "general"},
        headers={"HX-Request": "true", "HX-Request-Type": "partial",
                 "X-CSRFToken": csrf_from(page)})
    assert response.status_code == 200
    text = html(response)
    assert text.lstrip().startswith('<div id="message-fields">') and "<html" not in text
    assert "Olive Officer, SEN Team" in text


def test_unknown_template(cw):
    response = _compose(cw, action="template", template="nope")
    assert response.status_code == 422 and "Select a template" in html(response)


def test_send_a_message(cw):
    response = _compose(cw, action="send", recipient=str(cw.pro.id), subject="About <Poppy>",
                        body="Please call me.\nThanks")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/team/people/{cw.child.id}#messages")
    [message] = cw.messages_to(cw.pro)
    assert (message.kind, message.subject, message.body) == ("general", "About <Poppy>",
                                                             "Please call me.\nThanks")
    assert message.sender_id == cw.officer.id and message.person_id == cw.child.id
    [email] = cw.emails_to(cw.pro)
    assert "Poppy" not in email.text_body and "call me" not in email.text_body
    with cw.app.app_context():
        assert AuditEvent.select().where(AuditEvent.action == "message-sent").count() == 1
    text = html(cw.get(f"/team/people/{cw.child.id}"))
    assert "About &lt;Poppy&gt;" in text and "Not yet" in text


def test_bad_input(cw):
    response = _compose(cw, action="send", recipient=str(cw.outsider.id), subject="", body="")
    assert response.status_code == 422
    text = html(response)
    assert "Select someone who is linked to this child or young person" in text
    assert "Enter a subject" in text and "Enter a message" in text
    assert 'href="#recipient"' in text and 'href="#subject"' in text and 'href="#body"' in text
    response = _compose(cw, action="send", recipient="", subject="x" * 301, body="y")
    assert "Select who to send the message to" in html(response)
    assert "Subject must be 300 characters or fewer" in html(response)
    assert cw.messages_to(cw.outsider) == [] and cw.messages_to(cw.pro) == []


def test_typed_text_is_kept_on_error(cw):
    response = _compose(cw, action="send", recipient="", subject="Hello <b>", body="Body <i>")
    text = html(response)
    assert 'value="Hello &lt;b&gt;"' in text and "Body &lt;i&gt;" in text


def test_two_clicks_send_one_message(cw):
    data = dict(action="send", recipient=str(cw.pro.id), subject="Hello", body="Once")
    assert _compose(cw, **data).status_code == 303
    second = _compose(cw, **data)
    assert second.status_code == 422 and "it was not sent again" in html(second)
    assert len(cw.messages_to(cw.pro)) == 1


# --- Issue 13: choosing a template never loses what the officer typed ---------------------------

TYPED = {"subject": "Zz my own subject", "body": "Zz two paragraphs\r\n\r\nthat I typed myself"}


def _partial(cw, **data):
    page = cw.get(f"/team/people/{cw.child.id}/messages/new")
    return cw.officer_client.post(
        f"/team/people/{cw.child.id}/messages/new", data=data,
        headers={"HX-Request": "true", "HX-Request-Type": "partial",
                 "X-CSRFToken": csrf_from(page)})


def test_a_template_over_typed_text_asks_first_and_keeps_the_text(cw):
    response = _compose(cw, action="template", template="draft-plan", **TYPED)
    text = html(response)
    assert response.status_code == 200 and "<html" in text
    assert "You have typed a subject or message" in text and "Replace what I typed" in text
    assert 'value="Zz my own subject"' in text and "that I typed myself" in text
    assert "Draft EHC plan for" not in text


def test_replace_confirmed_fills_the_template_keep_leaves_the_text(cw):
    replaced = html(_compose(cw, action="replace", template="draft-plan", **TYPED))
    assert 'value="Draft EHC plan for Zzpoppy Zzthompson"' in replaced
    assert "Zz my own subject" not in replaced and "You have typed" not in replaced
    assert 'name="applied" value="draft-plan"' in replaced
    kept = html(_compose(cw, action="keep", template="draft-plan", applied="", **TYPED))
    assert 'value="Zz my own subject"' in kept and "You have typed" not in kept
    assert "Draft EHC plan for" not in kept


def test_switching_between_templates_needs_no_confirmation_until_the_text_is_edited(cw):
    first = html(_compose(cw, action="template", template="general", subject="", body=""))
    subject = re.search(r'id="subject" name="subject" type="text" value="([^"]*)"', first).group(1)
    body = re.search(r'<textarea[^>]*id="body"[^>]*>\s*(.*?)</textarea>', first, re.S).group(1)
    untouched = dict(subject=unescape(subject), body=unescape(body).replace("\n", "\r\n"))
    second = html(_compose(cw, action="template", template="draft-plan", applied="general",
                           **untouched))
    assert 'value="Draft EHC plan for Zzpoppy Zzthompson"' in second and "You have typed" not in second
    edited = dict(untouched, body=untouched["body"] + " Zz and my addition")
    third = html(_compose(cw, action="template", template="draft-plan", applied="general", **edited))
    assert "You have typed a subject or message" in third and "Zz and my addition" in third


def test_with_htmx_the_question_and_both_answers_are_fragments(cw):
    asked = _partial(cw, action="template", template="draft-plan", **TYPED)
    text = html(asked)
    assert asked.status_code == 200 and text.lstrip().startswith('<div id="message-fields">')
    assert "<html" not in text and 'hx-vals=\'{"action": "replace"}\'' in text
    assert 'hx-vals=\'{"action": "keep"}\'' in text
    replaced = html(_partial(cw, action="replace", template="draft-plan", **TYPED))
    assert "<html" not in replaced and "Draft EHC plan for Zzpoppy Zzthompson" in replaced
    kept = html(_partial(cw, action="keep", template="draft-plan", **TYPED))
    assert "<html" not in kept and "Zz my own subject" in kept
