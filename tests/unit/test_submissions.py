"""services/forms/instances.py and services/forms/uploads.py: versioned saves, rounds, access, file checks."""
import datetime as dt
import io
import zipfile

import pytest

import models
from models import Attachment, FormInstance, Link, Organisation, Person, Submission, WorkProfile
from services.forms import instances, uploads
from services.forms.instances import NotEditable, Refused, VersionConflict


@pytest.fixture
def ctx(app, make_user):
    """A professional linked to a child, inside an app context, with the forms registry."""
    pro = make_user("pro@example.org")
    with app.app_context():
        models.db.connect(reuse_if_open=True)
        org = Organisation.create(name="Zz School", name_key="zz school")
        profile = WorkProfile.create(user=pro, professional_role="SENCo", organisation=org)
        child = Person.create(forename="Zzamy", surname="Zztest", date_of_birth=dt.date(2015, 1, 2))
        Link.create(user=pro, person=child)
        registry = app.extensions["forms"]
        yield {"app": app, "pro": pro, "profile": profile, "child": child, "registry": registry,
               "make_user": make_user}


def _started(ctx, key="generic-file-upload"):
    form = ctx["registry"].get(key)
    return instances.start(ctx["pro"], ctx["child"], form), form


def test_save_is_a_compare_and_set_on_version(ctx):
    instance, form = _started(ctx)
    saved = instances.save(instance, form, "upload", {"description": ["First"]}, version=1,
                             user=ctx["pro"], partial=True)
    assert saved.version == 2 and instance.version == 2
    with pytest.raises(VersionConflict):
        instances.save(instance, form, "upload", {"description": ["Stale"]}, version=1,
                         user=ctx["pro"], partial=True)
    fresh = FormInstance.get_by_id(instance.id)
    assert fresh.version == 2 and fresh.answers["upload"]["description"] == "First"


def test_a_full_save_reports_errors_but_keeps_valid_answers(ctx):
    instance, form = _started(ctx)
    saved = instances.save(instance, form, "upload",
                             {"description": ["Kept"], "document_date-day": ["31"],
                              "document_date-month": ["2"], "document_date-year": ["2020"]},
                             version=1, user=ctx["pro"])
    assert saved.errors["document_type"] == "Select type of document"
    assert saved.errors["document_date"] == "Date of the document must be a real date"
    assert saved.errors["files"] == "Upload files"
    answers = FormInstance.get_by_id(instance.id).answers["upload"]
    assert answers["description"] == "Kept"
    assert answers["_raw"]["document_date"] == {"day": "31", "month": "2", "year": "2020"}


def test_work_profile_must_be_the_authors(ctx):
    instance, form = _started(ctx)
    other = ctx["make_user"]("other@example.org")
    theirs = WorkProfile.create(user=other, professional_role="x",
                                organisation=ctx["profile"].organisation)
    saved = instances.save(instance, form, "work-details", {"work_profile_id": [str(theirs.id)]},
                             version=1, user=ctx["pro"])
    assert saved.errors == {"work_profile_id": "Select a work profile"}
    saved = instances.save(instance, form, "work-details",
                             {"work_profile_id": [str(ctx["profile"].id)]}, version=2,
                             user=ctx["pro"])
    assert saved.errors == {} and FormInstance.get_by_id(instance.id).work_profile_id == ctx["profile"].id


def _complete(ctx, instance, form):
    instances.save(instance, form, "work-details", {"work_profile_id": [str(ctx["profile"].id)]},
                     version=instance.version, user=ctx["pro"])
    Attachment.create(instance=instance, field="upload.files", filename="a.pdf", stored_name="s1",
                      size=4)
    instances.save(instance, form, "upload", {"document_type": ["Other"],
                                                "document_type_other": ["Note"],
                                                "description": ["D"]},
                     version=instance.version, user=ctx["pro"])
    return FormInstance.get_by_id(instance.id)


AGREED = {"agree-0": ["yes"], "agree-1": ["yes"]}


def test_submit_creates_rounds_and_refuses_a_second_click(ctx):
    instance, form = _started(ctx)
    instance = _complete(ctx, instance, form)
    council = ctx["app"].config["COUNCIL"]["declarations"]
    refused = instances.submit(instance, form, user=ctx["pro"], version=instance.version,
                                 posted={"agree-0": ["yes"]}, council_statements=council)
    assert isinstance(refused, Refused) and list(refused.declarations) == ["agree-1"]
    first = instances.submit(instance, form, user=ctx["pro"], version=instance.version,
                               posted=AGREED, council_statements=council)
    assert first.round == 1
    with pytest.raises(NotEditable):
        instances.submit(instance, form, user=ctx["pro"], version=instance.version,
                           posted=AGREED, council_statements=council)
    instance = FormInstance.get_by_id(instance.id)
    instances.amend(instance, user=ctx["pro"], version=instance.version)
    instance = FormInstance.get_by_id(instance.id)
    assert instance.status == "amending"
    second = instances.submit(instance, form, user=ctx["pro"], version=instance.version,
                                posted=AGREED, council_statements=council)
    assert second.round == 2
    assert Submission.select().where(Submission.instance == instance).count() == 2


def test_submit_with_a_stale_version_is_a_conflict(ctx):
    instance, form = _started(ctx)
    instance = _complete(ctx, instance, form)
    with pytest.raises(VersionConflict):
        instances.submit(instance, form, user=ctx["pro"], version=1, posted=AGREED,
                           council_statements=None)


def test_access_rules(ctx):
    instance, _form = _started(ctx)
    colleague = ctx["make_user"]("colleague@example.org")
    Link.create(user=colleague, person=ctx["child"])
    officer = ctx["make_user"]("officer@example.org", role="officer")
    assert instances.instance_for(ctx["pro"], instance.id, edit=True) is not None
    assert instances.instance_for(colleague, instance.id) is None
    assert instances.instance_for(officer, instance.id) is not None
    assert instances.instance_for(officer, instance.id, edit=True) is None
    Link.update(ended_at=models.utcnow()).where(Link.user == ctx["pro"].id).execute()
    assert instances.instance_for(ctx["pro"], instance.id) is None


def test_delete_only_drafts(ctx, tmp_path):
    instance, form = _started(ctx)
    assert instances.delete(instance, user=ctx["pro"], upload_dir=tmp_path / "up")
    instance, form = _started(ctx)
    instance = _complete(ctx, instance, form)
    instances.submit(instance, form, user=ctx["pro"], version=instance.version, posted=AGREED,
                       council_statements=None)
    instance = FormInstance.get_by_id(instance.id)
    assert not instances.delete(instance, user=ctx["pro"], upload_dir=tmp_path / "up")
    assert FormInstance.get_or_none(FormInstance.id == instance.id) is not None


def test_removing_a_row_keeps_files_on_the_right_rows(ctx):
    """Add More rows with file fields: attachments follow their rows when one is removed."""
    from engine import load_form_text
    form = load_form_text("""
key: rows-with-files
title: Rows with files
tab: assessment
version: 1
started_by: [professional]
pdf: false
steps:
  - key: reports
    title: Reports
    repeat: {min: 1, max: 4}
    fields:
      - {name: author, type: text, label: Author}
      - {name: report, type: file, label: Report}
""")
    instance = FormInstance.create(person=ctx["child"], form_key=form.key, schema_version=1,
                                   author=ctx["pro"], answers={})
    a0 = Attachment.create(instance=instance, field="reports.0.report", filename="zero.pdf",
                           stored_name="r0", size=1)
    a1 = Attachment.create(instance=instance, field="reports.1.report", filename="one.pdf",
                           stored_name="r1", size=1)
    saved = instances.save(instance, form, "reports",
                             {"author-0": ["A"], "author-1": ["B"]}, version=1, user=ctx["pro"])
    assert [r.get("report") for r in saved.answers["reports"]] == [[a0.id], [a1.id]]
    saved = instances.save(instance, form, "reports", {"author-0": ["A"], "author-1": ["B"]},
                             version=2, user=ctx["pro"], remove_row=0)
    assert [r["author"] for r in saved.answers["reports"]] == ["B"]
    assert saved.answers["reports"][0]["report"] == [a1.id]
    assert Attachment.get_by_id(a1.id).field == "reports.0.report"
    assert Attachment.get_by_id(a0.id).removed_at is not None


# --- uploads -----------------------------------------------------------------------------------

def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD = {
    "pdf": b"%PDF-1.7\n...",
    "doc": bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 32,
    "xls": bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 32,
    "docx": _zip({"word/document.xml": "<w/>"}),
    "xlsx": _zip({"xl/workbook.xml": "<w/>"}),
    "odt": _zip({"mimetype": "application/vnd.oasis.opendocument.text"}),
    "rtf": b"{\\rtf1\\ansi hello}",
    "txt": "Café notes\n".encode("cp1252"),
    "csv": b"name,age\nZz,3\n",
    "jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 16,
    "jpeg": b"\xff\xd8\xff\xdb" + b"\x00" * 16,
    "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 16,
}


@pytest.mark.parametrize("extension", sorted(GOOD))
def test_every_allowed_type_is_recognised_by_content(tmp_path, extension):
    path = tmp_path / f"f.{extension}"
    path.write_bytes(GOOD[extension])
    assert uploads.content_matches(extension, path)


@pytest.mark.parametrize("extension, data", [
    ("pdf", b"MZ\x90\x00"), ("docx", _zip({"xl/workbook.xml": "x"})),
    ("xlsx", _zip({"word/document.xml": "x"})), ("odt", _zip({"mimetype": "application/zip"})),
    ("txt", b"abc\x00def"), ("csv", b"\x81\x8d\x8f\x90\x9d"), ("doc", b"PK\x03\x04"),
    ("png", GOOD["jpg"]), ("rtf", b"plain"),
])
def test_content_that_does_not_match_is_refused(tmp_path, extension, data):
    path = tmp_path / f"f.{extension}"
    path.write_bytes(data)
    assert not uploads.content_matches(extension, path)


def test_type_message_follows_accept():
    assert uploads.type_message(("pdf", "docx", "jpg", "png")) == \
        "The selected file must be a PDF, DOCX, JPG or PNG"
    assert uploads.type_message(("pdf",)) == "The selected file must be a PDF"
    assert uploads.type_message(("jpg", "jpeg")) == "The selected file must be a JPG"
    assert "CSV" in uploads.type_message(())


def test_store_writes_nothing_for_a_refused_or_oversized_file(ctx, tmp_path):
    instance, _form = _started(ctx)
    with pytest.raises(uploads.UploadError, match="must be a PDF"):
        uploads.store(instance=instance, field_key="upload.files", filename="x.pdf",
                      stream=io.BytesIO(b"MZ..."), user=ctx["pro"], upload_dir=tmp_path / "up",
                      max_bytes=1024, accept=("pdf",))
    with pytest.raises(uploads.UploadError, match="smaller than"):
        uploads.store(instance=instance, field_key="upload.files", filename="x.pdf",
                      stream=io.BytesIO(b"%PDF" + b"0" * 4096), user=ctx["pro"],
                      upload_dir=tmp_path / "up", max_bytes=1024, accept=("pdf",))
    assert not (tmp_path / "up").exists() or list((tmp_path / "up").iterdir()) == []
    assert Attachment.select().count() == 0


def test_store_keeps_a_good_file_under_a_random_name(ctx, tmp_path):
    instance, _form = _started(ctx)
    attachment = uploads.store(instance=instance, field_key="upload.files",
                               filename="C:\\Users\\zz\\report.pdf", stream=io.BytesIO(b"%PDF-1.4"),
                               user=ctx["pro"], upload_dir=tmp_path / "up", max_bytes=1024, accept=())
    assert attachment.filename == "report.pdf"
    assert (tmp_path / "up" / attachment.stored_name).read_bytes() == b"%PDF-1.4"
    assert [p.name for p in (tmp_path / "up").iterdir()] == [attachment.stored_name]
