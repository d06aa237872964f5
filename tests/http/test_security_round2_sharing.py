"""Security round two (issue 11): H2 earlier rounds and removed files reach share recipients;
M6 upload quota and removed files left on disk.

What the fix is held to:

- H2: what is shared is *one round* (the accepted one, or the one the officer picks): a share
  recipient sees that round's answers and the files attached to it, nothing else. ``/forms/<id>/
  view/<n>`` for any other round, and ``/forms/<id>/files/<a>`` for a file not in the shared round
  (removed before submitting, or only in an earlier round), answer 404 to a recipient. The author,
  their colleagues with draft access and officers still see every round.
- Removed files are deleted from disk once no submitted round references them (a file removed
  from a draft that was never submitted goes at once).
- M6 (config keys, defaults): ``UPLOAD_MAX_FILES_PER_FIELD`` = 10 (a schema field's ``max``
  overrides it), ``UPLOAD_MAX_FILES_PER_FORM`` = 30 (live files on one form instance). A file over
  either limit is refused on the step with 422 and an error message, and nothing is stored.
"""
from pathlib import Path

import pytest

from models import Attachment, Share
from tests.http.test_casework_support import cw, html  # noqa: F401  (fixture)
from tests.http.test_forms_support import (  # noqa: F401  (fixtures and helpers)
    PDF_BYTES, PNG_BYTES, post_step, select_profile, upload, world)

ANSWERS = {"document_type": "Correspondence", "description": "A letter from the GP"}
LEAK = "Safeguarding notes about Zzother Child"


def share_with_parent(cw, instance_id):
    response = cw.post(f"/team/people/{cw.child.id}/share",
                       {"recipients": [str(cw.parent.id)], "instance": str(instance_id)})
    assert response.status_code == 303, response.status_code
    with cw.app.app_context():
        assert Share.select().where(Share.instance == instance_id).count() == 1


def attachments(cw, instance_id):
    with cw.app.app_context():
        return list(Attachment.select().where(Attachment.instance == instance_id)
                    .order_by(Attachment.id))


def on_disk(app, attachment):
    return (Path(app.config["UPLOAD_DIR"]) / attachment.stored_name).is_file()


def round_one_leaks_then_round_two_accepted(cw):
    """Round 1 carries another child's safeguarding details and a file; the SEN team returns it;
    the author removes the file, cleans the description, resubmits; the team accepts round 2."""
    instance_id = cw.start()
    select_profile(cw, instance_id)
    assert upload(cw.client, instance_id, "upload", "files", "wrong-child.pdf", PDF_BYTES,
                  {**ANSWERS, "description": LEAK}).status_code == 303
    assert upload(cw.client, instance_id, "upload", "files", "right-child.pdf", PDF_BYTES,
                  {**ANSWERS, "description": LEAK}).status_code == 303
    post_step(cw.client, f"/forms/{instance_id}/upload", {**ANSWERS, "description": LEAK})
    cw.submit(instance_id)
    assert cw.decide(instance_id, "return", reason="Wrong child's details").status_code == 303
    wrong, right = attachments(cw, instance_id)
    post_step(cw.client, f"/forms/{instance_id}/upload",
              {**ANSWERS, "remove_file": str(wrong.id), "description": "Cleaned advice"})
    post_step(cw.client, f"/forms/{instance_id}/upload", {**ANSWERS, "description": "Cleaned advice"})
    cw.submit(instance_id)
    assert cw.decide(instance_id, "accept").status_code == 303
    return instance_id, wrong, right


# --- H2 ------------------------------------------------------------------------------------------

def test_h2_parent_sees_only_the_shared_round(cw):
    instance_id, _wrong, _right = round_one_leaks_then_round_two_accepted(cw)
    share_with_parent(cw, instance_id)
    page = cw.parent_client.get(f"/forms/{instance_id}/view")
    assert page.status_code == 200
    assert "Cleaned advice" in html(page)
    response = cw.parent_client.get(f"/forms/{instance_id}/view/1")
    assert response.status_code == 404, "a share recipient reads the returned round 1"
    assert LEAK not in html(response)
    assert f"/forms/{instance_id}/view/1" not in html(page), "the shared view links round 1"


def test_h2_earlier_round_stays_readable_for_author_and_officer(cw):
    """Regression: the author and the SEN team keep every round."""
    instance_id, _wrong, _right = round_one_leaks_then_round_two_accepted(cw)
    share_with_parent(cw, instance_id)
    for client in (cw.client, cw.officer_client):
        response = client.get(f"/forms/{instance_id}/view/1")
        assert response.status_code == 200 and LEAK in html(response)


def test_h2_file_removed_before_resubmitting_is_not_downloadable_by_a_recipient(cw):
    instance_id, wrong, right = round_one_leaks_then_round_two_accepted(cw)
    share_with_parent(cw, instance_id)
    assert cw.parent_client.get(f"/forms/{instance_id}/files/{right.id}").status_code == 200
    response = cw.parent_client.get(f"/forms/{instance_id}/files/{wrong.id}")
    assert response.status_code == 404, "the removed (round 1 only) file reaches the parent"


def test_h2_file_removed_before_the_first_submit_is_gone(cw):
    """remove_file on a draft, then submit and share: the file is not downloadable by anyone
    (it is in no round) and it is no longer on disk."""
    instance_id = cw.start()
    select_profile(cw, instance_id)
    upload(cw.client, instance_id, "upload", "files", "mistake.pdf", PDF_BYTES, ANSWERS)
    upload(cw.client, instance_id, "upload", "files", "letter.pdf", PDF_BYTES, ANSWERS)
    mistake, letter = attachments(cw, instance_id)
    post_step(cw.client, f"/forms/{instance_id}/upload",
              {**ANSWERS, "remove_file": str(mistake.id)})
    post_step(cw.client, f"/forms/{instance_id}/upload", ANSWERS)
    cw.submit(instance_id)
    assert cw.decide(instance_id, "accept").status_code == 303
    share_with_parent(cw, instance_id)
    assert cw.parent_client.get(f"/forms/{instance_id}/files/{letter.id}").status_code == 200
    assert cw.parent_client.get(f"/forms/{instance_id}/files/{mistake.id}").status_code == 404
    assert not on_disk(cw.app, mistake), "a removed file stays on disk"


def test_h2_a_file_only_in_an_earlier_round_stays_on_disk_for_that_round(cw):
    """Regression for the deletion rule: round 1 still references it, so the author keeps it."""
    instance_id, wrong, _right = round_one_leaks_then_round_two_accepted(cw)
    assert on_disk(cw.app, wrong)
    assert cw.client.get(f"/forms/{instance_id}/files/{wrong.id}").status_code == 200


# --- M6 ------------------------------------------------------------------------------------------

@pytest.fixture
def at_upload(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    post_step(world.client, f"/forms/{instance_id}/upload", ANSWERS)
    return instance_id


def live_files(world, instance_id):
    with world.app.app_context():
        return (Attachment.select().where((Attachment.instance == instance_id)
                                          & Attachment.removed_at.is_null()).count())


def test_m6_a_field_takes_at_most_ten_files_by_default(world, at_upload):
    statuses = [upload(world.client, at_upload, "upload", "files", f"f{n}.pdf", PDF_BYTES,
                       ANSWERS).status_code for n in range(11)]
    assert statuses[:10] == [303] * 10
    assert statuses[10] == 422, "an eleventh file was accepted on one field"
    assert live_files(world, at_upload) == 10


def test_m6_a_form_has_a_total_file_limit(world, at_upload):
    world.app.config["UPLOAD_MAX_FILES_PER_FORM"] = 3
    statuses = [upload(world.client, at_upload, "upload", "files", f"f{n}.png", PNG_BYTES,
                       ANSWERS).status_code for n in range(4)]
    assert statuses == [303, 303, 303, 422]
    assert live_files(world, at_upload) == 3


def test_m6_a_removed_file_leaves_the_disk(world, at_upload):
    upload(world.client, at_upload, "upload", "files", "letter.pdf", PDF_BYTES, ANSWERS)
    with world.app.app_context():
        attachment = Attachment.get(Attachment.instance == at_upload)
    assert on_disk(world.app, attachment)
    post_step(world.client, f"/forms/{at_upload}/upload",
              {**ANSWERS, "remove_file": str(attachment.id)})
    assert not on_disk(world.app, attachment), "a removed draft file stays on disk"


def test_m6_removing_frees_a_place(world, at_upload):
    """Regression-in-waiting: the limit counts live files, so Remove makes room again."""
    for n in range(10):
        upload(world.client, at_upload, "upload", "files", f"f{n}.pdf", PDF_BYTES, ANSWERS)
    with world.app.app_context():
        first = Attachment.select().where(Attachment.instance == at_upload).first()
    post_step(world.client, f"/forms/{at_upload}/upload",
              {**ANSWERS, "remove_file": str(first.id)})
    response = upload(world.client, at_upload, "upload", "files", "again.pdf", PDF_BYTES, ANSWERS)
    assert response.status_code == 303
    assert live_files(world, at_upload) == 10

