"""Review: the queue of submitted forms, Accept, Return with a reason, the author's resubmission,
the history of rounds and decisions, and the version check (two clicks, stale pages)."""
import re

from models import AdviceRequest, AuditEvent, FormInstance, FormReview
from services.forms import instances
from tests.helpers import csrf_from, html
from tests.http.forms_helpers import post_step


def test_queue_lists_submitted_forms_oldest_first_with_paging(cw):
    first = cw.submitted()
    second = cw.submitted()
    cw.start()  # a draft is not waiting for anyone
    text = html(cw.get("/team/review"))
    assert "2 forms waiting, oldest first." in text
    assert text.index(f"/team/review/{first}") < text.index(f"/team/review/{second}")
    assert "Zzthompson, Zzpoppy" in text and "Lesley Harris" in text
    assert "Generic File Upload Manager" in text
    from services.forms import review
    with cw.app.app_context():
        page = review.review_queue(2, per_page=1)
    assert [r.id for r in page.rows] == [second] and page.pages == 2
    text = html(cw.get("/team/review?page=999"))  # clamped to the last page
    assert f"/team/review/{second}" in text


def test_empty_queue(cw):
    assert "There are no forms waiting for review." in html(cw.get("/team/review"))


def test_review_page_shows_answers_and_decision_buttons(cw):
    instance_id = cw.submitted()
    text = html(cw.get(f"/team/review/{instance_id}"))
    assert "A letter from the GP" in text and "letter.pdf" in text
    assert ">Accept<" in text and ">Return<" in text
    assert "Submission 1" in text and "submitted" in text
    with cw.app.app_context():
        assert AuditEvent.select().where(AuditEvent.action == "form-reviewed").count() == 1


def test_accept_marks_the_advice_received(cw):
    cw.request_advice()
    instance_id = cw.submitted()
    response = cw.decide(instance_id, "accept")
    assert response.status_code == 303 and response.headers["Location"].endswith("/team/review")
    with cw.app.app_context():
        assert FormInstance.get_by_id(instance_id).status == "accepted"
        advice = AdviceRequest.get()
        assert advice.status == "received" and advice.instance_id == instance_id
        assert advice.received_at is not None
        [review] = FormReview.select()
        assert (review.decision, review.round, review.officer_id) == ("accepted", 1, cw.officer.id)
    assert "There are no forms waiting for review." in html(cw.get("/team/review"))
    assert cw.messages_to(cw.pro, "returned") == []


def test_return_needs_a_reason(cw):
    instance_id = cw.submitted()
    response = cw.decide(instance_id, "return", reason="   ")
    assert response.status_code == 422
    text = html(response)
    assert "There is a problem" in text and 'href="#reason"' in text
    assert "Enter the reason for returning the form" in text
    assert cw.instance(instance_id).status == "submitted"
    assert cw.messages_to(cw.pro) == []


def test_unknown_decision_is_refused(cw):
    instance_id = cw.submitted()
    response = cw.decide(instance_id, "maybe")
    assert response.status_code == 422 and "Select Accept or Return" in html(response)


def test_round_trip_return_edit_resubmit_accept(cw):
    cw.request_advice()
    instance_id = cw.submitted()
    response = cw.decide(instance_id, "return", reason="Please attach the <signed> consent form.")
    assert response.status_code == 303
    [message] = cw.messages_to(cw.pro, "returned")
    assert message.subject == "Form returned: Zzthompson, Zzpoppy"
    assert "Reason: Please attach the <signed> consent form." in message.body
    assert message.form_key == "generic-file-upload" and message.tab == "assessment"
    assert any("Form returned" in e.text_body for e in cw.emails_to(cw.pro))
    assert cw.instance(instance_id).status == "returned"
    # The author can edit a returned form like a draft, then submit it again (round 2).
    page = cw.client.get(f"/forms/{instance_id}/upload")
    assert page.status_code == 200
    post_step(cw.client, f"/forms/{instance_id}/upload",
              {"document_type": "Consent form", "description": "Signed consent attached"})
    cw.submit(instance_id)
    assert cw.instance(instance_id).status == "submitted"
    # The request shows received again while it waits; the officer accepts round 2.
    text = html(cw.get(f"/team/review/{instance_id}"))
    assert "Signed consent attached" in text
    assert cw.decide(instance_id, "accept").status_code == 303
    history = html(cw.get(f"/team/review/{instance_id}"))
    events = re.findall(r"<strong>Submission (\d)</strong> —\s+(\w+)", history)
    assert events == [("1", "submitted"), ("1", "returned"), ("2", "submitted"), ("2", "accepted")]
    assert "Reason: Please attach the &lt;signed&gt; consent form." in history
    assert "by Olive Officer" in history
    with cw.app.app_context():
        assert [r.round for r in FormReview.select().order_by(FormReview.id)] == [1, 2]
        assert AdviceRequest.get().status == "received"


def test_resubmission_through_the_service(cw):
    """The same round trip driving the runner's service directly."""
    instance_id = cw.submitted()
    cw.decide(instance_id, "return", reason="Missing date")
    with cw.app.app_context():
        instance = FormInstance.get_by_id(instance_id)
        form = instances.form_of(cw.app.extensions["forms"], instance)
        saved = instances.save(instance, form, "upload",
                                 {"document_type": ["Correspondence"], "description": ["Now dated"],
                                  "document_date-day": ["1"], "document_date-month": ["2"],
                                  "document_date-year": ["2024"]},
                                 version=instance.version, user=cw.pro)
        assert saved.errors == {}
        submission = instances.submit(
            instance, form, user=cw.pro, version=saved.version,
            posted={"agree-0": ["yes"], "agree-1": ["yes"]},
            council_statements=cw.app.config["COUNCIL"]["declarations"])
        assert submission.round == 2
    assert cw.decide(instance_id, "accept").status_code == 303
    assert cw.instance(instance_id).status == "accepted"


def test_accept_twice_is_one_decision(cw):
    instance_id = cw.submitted()
    page = cw.get(f"/team/review/{instance_id}")
    first = cw.decide(instance_id, "accept", page=page)
    second = cw.decide(instance_id, "accept", page=page)  # the second click, same page
    assert first.status_code == 303 and second.status_code == 303
    with cw.app.app_context():
        assert FormReview.select().count() == 1
        assert AuditEvent.select().where(AuditEvent.action == "form-accepted").count() == 1
    follow = html(cw.get("/team/review"))
    assert "was already accepted" in follow


def test_return_twice_sends_one_message(cw):
    instance_id = cw.submitted()
    page = cw.get(f"/team/review/{instance_id}")
    cw.decide(instance_id, "return", reason="No", page=page)
    cw.decide(instance_id, "return", reason="No", page=page)
    assert len(cw.messages_to(cw.pro, "returned")) == 1


def test_deciding_on_a_changed_form_is_refused_clearly(cw):
    instance_id = cw.submitted()
    page = cw.get(f"/team/review/{instance_id}")
    # The author presses Edit (and resubmits) after the officer opened the page.
    view = cw.client.get(f"/forms/{instance_id}/view")
    cw.client.post(f"/forms/{instance_id}/edit",
                   data={"csrf_token": csrf_from(view),
                         "version": re.search(r'name="version" id="form-version" value="(\d+)"',
                                              html(view)).group(1)})
    cw.submit(instance_id)
    response = cw.decide(instance_id, "accept", page=page)
    assert response.status_code == 409
    text = html(response)
    assert "There is a problem" in text and "changed since you opened it" in text
    assert cw.instance(instance_id).status == "submitted"
    with cw.app.app_context():
        assert FormReview.select().count() == 0
    # The page now carries the new version: accepting works.
    assert cw.decide(instance_id, "accept").status_code == 303


def test_accept_then_return_on_the_same_page_is_refused(cw):
    instance_id = cw.submitted()
    page = cw.get(f"/team/review/{instance_id}")
    cw.decide(instance_id, "accept", page=page)
    response = cw.decide(instance_id, "return", reason="Oops", page=page)
    assert response.status_code == 409
    assert cw.instance(instance_id).status == "accepted"
    assert cw.messages_to(cw.pro, "returned") == []


def test_missing_or_garbage_version_is_refused(cw):
    instance_id = cw.submitted()
    response = cw.decide(instance_id, "accept", version="abc")
    assert response.status_code == 409
    assert cw.instance(instance_id).status == "submitted"


def test_drafts_and_unknown_forms_are_404(cw):
    draft = cw.start()
    assert cw.get(f"/team/review/{draft}").status_code == 404
    assert cw.get("/team/review/999999").status_code == 404
    assert cw.decide(draft, "accept", version="1", page=cw.get("/team/review")).status_code == 404


def test_accepted_form_has_nothing_to_decide(cw):
    instance_id = cw.accepted()
    text = html(cw.get(f"/team/review/{instance_id}"))
    assert "there is nothing to decide now" in text and ">Accept<" not in text
