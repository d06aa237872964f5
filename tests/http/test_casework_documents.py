"""Documents: letters and plans uploaded to a case (content-checked, random names outside
static/), the draft plan starting the parents' 15-day window, the final plan, and downloads."""
import datetime as dt
import io
import os

import pytest

from models import AuditEvent, Case, Document, Share
from services.cases import events, statutory
from services.kernel.clock import uk_today
from tests.helpers import html
from tests.http.forms_helpers import docx_bytes, real_pdf


def _upload(cw, kind, filename="plan.pdf", content=None, **extra):
    content = real_pdf() if content is None else content
    return cw.post(f"/team/people/{cw.child.id}/documents/new",
                   {"kind": kind, "file": (io.BytesIO(content), filename), **extra},
                   content_type="multipart/form-data")


def _plan_decided(cw):
    """The case up to the decision to issue a plan (the draft may be issued from here)."""
    today = uk_today()
    with cw.app.app_context():
        events.record_all(cw.officer, cw.child, [
            ("request", today - dt.timedelta(weeks=17)),
            ("assess-decision", today - dt.timedelta(weeks=12), "yes"),
            ("issue-decision", today - dt.timedelta(weeks=2), "yes")])


def _documents(cw):
    with cw.app.app_context():
        return list(Document.select().order_by(Document.id))


def _stored_files(cw):
    folder = cw.app.config["UPLOAD_DIR"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_upload_page(cw):
    text = html(cw.get(f"/team/people/{cw.child.id}/documents/new"))
    assert 'enctype="multipart/form-data"' in text
    assert "Draft EHC Plan" in text and "Final EHC Plan" in text and "Issue to parents" in text


def test_letter_goes_on_the_assessment_tab(cw):
    response = _upload(cw, "letter", "Decision letter.pdf", title="Decision to assess")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/team/people/{cw.child.id}#documents")
    [document] = _documents(cw)
    assert (document.kind, document.tab, document.title) == ("letter", "assessment",
                                                             "Decision to assess")
    assert document.filename == "Decision letter.pdf" and document.content_type == "application/pdf"
    assert document.stored_name in _stored_files(cw) and len(document.stored_name) == 48
    assert "static" not in cw.app.config["UPLOAD_DIR"]
    assert "Decision to assess" in html(cw.get(f"/team/people/{cw.child.id}"))


def test_title_defaults_to_the_kind(cw):
    _upload(cw, "letter", "x.docx", content=docx_bytes())
    assert _documents(cw)[0].title == "Letter"


def test_issuing_the_draft_starts_the_comment_window_and_shares_it_with_parents(cw):
    _plan_decided(cw)
    response = _upload(cw, "draft-plan", "Draft plan.docx", content=docx_bytes(), issue="yes")
    assert response.status_code == 303
    [document] = _documents(cw)
    today = uk_today()
    assert document.tab == "plan" and document.issued_on == today
    with cw.app.app_context():
        case = Case.get(Case.person == cw.child)
        assert case.draft_plan_issued == today
        assert statutory.comment_window(case, today) == (True, today + dt.timedelta(days=15))
        assert statutory.comment_window(case, today + dt.timedelta(days=16))[0] is False
        assert [s.recipient_id for s in Share.select()] == [cw.parent.id]
    [message] = cw.messages_to(cw.parent, "shared")
    assert "Draft EHC Plan" in message.body and message.tab == "plan"
    assert cw.messages_to(cw.pro, "shared") == []  # professionals are not parents
    # Family words: what happened and the deadline (tests/http/test_case_notices.py)
    assert any("your comments are due by" in e.subject for e in cw.emails_to(cw.parent))
    page = html(cw.get(f"/team/people/{cw.child.id}"))
    assert "Issued" in page and 'id="comment-window"' in page


def test_a_draft_not_issued_changes_nothing(cw):
    assert _upload(cw, "draft-plan").status_code == 303
    [document] = _documents(cw)
    assert document.issued_on is None
    with cw.app.app_context():
        assert Case.get_or_none(Case.person == cw.child) is None
        assert Share.select().count() == 0


def test_a_draft_before_the_decision_to_issue_is_refused(cw):
    response = _upload(cw, "draft-plan", issue="yes")
    assert response.status_code == 422
    assert "Record a decision to issue an EHC plan before the draft plan" in html(response)
    assert _documents(cw) == [] and _stored_files(cw) == []


def test_a_final_plan_inside_the_comment_window_needs_the_response_or_a_reason(cw):
    _plan_decided(cw)
    _upload(cw, "draft-plan", issue="yes")
    refused = _upload(cw, "final-plan", "Final.pdf", issue="yes")
    assert refused.status_code == 422 and "to comment on the draft plan" in html(refused)
    assert [d.kind for d in _documents(cw)] == ["draft-plan"]
    allowed = _upload(cw, "final-plan", "Final.pdf", issue="yes",
                      early_reason="The family confirmed by email they have no comments")
    assert allowed.status_code == 303


def test_final_plan_sets_final_plan_issued(cw):
    _plan_decided(cw)
    _upload(cw, "draft-plan", issue="yes")
    assert _upload(cw, "final-plan", "Final.pdf", issue="yes",
                   early_reason="Family agreed in writing").status_code == 303
    with cw.app.app_context():
        case = Case.get(Case.person == cw.child)
        assert case.final_plan_issued == uk_today()
        assert statutory.comment_window(case, uk_today()) == (False, None)
        # The draft, the final plan and the final plan's covering letter (notices.py)
        assert Share.select().where(Share.recipient == cw.parent).count() == 3


@pytest.mark.parametrize("kind, filename, content, message", [
    ("draft-plan", "plan.pdf", b"MZ\x90\x00 not a pdf at all", "must be a PDF or DOCX"),
    ("draft-plan", "plan.doc", bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 32,
     "must be a PDF or DOCX"),
    ("final-plan", "plan.docx", b"PK\x03\x04 not really a docx", "must be a PDF or DOCX"),
    ("final-plan", "plan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "must be a PDF or DOCX"),
    ("letter", "letter.pdf", b"", "The selected file is empty"),
    ("letter", "letter.exe", b"MZ", "must be a PDF, DOC, DOCX, ODT or RTF"),
    ("", "letter.pdf", None, "Select the type of document"),
    ("nonsense", "letter.pdf", None, "Select the type of document"),
])
def test_bad_files_are_refused_and_nothing_is_kept(cw, kind, filename, content, message):
    response = _upload(cw, kind, filename, content)
    assert response.status_code == 422
    text = html(response)
    assert "There is a problem" in text and message in text
    assert _documents(cw) == [] and _stored_files(cw) == []


def test_no_file(cw):
    response = cw.post(f"/team/people/{cw.child.id}/documents/new", {"kind": "letter"},
                       content_type="multipart/form-data")
    assert response.status_code == 422 and "Select a file" in html(response)


def test_issuing_needs_a_linked_parent(cw):
    from models import Link
    with cw.app.app_context():
        Link.delete().where(Link.user == cw.parent).execute()
    response = _upload(cw, "draft-plan", issue="yes")
    assert response.status_code == 422 and "No parent or young person is linked" in html(response)
    assert _documents(cw) == [] and _stored_files(cw) == []
    with cw.app.app_context():
        assert Case.select().count() == 0


def test_too_big(cw):
    cw.app.config["MAX_UPLOAD_MB"] = 1
    response = _upload(cw, "letter", "big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    assert response.status_code in (413, 422)
    assert _documents(cw) == [] and _stored_files(cw) == []


def test_title_is_kept_on_error(cw):
    response = _upload(cw, "draft-plan", "plan.txt", b"hello", title="My <b>plan</b>")
    assert response.status_code == 422
    assert 'value="My &lt;b&gt;plan&lt;/b&gt;"' in html(response)


def test_officer_downloads_a_document(cw):
    content = real_pdf()
    _upload(cw, "letter", "Letter to Zoë's parents.pdf", content)
    [document] = _documents(cw)
    response = cw.get(f"/team/documents/{document.id}")
    assert response.status_code == 200 and response.data == content
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "Letter" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    with cw.app.app_context():
        assert AuditEvent.select().where(AuditEvent.action == "document-downloaded").count() == 1


def test_missing_or_removed_document_is_404(cw):
    assert cw.get("/team/documents/999999").status_code == 404
    _upload(cw, "letter")
    [document] = _documents(cw)
    os.remove(os.path.join(cw.app.config["UPLOAD_DIR"], document.stored_name))
    assert cw.get(f"/team/documents/{document.id}").status_code == 404
