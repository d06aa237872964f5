"""Portal Messages (Stockton guide p. 6): the list, the read view, the unread count on Home, the
"Go to form" link, the email (initials only), and that nobody reads another user's messages."""
import datetime as dt
import re

import pytest

import models
from models import AuditEvent, Message, Outbox
from services.casework import messages
from tests.helpers import last_email
from tests.http.test_people_select import child

DUE = dt.date(2031, 3, 14)


@pytest.fixture
def pro(app, client, make_user, signed_in):
    user = make_user("senco@example.org")
    signed_in(client, user)
    return user


@pytest.fixture
def officer(make_user):
    return make_user("officer@example.org", role="officer")


def send(app, recipient, kind="request", subject="Request for information", body="Please.",
         **kwargs):
    with app.test_request_context(), models.db.atomic():
        return messages.send_message(recipient, kind, subject, body, **kwargs)


def request_for(app, user, officer, person):
    return send(app, user, "request", "Request for information: Zzthompson, Zzpoppy",
                "Please submit the Early Years Setting Request for EHCP Assessment for "
                "Zzpoppy Zzthompson.\n\nThank you.", sender=officer, person=person,
                form_key="early-years-request", due_date=DUE)


def test_the_list_marks_unread_messages_newest_first(app, client, pro, officer):
    poppy = child(app, pro, "Zzpoppy", "Zzthompson")
    first = request_for(app, pro, officer, poppy)
    second = send(app, pro, "shared", "Information shared with you", person=poppy)
    with app.app_context():
        Message.update(created_at=models.utcnow() - dt.timedelta(hours=1)).where(
            Message.id == first.id).execute()
        Message.update(read_at=models.utcnow()).where(Message.id == second.id).execute()
    response = client.get("/messages/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and ">Messages</h1>" in html
    subjects = re.findall(r'href="/messages/\d+">([^<]+)</a>', html)
    assert subjects == ["Information shared with you",
                        "Request for information: Zzthompson, Zzpoppy"]
    assert html.count(">Unread</strong>") == 1
    assert 'govuk-link govuk-!-font-weight-bold" href="/messages/%d"' % first.id in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_unread_count_shows_on_home(app, client, pro, officer, make_user):
    assert 'class="portal-count"' not in client.get("/").get_data(as_text=True)
    poppy = child(app, pro, "Zzpoppy", "Zzthompson")
    for _ in range(3):
        request_for(app, pro, officer, poppy)
    send(app, make_user("other@example.org"), "general", "Not yours")
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'class="portal-count">3<span class="govuk-visually-hidden"> unread', html)
    assert 'href="/messages/"' in html


def test_opening_a_message_marks_it_read_and_offers_the_form(app, client, pro, officer):
    poppy = child(app, pro, "Zzpoppy", "Zzthompson")
    message = request_for(app, pro, officer, poppy)
    response = client.get(f"/messages/{message.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Request for information: Zzthompson, Zzpoppy</h1>" in html
    assert "Early Years Setting Request for EHCP Assessment" in html and "14/03/2031" in html
    assert "Zzthompson, Zzpoppy (born 08/10/2012)" in html
    assert "Thank you." in html and "<p" in html
    assert f'href="/people/{poppy.id}/forms?tab=request"' in html and "Go to form" in html
    with app.app_context():
        read_at = Message.get_by_id(message.id).read_at
        assert read_at is not None
        event = AuditEvent.get(AuditEvent.action == "message-read")
        assert event.person_id == poppy.id and event.user_id == pro.id
    client.get(f"/messages/{message.id}")
    with app.app_context():
        assert Message.get_by_id(message.id).read_at == read_at  # the first opening counts
    assert ">Unread</strong>" not in client.get("/messages/").get_data(as_text=True)
    # "Go to form" lands on the child's right tab.
    forms = client.get(f"/people/{poppy.id}/forms?tab=request").get_data(as_text=True)
    assert "Early Years Setting Request for EHCP Assessment" in forms


def test_go_to_form_uses_the_tab_of_the_form(app, client, pro, officer):
    poppy = child(app, pro, "Zzpoppy", "Zzthompson")
    message = send(app, pro, "reminder", "Reminder", person=poppy,
                   form_key="e7-other-professionals", due_date=dt.date(2020, 1, 1))
    html = client.get(f"/messages/{message.id}").get_data(as_text=True)
    assert f'href="/people/{poppy.id}/forms?tab=assessment"' in html
    assert "overdue by" in html


def test_returned_messages_show_the_reason(app, client, pro):
    poppy = child(app, pro, "Zzpoppy", "Zzthompson")
    message = send(app, pro, "returned", "Form returned",
                   "Returned.\n\nReason: the consent form is not signed.", person=poppy,
                   form_key="secondary-request")
    html = client.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "Form returned" in html and "Reason: the consent form is not signed." in html


def test_no_form_link_once_the_child_is_no_longer_linked(app, client, pro, officer):
    poppy = child(app, pro, "Zzpoppy", "Zzthompson", ended=True)
    message = request_for(app, pro, officer, poppy)
    html = client.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "Go to form" not in html and "born 08/10/2012" not in html


def test_the_email_names_the_form_and_date_but_only_the_initials(app, client, pro, officer):
    poppy = child(app, pro, "Zzpoppy", "Zzthompson")
    message = request_for(app, pro, officer, poppy)
    email = last_email(app, to="senco@example.org")
    assert email.kind == "new-message" and "You have a new message" in email.subject
    for body in (email.text_body, email.html_body):
        assert "Z.Z." in body
        assert "Early Years Setting Request for EHCP Assessment" in body
        assert "14/03/2031" in body
        assert f"/messages/{message.id}" in body
        assert "Please do not reply" in body
        for secret in ("Zzpoppy", "Zzthompson", "08/10/2012", "2012", "Request for information:",
                       "Please submit the", "Thank you."):
            assert secret not in body, secret


def test_a_rolled_back_change_sends_nothing(app, pro):
    with app.test_request_context():
        try:
            with models.db.atomic():
                messages.send_message(pro, "general", "Hello", "Body")
                raise RuntimeError("the caller's change failed")
        except RuntimeError:
            pass
        assert Message.select().count() == 0 and Outbox.select().count() == 0


def test_unknown_kinds_and_tabs_are_refused(app, pro):
    with app.test_request_context():
        with pytest.raises(ValueError):
            messages.send_message(pro, "gossip", "Hello", "Body")
        with pytest.raises(ValueError):
            messages.send_message(pro, "general", "Hello", "Body", tab="kitchen")


def test_messages_are_paged(app, client, pro):
    with app.test_request_context(), models.db.atomic():
        for n in range(45):
            messages.send_message(pro, "general", f"Zzmessage {n:02d}", "Body")
    first = client.get("/messages/").get_data(as_text=True)
    assert first.count('href="/messages/') >= 20 and "Zzmessage 44" in first
    assert 'href="/messages/?page=2"' in first
    last = client.get("/messages/?page=1000000000").get_data(as_text=True)
    assert "Zzmessage 00" in last and "Zzmessage 44" not in last
    assert client.get("/messages/?page=-1").status_code == 200
    fragment = client.get("/messages/?page=2", headers={"HX-Request-Type": "partial"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'id="message-list"' in fragment.get_data(as_text=True)


def test_an_empty_inbox(client, pro):
    assert "You have no messages." in client.get("/messages/").get_data(as_text=True)


def test_script_in_a_message_is_escaped(app, client, pro):
    message = send(app, pro, "general", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
    html = client.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html


# --- Access ------------------------------------------------------------------------------------

def test_another_users_message_is_not_found(app, client, pro, make_user):
    theirs = send(app, make_user("other@example.org"), "general", "Zzsecret subject")
    for path in (f"/messages/{theirs.id}", "/messages/999999", "/messages/" + "9" * 40,
                 "/messages/-1", "/messages/abc"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Zzsecret" not in response.get_data(as_text=True)
    assert "Zzsecret" not in client.get("/messages/").get_data(as_text=True)
    with app.app_context():
        assert Message.get_by_id(theirs.id).read_at is None


def test_a_parent_reads_their_own_messages_only(app, client, make_user, signed_in):
    parent = make_user("parent@example.org", role="citizen")
    poppy = child(app, parent, "Zzpoppy", "Zzthompson")
    mine = send(app, parent, "shared", "A draft plan is ready", person=poppy,
                form_key="early-years-request")
    theirs = send(app, make_user("senco@example.org"), "general", "Zzsecret")
    signed_in(client, parent)
    html = client.get(f"/messages/{mine.id}").get_data(as_text=True)
    assert "A draft plan is ready" in html and "Go to form" in html
    # Families go to their child's page, never to the professionals' forms section.
    assert f'href="/family/children/{poppy.id}"' in html and "/people/" not in html
    assert client.get(f"/family/children/{poppy.id}").status_code == 200
    assert client.get(f"/messages/{theirs.id}").status_code == 404


def test_officers_and_anonymous_visitors(app, client, make_user, signed_in, officer):
    message = send(app, make_user("senco@example.org"), "general", "Hello")
    for path in ("/messages/", f"/messages/{message.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    signed_in(client, officer)
    for path in ("/messages/", f"/messages/{message.id}"):
        assert client.get(path).status_code == 404
