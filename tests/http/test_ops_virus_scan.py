"""Issue 15, virus scanning against a REAL clamd (tests/clamav/daemon.py): with CLAMD_SOCKET set,
a clean PDF is kept, a file carrying the EICAR test string is refused at the field with nothing
stored and an audit event, and with clamd stopped every upload is refused with "try again later"
— on a form step (with and without htmx) and for a case document."""
import io
import os
from pathlib import Path

import pytest

from models import Attachment, AuditEvent, Document
from services.forms import uploads
from services.ops import doctor
from tests.clamav import daemon
from tests.helpers import html
from tests.http.forms_helpers import PDF_BYTES, post_step, real_pdf, upload
# A draft at its upload step with a description already typed ("Saved before the upload").
from tests.http.test_forms_uploads import at_upload  # noqa: F401  (a fixture)

INFECTED_PDF = b"%PDF-1.4\n" + daemon.EICAR + b"\n%%EOF\n"


@pytest.fixture(scope="session")
def clamd_running():
    """One clamd for the session (about half a second to start with one signature)."""
    daemon.skip_unless_installed()
    server = daemon.Clamd().start()
    yield server
    server.close()


@pytest.fixture
def scanned(app, clamd_running):
    app.config["CLAMD_SOCKET"] = clamd_running.socket
    return clamd_running


def _kept(app, model=Attachment):
    with app.app_context():
        return list(model.select())


def _files_on_disk(app):
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(os.listdir(folder)) if folder.is_dir() else []


def _virus_events(app):
    with app.app_context():
        return list(AuditEvent.select().where(AuditEvent.action == "upload-virus-found"))


def test_the_test_clamd_listens_on_its_unix_socket_only(clamd_running):
    config = clamd_running.config.read_text()
    assert "TCPSocket" not in config and "LocalSocket" in config
    inodes = {os.readlink(f"/proc/{clamd_running.process.pid}/fd/{fd}")
              for fd in os.listdir(f"/proc/{clamd_running.process.pid}/fd")}
    sockets = {i[len("socket:["):-1] for i in inodes if i.startswith("socket:[")}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        rows = Path(table).read_text().splitlines()[1:] if Path(table).exists() else []
        assert not sockets & {row.split()[9] for row in rows}, "clamd has a TCP socket"


def test_a_clean_pdf_is_scanned_and_kept(world, at_upload, scanned):
    response = upload(world.client, at_upload, "upload", "files", "letter.pdf", PDF_BYTES)
    assert response.status_code == 303
    [attachment] = _kept(world.app)
    assert _files_on_disk(world.app) == [attachment.stored_name]
    assert _virus_events(world.app) == []


def test_eicar_is_refused_at_the_field_nothing_kept_and_audited(world, at_upload, scanned):
    response = upload(world.client, at_upload, "upload", "files", "report.pdf", INFECTED_PDF)
    assert response.status_code == 422
    text = html(response)
    assert "The selected file contains a virus" in text and 'href="#files"' in text
    assert "govuk-error-summary" in text and "govuk-error-message" in text
    assert _kept(world.app) == [] and _files_on_disk(world.app) == []
    [event] = _virus_events(world.app)
    assert event.detail["signature"].startswith(daemon.SIGNATURE)
    assert event.detail["field"] == "upload.files" and event.person_id == world.child.id
    assert event.user_id == world.pro.id
    # What was typed stays.
    assert world.instance(at_upload).answers["upload"]["description"] == "Saved before the upload"


def test_eicar_chosen_with_save_and_continue_under_htmx_gets_the_message_in_the_fragment(
        world, at_upload, scanned):
    response = post_step(world.client, f"/forms/{at_upload}/upload",
                         {"document_type": "Correspondence", "description": "Still here",
                          "files": (io.BytesIO(INFECTED_PDF), "report.pdf")},
                         content_type="multipart/form-data",
                         headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert response.status_code == 422
    text = html(response)
    assert "The selected file contains a virus" in text and "<html" not in text
    assert _kept(world.app) == [] and _files_on_disk(world.app) == []
    assert len(_virus_events(world.app)) == 1


def test_clamd_stopped_refuses_the_upload_with_try_again_later(world, at_upload, app):
    daemon.skip_unless_installed()
    server = daemon.Clamd().start()
    app.config["CLAMD_SOCKET"] = server.socket
    try:
        assert upload(world.client, at_upload, "upload", "files", "a.pdf", PDF_BYTES
                      ).status_code == 303
        server.stop()
        response = upload(world.client, at_upload, "upload", "files", "b.pdf", PDF_BYTES)
    finally:
        server.close()
    assert response.status_code == 422
    assert uploads.CANNOT_SCAN in html(response)
    assert [a.filename for a in _kept(world.app)] == ["a.pdf"]
    assert len(_files_on_disk(world.app)) == 1
    assert _virus_events(world.app) == []


def _document(cw, content, filename="plan.pdf"):
    return cw.post(f"/team/people/{cw.child.id}/documents/new",
                   {"kind": "letter", "file": (io.BytesIO(content), filename)},
                   content_type="multipart/form-data")


def test_case_documents_are_scanned_too(cw, scanned):
    assert _document(cw, real_pdf()).status_code == 303
    response = _document(cw, INFECTED_PDF, "infected.pdf")
    assert response.status_code == 422
    assert "The selected file contains a virus" in html(response)
    assert [d.filename for d in _kept(cw.app, Document)] == ["plan.pdf"]
    assert len(_files_on_disk(cw.app)) == 1
    [event] = _virus_events(cw.app)
    assert event.object_type == "document" and event.person_id == cw.child.id


def test_case_document_with_clamd_unreachable_is_refused(cw, tmp_path):
    cw.app.config["CLAMD_SOCKET"] = str(tmp_path / "no-clamd.sock")
    response = _document(cw, real_pdf())
    assert response.status_code == 422
    assert uploads.CANNOT_SCAN in html(response)
    assert _kept(cw.app, Document) == [] and _files_on_disk(cw.app) == []


def test_doctor_pings_clamd(app, clamd_running, tmp_path):
    app.config["CLAMD_SOCKET"] = clamd_running.socket
    with app.app_context():
        results = dict(zip((c.__name__ for c in doctor.CHECKS), doctor.run(app.config, {})))
    assert results["_clamd"] == (True, f"clamd at {clamd_running.socket} answers PING.")
    app.config["CLAMD_SOCKET"] = str(tmp_path / "gone.sock")
    with app.app_context():
        ok, sentence = dict(zip((c.__name__ for c in doctor.CHECKS),
                                doctor.run(app.config, {})))["_clamd"]
    assert not ok and "uploads will be refused" in sentence


def test_a_hung_clamd_is_waited_for_once_a_request_not_once_a_file(world, at_upload, app,
                                                                   monkeypatch):
    """Three files on one Save & Continue with clamd not answering: one wait (each scan may take
    the whole deadline; three would outlast gunicorn's worker timeout), all three refused."""
    from services.ops import clamd as clamd_client
    calls = []

    def hung(where, stream, timeout=None):
        calls.append(where)
        raise clamd_client.Unavailable("timed out")

    monkeypatch.setattr(clamd_client, "scan", hung)
    app.config["CLAMD_SOCKET"] = "/nonexistent/clamd.ctl"
    response = post_step(world.client, f"/forms/{at_upload}/upload",
                         {"document_type": "Correspondence", "description": "Still here",
                          "files": [(io.BytesIO(PDF_BYTES), f"r{n}.pdf") for n in range(3)]},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert uploads.CANNOT_SCAN in html(response)
    assert len(calls) == 1
    assert _kept(world.app) == [] and _files_on_disk(world.app) == []
