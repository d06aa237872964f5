"""Every demo message leads somewhere true (issue 12): signed in as its recipient, open the
message, follow its link, and find there the thing it names."""
import re

from models import FormInstance, Message, Share
from services.casework import messages as message_service
from tests.helpers import html


def _link(page, message, base_url):
    """Where the message leads: its "Go to form" button, else the link written in its body."""
    button = re.search(r'<a href="([^"]+)" role="button"[^>]*>\s*Go to form', page)
    if button:
        return button.group(1).replace("&amp;", "&")
    found = re.search(re.escape(base_url) + r"(/\S+)", message.body)
    assert found, f"{message.subject!r} leads nowhere"
    return found.group(1)


def test_every_demo_message_leads_to_what_it_names(app, signed_in):
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        everyone = list(Message.select().order_by(Message.id))
        kinds = {m.kind for m in everyone}
    assert {"request", "reminder", "shared", "returned"} <= kinds
    for message in everyone:
        with app.app_context():
            recipient = message.recipient
            title = message_service.form_title(message.form_key)
        if recipient.role == "officer":
            continue  # the team inbox is read on the officer's home (test_officer_home.py)
        client = app.test_client()
        signed_in(client, recipient)
        shown = html(client.get(f"/messages/{message.id}"))
        assert message.subject.replace("'", "&#39;") in shown
        target = _link(shown, message, app.config["BASE_URL"])
        landing = client.get(target)
        assert landing.status_code == 200, (message.subject, target)
        page = html(landing)
        if title:
            assert title in page, (message.subject, target)
        with app.app_context():
            if message.kind == "returned":
                form = FormInstance.get((FormInstance.person == message.person)
                                        & (FormInstance.author == recipient)
                                        & (FormInstance.form_key == message.form_key))
                assert form.status == "returned"
                row = page.split(f'id="form-{form.id}"')[1].split("</tr>")[0]
                assert "Returned" in row and f'href="/forms/{form.id}"' in row  # there to edit
            if message.kind == "shared":
                share = (Share.select().where((Share.recipient == recipient)
                                              & (Share.person == message.person)).get())
                what = (f"/forms/{share.instance_id}/view" if share.instance_id else
                        f"/documents/{share.document_id}")
                assert what in page, (message.subject, target)
                opened = client.get(what if share.instance_id else
                                    re.search(r'href="([^"]*' + re.escape(what) + ')"',
                                              page).group(1))
                assert opened.status_code == 200, what
