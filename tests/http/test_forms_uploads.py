"""Uploads on a form step: allowlist, content sniffing, size, several files, Remove, download."""
import io
import re
from pathlib import Path

import pytest

from models import Attachment, AuditEvent
from tests.helpers import csrf_from
from tests.http.forms_helpers import (
    PDF_BYTES, PNG_BYTES, docx_bytes, post_step, select_profile, upload, version_from)

GENERIC_TYPES = "The selected file must be a PDF, DOC, DOCX, JPG or PNG"


def _html(response):
    return response.get_data(as_text=True)


@pytest.fixture
def at_upload(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    post_step(world.client, f"/forms/{instance_id}/upload",
              {"document_type": "Correspondence", "description": "Saved before the upload"})
    return instance_id


def _live(world):
    with world.app.app_context():
        return list(Attachment.select().where(Attachment.removed_at.is_null())
                    .order_by(Attachment.id))


def test_the_step_form_is_multipart_with_a_submit_upload_button(world, at_upload):
    html = _html(world.client.get(f"/forms/{at_upload}/upload"))
    assert 'enctype="multipart/form-data"' in html
    assert '<button type="submit" class="govuk-button govuk-button--secondary" name="upload" value="files"' in html
    assert 'type="file"' in html and 'name="files"' in html


def test_several_files_each_listed_with_name_size_and_remove(world, at_upload):
    first = upload(world.client, at_upload, "upload", "files", "letter.pdf", PDF_BYTES)
    assert first.status_code == 303
    second = upload(world.client, at_upload, "upload", "files", "photo.png", PNG_BYTES)
    assert second.status_code == 303
    third = upload(world.client, at_upload, "upload", "files", "report.docx", docx_bytes())
    assert third.status_code == 303
    html = _html(world.client.get(f"/forms/{at_upload}/upload"))
    for name in ("letter.pdf", "photo.png", "report.docx"):
        assert name in html
    assert f"({len(PDF_BYTES)} bytes)" in html
    files = _live(world)
    assert [a.filename for a in files] == ["letter.pdf", "photo.png", "report.docx"]
    assert f'name="remove_file" value="{files[0].id}"' in html
    answers = world.instance(at_upload).answers["upload"]
    assert answers["files"] == [a.id for a in files]
    assert answers["description"] == "Saved before the upload"


def test_files_are_stored_outside_static_under_random_names(world, at_upload):
    upload(world.client, at_upload, "upload", "files", "letter.pdf", PDF_BYTES)
    attachment = _live(world)[0]
    folder = Path(world.app.config["UPLOAD_DIR"])
    assert (folder / attachment.stored_name).read_bytes() == PDF_BYTES
    assert attachment.stored_name != "letter.pdf" and len(attachment.stored_name) >= 32
    assert "static" not in str(folder)
    assert not [p for p in folder.iterdir() if p.name.startswith(".part-")]


@pytest.mark.parametrize("filename, content", [
    ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),  # an .exe renamed .pdf
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100),
    ("notes.txt", b"plain words"),                                 # allowed in general, not here
    ("fake.docx", b"PK\x03\x04" + b"\x00" * 100),                  # a zip that is not Word
    ("picture.png", b"\xff\xd8\xff\xe0" + b"\x00" * 20),           # a JPEG called .png
    ("noextension", PDF_BYTES),
])
def test_wrong_types_are_refused_by_name_and_content(world, at_upload, filename, content):
    response = upload(world.client, at_upload, "upload", "files", filename, content)
    assert response.status_code == 422
    html = _html(response)
    assert GENERIC_TYPES in html and 'href="#files"' in html
    assert _live(world) == []
    folder = Path(world.app.config["UPLOAD_DIR"])
    assert not folder.exists() or list(folder.iterdir()) == []
    # What was typed before stays saved.
    assert world.instance(at_upload).answers["upload"]["description"] == "Saved before the upload"


def test_no_file_chosen_and_empty_files_are_explained(world, at_upload):
    response = post_step(world.client, f"/forms/{at_upload}/upload", {"upload": "files"},
                         content_type="multipart/form-data")
    assert response.status_code == 422 and "Select a file" in _html(response)
    response = upload(world.client, at_upload, "upload", "files", "empty.pdf", b"")
    assert response.status_code == 422 and "The selected file is empty" in _html(response)


def test_a_file_over_the_cap_gets_a_message_at_the_field(world, at_upload):
    world.app.config["MAX_UPLOAD_MB"] = 1  # MAX_CONTENT_LENGTH stays higher, as in production
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
    response = upload(world.client, at_upload, "upload", "files", "big.pdf", big)
    assert response.status_code == 422
    assert "The selected file must be smaller than 1MB" in _html(response)
    assert _live(world) == []


def test_a_request_over_the_limit_gets_the_413_page(world, at_upload):
    world.app.config["MAX_CONTENT_LENGTH"] = 10 * 1024
    response = upload(world.client, at_upload, "upload", "files", "big.pdf",
                      b"%PDF-1.4\n" + b"0" * 20 * 1024)
    assert response.status_code == 413
    assert "The file you chose is too large" in _html(response)
    assert world.instance(at_upload).answers["upload"]["description"] == "Saved before the upload"


def test_an_upload_cut_off_half_way_is_a_clear_400(world, at_upload):
    page = world.client.get(f"/forms/{at_upload}/upload")
    boundary = "zzboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{csrf_from(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"version\"\r\n\r\n{version_from(page)}\r\n--{boundary}\r\n"
            f"Content-Disposition: form-data; name=\"upload\"\r\n\r\nfiles\r\n--{boundary}\r\n"
            "Content-Disposition: form-data; name=\"files\"; filename=\"letter.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    sent = head + PDF_BYTES + b"0" * 5000  # the rest never arrives
    response = world.client.open(
        f"/forms/{at_upload}/upload", method="POST", input_stream=io.BytesIO(sent),
        content_length=len(sent) + 50000,
        content_type=f"multipart/form-data; boundary={boundary}")
    assert 400 <= response.status_code < 500
    assert "The upload did not finish" in _html(response)
    assert _live(world) == []
    assert world.instance(at_upload).answers["upload"]["description"] == "Saved before the upload"


def test_remove_takes_a_file_off_the_answer(world, at_upload):
    upload(world.client, at_upload, "upload", "files", "letter.pdf", PDF_BYTES)
    upload(world.client, at_upload, "upload", "files", "photo.png", PNG_BYTES)
    first = _live(world)[0]
    response = post_step(world.client, f"/forms/{at_upload}/upload",
                         {"remove_file": str(first.id), "document_type": "Correspondence",
                          "description": "Saved before the upload"})
    assert response.status_code == 303
    assert [a.filename for a in _live(world)] == ["photo.png"]
    assert world.instance(at_upload).answers["upload"]["files"] == [_live(world)[0].id]


def test_posted_file_ids_are_ignored(world, at_upload):
    """A forged hidden input cannot attach another instance's file."""
    other = world.start()
    select_profile(world, other)
    upload(world.client, other, "upload", "files", "secret.pdf", PDF_BYTES)
    theirs = _live(world)[0]
    post_step(world.client, f"/forms/{at_upload}/upload",
              {"files": str(theirs.id), "document_type": "Correspondence", "description": "x"})
    assert world.instance(at_upload).answers["upload"].get("files") in (None, [])
    # Nor remove it.
    post_step(world.client, f"/forms/{at_upload}/upload",
              {"remove_file": str(theirs.id), "document_type": "Correspondence", "description": "x"})
    assert [a.id for a in _live(world)] == [theirs.id]


def test_an_unknown_upload_field_is_404(world, at_upload):
    response = upload(world.client, at_upload, "upload", "description", "letter.pdf", PDF_BYTES)
    assert response.status_code == 404
    response = upload(world.client, at_upload, "upload", "nonsense", "letter.pdf", PDF_BYTES)
    assert response.status_code == 404


def test_download_is_an_attachment_with_the_original_name(world, at_upload):
    upload(world.client, at_upload, "upload", "files", "Zoë's letter.pdf", PDF_BYTES)
    attachment = _live(world)[0]
    response = world.client.get(f"/forms/{at_upload}/files/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''Zo%C3%AB%27s%20letter.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    with world.app.app_context():
        event = AuditEvent.get(AuditEvent.action == "form-file-downloaded")
        assert event.person_id == world.child.id and event.detail["attachment_id"] == attachment.id


def test_download_access(world, at_upload):
    upload(world.client, at_upload, "upload", "files", "letter.pdf", PDF_BYTES)
    attachment = _live(world)[0]
    path = f"/forms/{at_upload}/files/{attachment.id}"
    _colleague, client = world.user_client("colleague@example.org")
    assert client.get(path).status_code == 404
    _officer, officer = world.user_client("officer@example.org", role="officer", link=False)
    assert officer.get(path).status_code == 200
    other = world.start()
    assert world.client.get(f"/forms/{other}/files/{attachment.id}").status_code == 404
    assert world.client.get(f"/forms/{at_upload}/files/99999").status_code == 404


def test_upload_with_a_stale_version_stores_nothing(world, at_upload):
    page = world.client.get(f"/forms/{at_upload}/upload")
    post_step(world.client, f"/forms/{at_upload}/upload", {"autosave": "1", "description": "New"},
              headers={"HX-Request-Type": "partial"})
    response = post_step(world.client, f"/forms/{at_upload}/upload",
                         {"upload": "files", "files": (io.BytesIO(PDF_BYTES), "a.pdf")},
                         page=page, content_type="multipart/form-data")
    assert response.status_code == 409
    assert _live(world) == []


def test_summary_names_the_files(world, at_upload):
    upload(world.client, at_upload, "upload", "files", "letter.pdf", PDF_BYTES)
    response = post_step(world.client, f"/forms/{at_upload}/upload",
                         {"document_type": "Correspondence", "description": "Two\nlines <i>x</i>"})
    assert response.status_code == 303
    html = _html(world.client.get(f"/forms/{at_upload}/summary"))
    assert "letter.pdf" in html
    assert "Two<br>lines &lt;i&gt;x&lt;/i&gt;" in html
    assert re.search(r"Files\s*</dt>", html)
