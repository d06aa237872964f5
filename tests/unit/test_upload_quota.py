"""Issue 11, M6 leftovers: the upload quota is counted inside the transaction that adds the file
(two uploads at once cannot both take the last place), and its limits come from the environment
(PORTAL_UPLOAD_MAX_FILES_PER_FIELD, PORTAL_UPLOAD_MAX_FILES_PER_FORM)."""
import datetime as dt
import io
import threading

import pytest

import models
from models import Attachment, Link, Organisation, Person, WorkProfile
from services.forms import instances, uploads

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def draft(app, make_user):
    pro = make_user("pro@example.org")
    with app.app_context():
        org = Organisation.create(name="Zz School", name_key="zz school")
        WorkProfile.create(user=pro, professional_role="SENCo", organisation=org)
        child = Person.create(forename="Zzamy", surname="Zztest", date_of_birth=dt.date(2015, 1, 2))
        Link.create(user=pro, person=child)
        form = app.extensions["forms"].get("generic-file-upload")
        instance = instances.start(pro, child, form)
    return type("Draft", (), dict(app=app, pro=pro, form=form, instance=instance))


def store(draft, upload_dir, name="f.pdf", **quota):
    return uploads.store(instance=draft.instance, field_key="upload.files", filename=name,
                         stream=io.BytesIO(PDF), user=draft.pro, upload_dir=upload_dir,
                         max_bytes=1024, **quota)


def test_store_itself_refuses_a_file_over_the_quota_and_keeps_nothing(draft, tmp_path):
    with draft.app.app_context():
        first = store(draft, tmp_path / "up", per_field=1)
        with pytest.raises(uploads.UploadError, match="up to 1 file here"):
            store(draft, tmp_path / "up", per_field=1)
        with pytest.raises(uploads.UploadError, match="up to 1 files on this form"):
            uploads.store(instance=draft.instance, field_key="other.files", filename="g.pdf",
                          stream=io.BytesIO(PDF), user=draft.pro, upload_dir=tmp_path / "up",
                          max_bytes=1024, per_form=1)
        assert [a.id for a in Attachment.select()] == [first.id]
    assert [p.name for p in (tmp_path / "up").iterdir()] == [first.stored_name]


@pytest.mark.races
@pytest.mark.parametrize("round_", range(6))
def test_two_uploads_at_once_cannot_both_take_the_last_place(draft, tmp_path, round_):
    barrier = threading.Barrier(2)
    outcomes = []

    def upload(n):
        with draft.app.app_context():
            models.db.connect(reuse_if_open=True)
            barrier.wait()
            try:
                instances.upload(draft.instance, draft.form, "upload", "files",
                                 filename=f"f{n}.pdf", stream=io.BytesIO(PDF), user=draft.pro,
                                 upload_dir=tmp_path / "up", max_bytes=1024,
                                 max_files_per_field=1)
                outcomes.append("stored")
            except uploads.UploadError:
                outcomes.append("refused")
            finally:
                models.db.close()
    threads = [threading.Thread(target=upload, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "stored"]
    with draft.app.app_context():
        assert Attachment.select().count() == 1
    assert len([p for p in (tmp_path / "up").iterdir() if not p.name.startswith(".")]) == 1
    assert not [p for p in (tmp_path / "up").iterdir() if p.name.startswith(".part-")]


def test_the_limits_come_from_the_environment(tmp_path, monkeypatch):
    from portal import create_app
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("PORTAL_UPLOAD_MAX_FILES_PER_FIELD", "4")
    monkeypatch.setenv("PORTAL_UPLOAD_MAX_FILES_PER_FORM", "12")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}"})
    assert app.config["UPLOAD_MAX_FILES_PER_FIELD"] == 4
    assert app.config["UPLOAD_MAX_FILES_PER_FORM"] == 12
    models.db.close()


def test_the_limits_default_to_ten_and_thirty(app):
    assert app.config["UPLOAD_MAX_FILES_PER_FIELD"] == uploads.MAX_FILES_PER_FIELD == 10
    assert app.config["UPLOAD_MAX_FILES_PER_FORM"] == uploads.MAX_FILES_PER_FORM == 30
