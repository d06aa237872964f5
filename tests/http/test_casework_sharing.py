"""Sharing an accepted form or a document with parties on the case: Share rows, "shared"
messages and emails; strangers, unaccepted forms and empty choices are refused."""
import io

from models import Share
from tests.helpers import html
from tests.http.forms_helpers import real_pdf


def _shares(cw):
    with cw.app.app_context():
        return list(Share.select().order_by(Share.id))


def _share(cw, recipients, **target):
    data = {"recipients": [str(r) for r in recipients], **{k: str(v) for k, v in target.items()}}
    return cw.post(f"/team/people/{cw.child.id}/share", data)


def _document(cw):
    response = cw.post(f"/team/people/{cw.child.id}/documents/new",
                       {"kind": "letter", "title": "Decision to assess",
                        "file": (io.BytesIO(real_pdf()), "decision.pdf")},
                       content_type="multipart/form-data")
    assert response.status_code == 303
    from models import Document
    with cw.app.app_context():
        return Document.select().order_by(Document.id.desc()).first()


def test_share_page_offers_the_parties_but_not_the_author(cw):
    instance_id = cw.accepted()
    text = html(cw.get(f"/team/people/{cw.child.id}/share?instance={instance_id}"))
    assert "Share Generic File Upload Manager" in text
    assert "Pat Parent" in text and f'value="{cw.parent.id}"' in text
    assert "Lesley Harris" not in text.split("Who should see it?")[1]  # the author has it
    assert "Otto Outsider" not in text


def test_share_an_accepted_form(cw):
    instance_id = cw.accepted()
    colleague = cw.make_user("colleague@example.org", forename="Cara", surname="Colleague")
    from models import Link
    with cw.app.app_context():
        Link.create(user=colleague, person=cw.child, how="sen-team")
    response = _share(cw, [cw.parent.id, colleague.id], instance=instance_id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/team/people/{cw.child.id}#forms")
    shares = _shares(cw)
    assert {s.recipient_id for s in shares} == {cw.parent.id, colleague.id}
    assert all(s.instance_id == instance_id and s.shared_by_id == cw.officer.id for s in shares)
    [message] = cw.messages_to(colleague, "shared")
    assert message.subject == "Information shared with you: Zzthompson, Zzpoppy"
    assert "has shared the Generic File Upload Manager with you" in message.body
    assert message.form_key == "generic-file-upload" and message.tab == "assessment"
    [family] = cw.messages_to(cw.parent, "shared")  # family words (tests/http/test_case_notices.py)
    assert family.subject == "Generic File Upload Manager for Zzpoppy: shared with you"
    assert "has shared the Generic File Upload Manager about Zzpoppy Zzthompson" in family.body
    assert any("Information shared with you" in e.text_body for e in cw.emails_to(colleague))
    # The case page lists who has it.
    text = html(cw.get(f"/team/people/{cw.child.id}"))
    assert "Cara Colleague, Pat Parent" in text or "Pat Parent, Cara Colleague" in text


def test_someone_not_on_the_case_is_refused(cw):
    instance_id = cw.accepted()
    response = _share(cw, [cw.parent.id, cw.outsider.id], instance=instance_id)
    assert response.status_code == 422
    text = html(response)
    assert "There is a problem" in text and 'href="#recipients"' in text
    assert "You can only share with people linked to this child or young person" in text
    assert _shares(cw) == [] and cw.messages_to(cw.parent) == []


def test_an_ended_link_is_not_on_the_case(cw):
    instance_id = cw.accepted()
    from models import Link, utcnow
    with cw.app.app_context():
        Link.update(ended_at=utcnow()).where(Link.user == cw.parent).execute()
    assert _share(cw, [cw.parent.id], instance=instance_id).status_code == 422


def test_nobody_chosen_and_garbage_ids(cw):
    instance_id = cw.accepted()
    response = _share(cw, [], instance=instance_id)
    assert response.status_code == 422 and "Select who to share this with" in html(response)
    assert _share(cw, ["abc"], instance=instance_id).status_code == 422
    assert _shares(cw) == []


def test_sharing_twice_adds_nothing(cw):
    instance_id = cw.accepted()
    assert _share(cw, [cw.parent.id], instance=instance_id).status_code == 303
    response = _share(cw, [cw.parent.id], instance=instance_id)
    assert response.status_code == 422
    assert "already been shared with Pat Parent" in html(response)
    assert len(_shares(cw)) == 1 and len(cw.messages_to(cw.parent, "shared")) == 1


def test_only_accepted_forms_can_be_shared(cw):
    submitted = cw.submitted()
    assert cw.get(f"/team/people/{cw.child.id}/share?instance={submitted}").status_code == 404
    assert _share(cw, [cw.parent.id], instance=submitted).status_code == 404
    assert cw.get(f"/team/people/{cw.child.id}/share").status_code == 404
    assert cw.get(f"/team/people/{cw.child.id}/share?instance=abc").status_code == 404


def test_a_form_about_another_child_is_404(cw):
    instance_id = cw.accepted()
    import datetime as dt
    from models import Person
    with cw.app.app_context():
        other = Person.create(forename="Zzother", surname="Zzchild",
                              date_of_birth=dt.date(2015, 1, 1))
    assert cw.get(f"/team/people/{other.id}/share?instance={instance_id}").status_code == 404


def test_share_a_document(cw):
    document = _document(cw)
    response = _share(cw, [cw.pro.id, cw.parent.id], document=document.id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#documents")
    assert {s.document_id for s in _shares(cw)} == {document.id}
    [message] = cw.messages_to(cw.pro, "shared")
    assert "Decision to assess" in message.body and message.tab == "assessment"
    assert "You can find it on the Assessment tab." in message.body
