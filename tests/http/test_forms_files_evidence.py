"""Files are evidence (issue 13): every attachment is a link (name, kind, size) wherever its
reader may see the form, served by the one authorised download; the form PDF lists each file."""
import io
import re

from pypdf import PdfReader

from models import Attachment
from tests.helpers import html
from tests.http.forms_helpers import PDF_BYTES, select_profile, upload

LINK = re.compile(r'<a class="govuk-link" href="(/forms/\d+/files/\d+)" download>report\.pdf</a>'
                  r'\s*<span class="govuk-body-s">\(PDF, (\d+) bytes\)</span>')


def _share(cw, instance_id, recipient):
    return cw.post(f"/team/people/{cw.child.id}/share",
                   {"recipients": str(recipient.id), "instance": str(instance_id)})


def _link(page):
    """The file's link on a page (asserting its name, kind and size are shown)."""
    match = LINK.search(html(page))
    assert match, html(page)[:4000]
    assert int(match.group(2)) == len(PDF_BYTES)
    return match.group(1)


def _opens(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_data() == PDF_BYTES
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response


def test_the_summary_links_each_file_with_its_kind_and_size(cw):
    instance_id = cw.start()
    select_profile(cw, instance_id)
    upload(cw.client, instance_id, "upload", "files", "report.pdf", PDF_BYTES,
           {"document_type": "Correspondence", "description": "x"})
    page = cw.client.get(f"/forms/{instance_id}/summary")
    _opens(cw.client, _link(page))


def test_view_details_and_the_officers_review_page_link_the_file(cw):
    instance_id = cw.submitted(file_content=PDF_BYTES)
    _opens(cw.client, _link(cw.client.get(f"/forms/{instance_id}/view")))
    _opens(cw.officer_client, _link(cw.get(f"/team/review/{instance_id}")))
    _opens(cw.officer_client, _link(cw.get(f"/forms/{instance_id}/view")))


def test_the_family_opens_the_file_from_view_shared_form_once_shared(cw):
    instance_id = cw.accepted(file_content=PDF_BYTES)
    with cw.app.app_context():
        path = f"/forms/{instance_id}/files/{Attachment.get().id}"
    assert cw.parent_client.get(path).status_code == 404  # not shared yet: not theirs to see
    assert cw.parent_client.get(f"/forms/{instance_id}/view").status_code == 404
    assert _share(cw, instance_id, cw.parent).status_code == 303
    _opens(cw.parent_client, _link(cw.parent_client.get(f"/forms/{instance_id}/view")))


def test_the_download_is_no_wider_than_who_may_see_the_form(cw):
    instance_id = cw.accepted(file_content=PDF_BYTES)
    with cw.app.app_context():
        path = f"/forms/{instance_id}/files/{Attachment.get().id}"
    # linked to the child but nothing shared with them: no file
    _colleague, colleague = cw.user_client("colleague@example.org")
    assert colleague.get(path).status_code == 404
    # not linked at all
    outsider = cw.app.test_client()
    cw.signed_in(outsider, cw.outsider)
    assert outsider.get(path).status_code == 404
    # a share with someone no longer linked gives nothing either
    assert _share(cw, instance_id, cw.parent).status_code == 303
    assert cw.parent_client.get(path).status_code == 200
    from models import Link
    with cw.app.app_context():
        Link.delete().where(Link.user == cw.parent).execute()
    assert cw.parent_client.get(path).status_code == 404


def test_a_file_of_a_later_round_is_not_shown_to_who_has_an_earlier_one(cw):
    """A share recipient sees the shared round's files only."""
    instance_id = cw.accepted(file_content=PDF_BYTES)
    assert _share(cw, instance_id, cw.parent).status_code == 303
    with cw.app.app_context():
        first = Attachment.get()
        instance = cw.instance(instance_id)
    # the author attaches another file to a new draft answer (not submitted, not shared)
    with cw.app.app_context():
        later = Attachment.create(instance=instance, field="upload.files", filename="later.pdf",
                                  stored_name="x" * 48, content_type="application/pdf",
                                  size=10, uploaded_by=cw.pro)
    assert cw.parent_client.get(f"/forms/{instance_id}/files/{later.id}").status_code == 404
    assert cw.parent_client.get(f"/forms/{instance_id}/files/{first.id}").status_code == 200


def test_the_form_pdf_lists_each_file_with_kind_and_size(cw):
    instance_id = cw.submitted(file_content=PDF_BYTES)
    response = cw.get(f"/forms/{instance_id}/pdf")
    assert response.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)
    assert f"report.pdf (PDF, {len(PDF_BYTES)} bytes)" in " ".join(text.split())


def _save_and_continue_with_file(world, instance_id, filename, content):
    from tests.http.forms_helpers import post_step
    return post_step(world.client, f"/forms/{instance_id}/upload",
                     {"document_type": "Correspondence", "description": "A letter",
                      "files": (io.BytesIO(content), filename)},
                     content_type="multipart/form-data")


def test_save_and_continue_keeps_a_chosen_file(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    response = _save_and_continue_with_file(world, instance_id, "consent.pdf", PDF_BYTES)
    assert response.status_code == 303 and response.headers["Location"].endswith("/summary")
    with world.app.app_context():
        [attachment] = Attachment.select()
    assert attachment.filename == "consent.pdf"
    assert world.instance(instance_id).answers["upload"]["files"] == [attachment.id]
    assert "consent.pdf" in html(world.client.get(f"/forms/{instance_id}/summary"))


def test_save_and_continue_with_a_refused_file_says_why_at_the_field(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    response = _save_and_continue_with_file(world, instance_id, "setup.pdf", b"MZ" + b"\0" * 50)
    assert response.status_code == 422
    page = html(response)
    assert "The selected file must be a PDF, DOC, DOCX, JPG or PNG" in page
    assert 'value="A letter"' in page or "A letter" in page  # nothing typed is lost
    with world.app.app_context():
        assert Attachment.select().count() == 0
