"""Issue 15, rights: the officer's "Export for a subject access request" button on the case page
downloads the same zip as `flask export-person`, for that child only, and is audited."""
import io
import json
import zipfile

from models import AuditEvent, Document
from tests.helpers import csrf_from, html
from tests.http.forms_helpers import real_pdf


def _export(cw, person_id):
    page = cw.get(f"/team/people/{cw.child.id}")
    return cw.officer_client.post(f"/team/people/{person_id}/subject-access-export",
                                  data={"csrf_token": csrf_from(page)})


def test_the_case_page_has_the_button(cw):
    text = html(cw.get(f"/team/people/{cw.child.id}"))
    assert f'action="/team/people/{cw.child.id}/subject-access-export"' in text
    assert "Export for a subject access request" in text


def test_the_button_downloads_the_childs_zip_and_is_audited(cw):
    cw.submitted()
    assert cw.post(f"/team/people/{cw.child.id}/documents/new",
                   {"kind": "letter", "file": (io.BytesIO(real_pdf()), "letter.pdf")},
                   content_type="multipart/form-data").status_code == 303
    response = _export(cw, cw.child.id)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=subject-access-request-{cw.child.id}.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        names = zf.namelist()
        records = json.loads(zf.read("records.json"))
    assert [p["id"] for p in records["person"]] == [cw.child.id]
    assert any(n.startswith("rounds/") and n.endswith(".pdf") for n in names)
    with cw.app.app_context():
        [document] = Document.select()
        [event] = AuditEvent.select().where(AuditEvent.action == "subject-access-export")
    assert f"files/document-{document.id}-letter.pdf" in names
    assert event.user_id == cw.officer.id and event.person_id == cw.child.id
    assert event.detail["pdfs"] >= 1 and event.detail["files"] >= 1


def test_an_unknown_child_is_404_and_nothing_is_audited(cw):
    assert _export(cw, 999999).status_code == 404
    with cw.app.app_context():
        assert not AuditEvent.select().where(AuditEvent.action == "subject-access-export").exists()
