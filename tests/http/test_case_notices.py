"""Who hears what (issue 12): a submitted request tells the team (inbox + team mailbox); each
decision writes a council letter (PDF document) shared with the family and the requester; the
requester hears "accepted"; family messages use family words, say what changed, link straight to
it and give the deadline."""
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from models import CaseEvent, Document, FormInstance, Link, Message, Outbox, Share, utcnow
from services.cases import events, statutory
from services.casework import notices
from services.kernel import clock
from tests.helpers import csrf_from

ROOT = Path(__file__).resolve().parents[2]
REQUEST_ANSWERS = {
    "child-details": {"forename": "Zzpoppy", "surname": "Zzthompson", "gender": "Female",
                      "date_of_birth": "2016-03-27"},
    "you": {"your_name": "Zzpat Zzparent", "who": "A parent or carer", "relationship": "Mother"},
    "needs": {"main_concern": "Zz finds reading hard"},
    "tried": {"support_so_far": "Zz small groups"}, "school": {"school_knows": "yes"},
    "consent": {"consent_contact": "yes", "consent_share": "yes"}}


@pytest.fixture
def senco(family, make_user):
    """A school SENCo linked to the child, whose primary request opened the case 20 days ago."""
    pro = make_user("senco@example.org", forename="Zzsally", surname="Zzsenco")
    with family.app.app_context():
        Link.create(user=pro, person=family.child, how="added")
        form = FormInstance.create(person=family.child, form_key="primary-request",
                                   schema_version=1, author=pro, status="submitted",
                                   submitted_at=utcnow())
        events.record(pro, family.child, "request", clock.uk_today() - dt.timedelta(days=20),
                      detail={"how": "portal", "form": form.id, "round": 1})
    return pro


def record(family, kind, on, **fields):
    client = family.client_for(family.officer)
    url = f"/team/people/{family.child.id}/key-dates"
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(page), "kind": kind,
                                  "on-day": on.day, "on-month": on.month, "on-year": on.year,
                                  **fields})


def messages_to(app, user, kind=None):
    with app.app_context():
        query = Message.select().where(Message.recipient == user)
        return list(query.where(Message.kind == kind) if kind else query)


def mail_to(app, address):
    with app.app_context():
        return list(Outbox.select().where(Outbox.to_addr == address).order_by(Outbox.id))


def assert_family_words(message):
    text = f"{message.subject}\n{message.body}"
    assert not re.search(r"\btabs?\b", text, re.I), text
    assert "Information shared with you" not in text and "Professional Portal" not in text


# --- A request submitted: the team is told ---------------------------------------------------------

def submit_parent_request(family):
    with family.app.app_context():
        form = FormInstance.create(person=family.child, form_key="parent-request",
                                   schema_version=1, author=family.parent, status="draft",
                                   answers=REQUEST_ANSWERS)
    client = family.client_for(family.parent)
    page = client.get(f"/forms/{form.id}/summary")
    response = client.post(f"/forms/{form.id}/submit", data={
        "csrf_token": csrf_from(page), "version": "1", "agree-0": "yes", "agree-1": "yes",
        "agree-2": "yes"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/submitted")
    return form


def test_a_submitted_request_goes_to_the_team_inbox_and_the_team_mailbox(app, family, make_user):
    second = make_user("officer2@example.org", role="officer", forename="Zzotto",
                       surname="Zzofficer")
    gone = make_user("gone@example.org", role="officer", status="disabled")
    submit_parent_request(family)
    today = clock.uk_today()
    for officer in (family.officer, second):
        [message] = messages_to(app, officer)
        assert message.kind == "new-request"
        assert message.subject == "New request for assessment: Zzthompson, Zzpoppy"
        assert "Zzpat Zzparent" in message.body and clock.long_date(today) in message.body
        assert message.due_date == today + dt.timedelta(weeks=6)
        assert mail_to(app, officer.email) == []  # one email to the team, not one each
    assert messages_to(app, gone) == []
    [email] = mail_to(app, app.config["COUNCIL"]["team_email"])
    assert email.subject.endswith("New request for assessment (Parent or Young Person Request "
                                  "for an EHC Needs Assessment)")
    assert f"/team/people/{family.child.id}" in email.text_body
    assert "Z.Z." in email.text_body and "Zzpoppy" not in email.text_body  # initials only
    assert clock.long_date(today + dt.timedelta(weeks=6)) in email.text_body


def test_a_request_that_opens_no_case_tells_nobody(app, family, senco):
    # The case already has a live request (the SENCo's): another request form submitted (an
    # officer's "start another") opened nothing, so it is not a new request for the team.
    from models import Submission
    with app.test_request_context():
        form = FormInstance.create(person=family.child, form_key="primary-request",
                                   schema_version=1, author=senco, status="submitted",
                                   submitted_at=utcnow())
        submission = Submission.create(instance=form, round=1, answers={}, schema_version=1,
                                       submitted_by=senco)
        assert notices.request_submitted_notice(form, submission) == []
    assert messages_to(app, family.officer, "new-request") == []
    assert mail_to(app, app.config["COUNCIL"]["team_email"]) == []


def test_every_council_has_a_team_mailbox_and_letters():
    for path in sorted((ROOT / "schemas" / "councils").glob("*.yaml")):
        council = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "@" in council["team_email"], path
        letters = council["letters"]
        for key in notices.APPEAL_LETTERS:
            assert "{rights}" in letters[key]["body"], (path, key)
        for key in set(notices.LETTER_KEYS) - set(notices.APPEAL_LETTERS):
            assert "{rights}" not in letters[key]["body"], (path, key)
        assert "SEND Tribunal" in letters["rights"] and "mediation" in letters["rights"]
        assert "{appeal_by}" in letters["rights"]


# --- Decisions: a letter, shared and explained ---------------------------------------------------

def test_decision_to_assess_writes_a_letter_for_the_family_and_tells_the_school(app, family,
                                                                              senco):
    today = clock.uk_today()
    response = record(family, "assess-decision", today, outcome="yes")
    assert response.status_code == 303
    with app.app_context():
        [letter] = Document.select().where(Document.person == family.child)
        assert letter.kind == "letter" and letter.title == (
            "Decision to carry out an EHC needs assessment")
        assert letter.issued_on == today and letter.content_type == "application/pdf"
        stored = Path(app.config["UPLOAD_DIR"]) / letter.stored_name
        assert stored.read_bytes().startswith(b"%PDF") and letter.size == stored.stat().st_size
        assert {s.recipient_id for s in Share.select().where(Share.document == letter)} == {
            family.parent.id, senco.id}
        event = CaseEvent.get(CaseEvent.kind == "assess-decision")
        assert event.detail["letter"] == letter.id
    [school] = messages_to(app, senco)
    assert school.kind == "accepted"
    assert school.subject == "Request accepted: Zzthompson, Zzpoppy"
    assert "has accepted your request" in school.body
    [parent] = messages_to(app, family.parent)
    assert parent.kind == "decision"
    assert parent.subject == "Decision to carry out an EHC needs assessment: Zzpoppy"
    assert f"/family/children/{family.child.id}#shared-with-you" in parent.body
    assert_family_words(parent)
    [email] = mail_to(app, family.parent.email)
    assert "Citizen Portal" in email.text_body and "Professional Portal" not in email.text_body
    assert f"/family/children/{family.child.id}#shared-with-you" in email.text_body
    assert "Decision to carry out an EHC needs assessment" in email.subject
    # The family and the school can open the letter they were told about.
    got = family.client_for(family.parent).get(
        f"/family/children/{family.child.id}/documents/{letter.id}")
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    school_client = family.client_for(senco)
    got = school_client.get(f"/people/{family.child.id}/documents/{letter.id}")
    assert got.status_code == 200 and got.data.startswith(b"%PDF")


def test_decision_not_to_assess_letter_gives_the_right_of_appeal_and_mediation(app, family,
                                                                             senco):
    today = clock.uk_today()
    assert record(family, "assess-decision", today, outcome="no").status_code == 303
    [school] = messages_to(app, senco)
    assert school.kind == "decision" and school.subject == (
        "Decision not to carry out an EHC needs assessment: Zzthompson, Zzpoppy")
    [parent] = messages_to(app, family.parent)
    assert "your right to appeal" in parent.body
    with app.test_request_context():
        event = CaseEvent.get(CaseEvent.kind == "assess-decision")
        title, html = notices.letter_html(event, family.child)
    assert title == "Decision not to carry out an EHC needs assessment"
    assert "SEND Tribunal" in html and "mediation" in html
    from services.cases.rules import add_months
    assert f"by {clock.long_date(add_months(today, 2))}" in html
    body = html.split("<body>")[1]
    assert "Zzpoppy Zzthompson" in body and "{" not in body  # every placeholder filled


@pytest.mark.parametrize("kind, outcome, title, appeal", [
    ("issue-decision", "no", "Decision not to issue an EHC plan", True),
    ("issue-decision", "yes", "Decision to issue an EHC plan", False),
])
def test_decision_whether_to_issue_writes_its_letter(app, family, senco, kind, outcome, title,
                                                     appeal):
    today = clock.uk_today()
    with app.app_context():
        events.record(family.officer, family.child, "assess-decision",
                      today - dt.timedelta(days=10), outcome="yes")
    assert record(family, kind, today, outcome=outcome).status_code == 303
    with app.app_context():
        titles = [d.title for d in Document.select().order_by(Document.id)]
        # The decision to assess made by the service directly wrote no letter; this one did.
        assert titles == [title]
        letter = Document.get(Document.title == title)
        assert Share.select().where(Share.document == letter).count() == 2
        request_on = statutory.case_state(statutory.case_for(family.child)).request.on
    with app.test_request_context():
        html = notices.letter_html(CaseEvent.get(CaseEvent.kind == kind), family.child)[1]
    assert ("SEND Tribunal" in html) is appeal
    if outcome == "yes":  # what happens next: the draft, and the date of the final plan
        assert clock.long_date(request_on + dt.timedelta(weeks=20)) in html


def test_a_case_without_a_requester_still_writes_the_family_letter(app, family):
    # A request by post (recorded by an officer): no form, so only the family hears.
    today = clock.uk_today()
    with app.app_context():
        events.record(family.officer, family.child, "request", today - dt.timedelta(days=3),
                      detail={"how": "post"})
    assert record(family, "assess-decision", today, outcome="yes").status_code == 303
    with app.app_context():
        letter = Document.get()
        assert [s.recipient_id for s in Share.select()] == [family.parent.id]
    assert len(messages_to(app, family.parent, "decision")) == 1


def test_a_refused_event_writes_no_letter(app, family, senco):
    tomorrow = clock.uk_today() + dt.timedelta(days=1)
    assert record(family, "assess-decision", tomorrow, outcome="yes").status_code == 422
    with app.app_context():
        assert Document.select().count() == 0
    assert messages_to(app, family.parent) == []


# --- The draft plan: the family's deadline and the comments form ---------------------------------

def plan_ready(app, family):
    today = clock.uk_today()
    with app.app_context():
        events.record_all(family.officer, family.child, [
            ("request", today - dt.timedelta(weeks=14), "", {"how": "post"}),
            ("assess-decision", today - dt.timedelta(weeks=10), "yes"),
            ("issue-decision", today - dt.timedelta(weeks=1), "yes")])
    return today


def test_draft_plan_tells_the_family_when_comments_are_due_and_where(app, family):
    today = plan_ready(app, family)
    assert record(family, "draft-plan", today).status_code == 303
    due = today + dt.timedelta(days=15)
    [message] = messages_to(app, family.parent)
    assert message.subject == f"Draft EHC plan for Zzpoppy: comments due by {due.day} {due:%B}"
    assert f"Your comments on the draft plan are due by {clock.long_date(due)}" in message.body
    assert f"/family/children/{family.child.id}#forms-to-fill-in" in message.body
    assert "Comments on the Draft EHC Plan" in message.body
    assert message.form_key == "draft-plan-comments" and message.due_date == due
    assert_family_words(message)
    [email] = mail_to(app, family.parent.email)
    assert f"your comments are due by {due.day} {due:%B}" in email.subject
    assert "Citizen Portal" in email.text_body and "Zzpoppy" not in email.text_body
    assert f"Due by: {due:%d/%m/%Y}" in email.text_body
    # The link leads to the comments form the message names.
    page = family.client_for(family.parent).get(f"/family/children/{family.child.id}")
    html = page.get_data(as_text=True)
    assert 'id="forms-to-fill-in"' in html and "draft-plan-comments/start" in html


def test_uploading_the_draft_plan_tells_the_family_once_with_the_deadline(app, family):
    from tests.http.forms_helpers import real_pdf
    today = plan_ready(app, family)
    client = family.client_for(family.officer)
    page = client.get(f"/team/people/{family.child.id}")
    response = client.post(f"/team/people/{family.child.id}/documents/new", data={
        "csrf_token": csrf_from(page), "kind": "draft-plan", "title": "", "issue": "yes",
        "file": (__import__("io").BytesIO(real_pdf()), "draft.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.status_code
    due = today + dt.timedelta(days=15)
    [message] = messages_to(app, family.parent)
    assert message.subject == f"Draft EHC plan for Zzpoppy: comments due by {due.day} {due:%B}"
    assert 'under "Shared with you"' in message.body
    assert_family_words(message)


def test_final_plan_writes_a_covering_letter_with_appeal_rights(app, family):
    today = plan_ready(app, family)
    with app.app_context():
        events.record_all(family.officer, family.child, [
            ("draft-plan", today - dt.timedelta(days=6)),
            ("family-response", today - dt.timedelta(days=2), "no-comments")], today=today)
    assert record(family, "final-plan", today).status_code == 303
    with app.app_context():
        letter = Document.get(Document.title == "Final EHC plan issued")
    with app.test_request_context():
        html = notices.letter_html(CaseEvent.get(CaseEvent.kind == "final-plan"), family.child)[1]
    assert "SEND Tribunal" in html and "mediation" in html
    messages = messages_to(app, family.parent, "decision")
    assert [m.subject for m in messages] == ["Final EHC plan issued: Zzpoppy"]
    assert letter.kind == "letter"


# --- Sharing with a family uses family words -----------------------------------------------------

def test_sharing_a_document_with_a_parent_uses_family_words(app, family):
    from services.casework import sharing
    with app.test_request_context():
        document = Document.create(person=family.child, kind="other", tab="assessment",
                                   title="Zz report", filename="r.pdf", stored_name="x" * 48,
                                   size=1)
        sharing.share(family.child, officer=family.officer, recipient_ids=[family.parent.id],
                      document=document)
    [message] = messages_to(app, family.parent)
    assert message.subject == "Zz report for Zzpoppy: shared with you"
    assert "Stockton-on-Tees Borough Council has shared the Zz report" in message.body
    assert f"/family/children/{family.child.id}#shared-with-you" in message.body
    assert_family_words(message)


def test_a_letter_that_cannot_be_written_leaves_the_event_recorded(app, family, senco,
                                                                   monkeypatch):
    import copy
    council = copy.deepcopy(app.config["COUNCIL"])
    council["letters"]["assess-decision-yes"]["body"] = "Dear {nobody}"  # a deployer's typo
    monkeypatch.setitem(app.config, "COUNCIL", council)
    response = record(family, "assess-decision", clock.uk_today(), outcome="yes")
    assert response.status_code == 303  # no 500: the decision stands, no letter is made
    with app.app_context():
        assert CaseEvent.select().where(CaseEvent.kind == "assess-decision").count() == 1
        assert Document.select().count() == 0


@pytest.mark.parametrize("kind, outcome, reason, title, appeal", [
    ("review-decision", "maintain", "",
     "Decision after the annual review - the EHC plan stays as it is", True),
    ("review-decision", "amend", "",
     "Decision after the annual review - we propose to change the EHC plan", False),
    ("review-decision", "cease", "",
     "Decision after the annual review - we propose to stop the EHC plan", True),
    ("plan-ceased", "", "Zz moved into paid work", "Decision to stop (cease) the EHC plan", True),
])
def test_review_decisions_and_ceasing_write_their_letters(app, family, kind, outcome, reason,
                                                          title, appeal):
    today = clock.uk_today()
    with app.app_context():
        events.record_all(family.officer, family.child, [
            ("request", today - dt.timedelta(weeks=80), "", {"how": "post"}),
            ("assess-decision", today - dt.timedelta(weeks=75), "yes"),
            ("issue-decision", today - dt.timedelta(weeks=66), "yes"),
            ("draft-plan", today - dt.timedelta(weeks=64)),
            ("family-response", today - dt.timedelta(weeks=63), "no-comments"),
            ("final-plan", today - dt.timedelta(weeks=62)),
            ("review-meeting", today - dt.timedelta(days=10))], today=today)
    fields = {"outcome": outcome} if outcome else {"reason": reason}
    assert record(family, kind, today, **fields).status_code == 303
    with app.app_context():
        letter = Document.get(Document.title == title)
        assert [s.recipient_id for s in Share.select().where(Share.document == letter)] == [
            family.parent.id]
    with app.test_request_context():
        html = notices.letter_html(CaseEvent.get(CaseEvent.kind == kind), family.child)[1]
    assert ("SEND Tribunal" in html) is appeal
    if reason:
        assert f"Reason: {reason}" in html
    else:
        assert "Reason:" not in html
    [message] = messages_to(app, family.parent, "decision")
    assert message.subject == f"{title}: Zzpoppy"
    assert_family_words(message)
