"""The advice pack: one PDF of all accepted advice (an index page, each form's PDF and its PDF
attachments), for the panel."""
import io
import re

from pypdf import PdfReader

from models import AuditEvent
from tests.helpers import html
from tests.http.forms_helpers import real_pdf


def _pack(cw):
    return cw.get(f"/team/people/{cw.child.id}/advice-pack")


def _text(reader, page):
    return reader.pages[page].extract_text()


def test_no_accepted_advice_means_no_pack(cw):
    cw.submitted()  # submitted but not accepted
    response = _pack(cw)
    assert response.status_code == 303
    assert "There is no accepted advice" in html(cw.get(response.headers["Location"]))


def test_pack_has_index_forms_and_merged_attachments(cw):
    first = cw.accepted(file_content=real_pdf(3), filename="EP report.pdf")
    second = cw.accepted()  # its attachment (tests' tiny PDF_BYTES) has no readable pages
    cw.submitted()  # not accepted: not in the pack
    with cw.app.app_context():
        from services.casework import pack
        from services.forms import instances, pdf
        from models import FormInstance
        form_pages = []
        for instance_id in (first, second):
            instance = FormInstance.get_by_id(instance_id)
            form = instances.form_of(cw.app.extensions["forms"], instance)
            body = pdf.render_form_pdf(
                form=form, journey=instances.journey_for(form, instance.answers),
                instance=instance, person=instance.person, council=cw.app.config["COUNCIL"],
                submitter=instance.author,
                work_profile_text=instances.work_profile_text(instance),
                attachment_names=instances.attachment_names(instance))
            form_pages.append(len(PdfReader(io.BytesIO(body)).pages))
        assert [i.id for i in pack.accepted_instances(cw.child)] == [first, second]
    response = _pack(cw)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and re.search(
        r'Advice pack - ZZ - \d{4}-\d{2}-\d{2}\.pdf', disposition)
    reader = PdfReader(io.BytesIO(response.data))
    # index (1) + first form + its 3-page attachment + second form (its attachment skipped)
    assert len(reader.pages) == 1 + form_pages[0] + 3 + form_pages[1]
    index = _text(reader, 0)
    assert "Advice pack" in index and "Zzpoppy Zzthompson" in index
    assert "Generic File Upload Manager" in index and "EP report.pdf" in index
    assert "Could not be included" in index
    # The page numbers in the index are where each part starts.
    assert re.search(rf"\b2\s*Generic File Upload Manager", index)
    assert re.search(rf"\b{2 + form_pages[0]}\s*Attachment: EP report\.pdf", index)
    assert "Generic File Upload Manager" in _text(reader, 1)
    assert _text(reader, 1 + form_pages[0]).strip() == ""  # the blank attachment page
    with cw.app.app_context():
        event = AuditEvent.get(AuditEvent.action == "advice-pack-downloaded")
        assert event.person_id == cw.child.id and event.detail["forms"] == 2


def test_case_page_offers_the_pack_once_advice_is_accepted(cw):
    page = html(cw.get(f"/team/people/{cw.child.id}"))
    assert "Advice pack (PDF)" not in page
    cw.accepted()
    page = html(cw.get(f"/team/people/{cw.child.id}"))
    assert "Advice pack (PDF)" in page and f"/team/people/{cw.child.id}/advice-pack" in page


def test_a_missing_attachment_file_is_noted_not_fatal(cw):
    import os
    cw.accepted(file_content=real_pdf(2), filename="gone.pdf")
    for name in os.listdir(cw.app.config["UPLOAD_DIR"]):
        os.remove(os.path.join(cw.app.config["UPLOAD_DIR"], name))
    response = _pack(cw)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert "gone.pdf" in _text(reader, 0) and "Could not be included" in _text(reader, 0)
