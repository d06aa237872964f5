"""Summary, declaration, submit, confirmation, View Details, Edit and resubmit, Delete, PDF, preview."""
import re

import pytest

from models import AuditEvent, Attachment, FormInstance, Submission
from tests.helpers import csrf_from
from tests.http.forms_helpers import (
    agree_all, fill_generic, post_step, select_profile, version_from)


def _html(response):
    return response.get_data(as_text=True)


def _submit(world, instance_id, data=None, client=None, page=None):
    client = client or world.client
    page = page or client.get(f"/forms/{instance_id}/summary")
    return client.post(f"/forms/{instance_id}/submit",
                       data={"csrf_token": csrf_from(page), "version": version_from(page),
                             **(agree_all() if data is None else data)})


def _submitted(world):
    instance_id = world.start()
    assert fill_generic(world, instance_id).headers["Location"].endswith("/summary")
    assert _submit(world, instance_id).status_code == 303
    return instance_id


# --- summary -----------------------------------------------------------------------------------

def test_summary_lists_answers_with_change_links(world):
    instance_id = world.start()
    response = fill_generic(world, instance_id)
    assert response.status_code == 303 and response.headers["Location"].endswith("/summary")
    html = _html(world.client.get(f"/forms/{instance_id}/summary"))
    assert "Lesley Harris, SENCo, Zz Nursery" in html
    assert "A letter from the GP" in html and "letter.pdf" in html
    assert "Not provided" in html  # the optional date was skipped
    assert f'href="/forms/{instance_id}/upload?return=summary#description"' in html
    assert '<span class="portal-steps__number">3</span> Summary' in html
    # Declarations from the council, each with its own I agree, and the seed's note.
    assert "I confirm that I am submitting this form with the knowledge and permission" in html
    assert 'name="agree-0"' in html and 'name="agree-1"' in html
    assert html.count(">\n    I agree\n") + html.count(">I agree<") >= 2 or html.count("I agree") >= 2
    assert "you do not have to complete the form in one go" in html
    assert ">Submit<" in html or "Submit\n" in html


def test_change_link_returns_to_the_summary(world):
    instance_id = world.start()
    fill_generic(world, instance_id)
    path = f"/forms/{instance_id}/upload?return=summary"
    page = world.client.get(path)
    assert f'action="/forms/{instance_id}/upload?return=summary"' in _html(page)
    response = post_step(world.client, path, {"document_type": "Correspondence",
                                              "description": "Changed"}, page=page)
    assert response.status_code == 303 and response.headers["Location"].endswith("/summary")
    assert "Changed" in _html(world.client.get(f"/forms/{instance_id}/summary"))


def test_summary_is_not_reachable_before_the_steps_are_done(world):
    instance_id = world.start()
    response = world.client.get(f"/forms/{instance_id}/summary")
    assert response.status_code == 302 and response.headers["Location"].endswith("/work-details")


def test_add_more_rows_are_their_own_cards(world):
    instance_id = world.start("early-years-request")
    select_profile(world, instance_id)
    post_step(world.client, f"/forms/{instance_id}/child-details",
              {"forename": "Zzpoppy", "surname": "Zzthompson", "gender": "Female",
               "date_of_birth-day": "8", "date_of_birth-month": "10", "date_of_birth-year": "2021"})
    post_step(world.client, f"/forms/{instance_id}/parents",
              {"name-0": "Zzmum", "relationship-0": "Mother", "name-1": "Zzdad",
               "relationship-1": "Father"})
    with world.app.app_context():
        from services.forms import instances
        instance = FormInstance.get_by_id(instance_id)
        form = world.app.extensions["forms"].get("early-years-request")
        sections = instances.summary_for(form, instance.answers, instance)
    parents = next(s for s in sections if s.step_key == "parents")
    assert [item.title for item in parents.items] == ["Parent/Carer 1", "Parent/Carer 2"]


# --- declaration and submit --------------------------------------------------------------------

def test_submit_is_refused_until_every_statement_is_agreed(world):
    instance_id = world.start()
    fill_generic(world, instance_id)
    response = _submit(world, instance_id, {"agree-0": "yes"})
    assert response.status_code == 422
    html = _html(response)
    assert "There is a problem" in html and 'href="#agree-1"' in html
    assert "Select “I agree” to confirm this statement" in html
    assert 'name="agree-0" type="checkbox" value="yes" checked' in html  # kept ticked
    assert world.instance(instance_id).status == "draft"


def test_submit_is_refused_while_a_required_file_is_missing(world):
    instance_id = world.start()
    fill_generic(world, instance_id)
    with world.app.app_context():  # the file is taken off behind the summary's back
        Attachment.update(removed_at=Attachment.created_at).execute()
        instance = FormInstance.get_by_id(instance_id)
        answers = instance.answers
        answers["upload"]["files"] = []
        FormInstance.update(answers=answers).where(FormInstance.id == instance_id).execute()
    page = world.client.get(f"/forms/{instance_id}/work-details")  # summary now redirects
    response = world.client.post(f"/forms/{instance_id}/submit",
                                 data={"csrf_token": csrf_from(page),
                                       "version": version_from(page), **agree_all()})
    assert response.status_code == 422
    html = _html(response)
    assert f'href="/forms/{instance_id}/upload">Upload files' in html
    assert world.instance(instance_id).status == "draft"


def test_submit_then_confirmation_panel(world):
    instance_id = world.start()
    fill_generic(world, instance_id)
    response = _submit(world, instance_id)
    assert response.status_code == 303 and response.headers["Location"].endswith("/submitted")
    html = _html(world.client.get(response.headers["Location"]))
    assert "govuk-panel" in html and "Form submitted" in html
    assert f'href="/forms/{instance_id}/view"' in html and f'href="/forms/{instance_id}/pdf"' in html
    instance = world.instance(instance_id)
    assert instance.status == "submitted" and instance.submitted_at is not None
    with world.app.app_context():
        rounds = list(Submission.select().where(Submission.instance == instance_id))
        assert len(rounds) == 1 and rounds[0].round == 1
        assert rounds[0].answers["upload"]["description"] == "A letter from the GP"
        assert AuditEvent.get(AuditEvent.action == "form-submitted").person_id == world.child.id


def test_double_submit_makes_one_round(world):
    instance_id = world.start()
    fill_generic(world, instance_id)
    page = world.client.get(f"/forms/{instance_id}/summary")
    first = _submit(world, instance_id, page=page)
    second = _submit(world, instance_id, page=page)  # the same page, clicked twice
    assert first.status_code == 303 and second.status_code == 303
    assert second.headers["Location"].endswith("/submitted")
    with world.app.app_context():
        assert Submission.select().where(Submission.instance == instance_id).count() == 1


def test_submitted_form_cannot_be_edited_by_url(world):
    instance_id = _submitted(world)
    assert world.client.get(f"/forms/{instance_id}/upload").status_code == 404
    assert world.client.get(f"/forms/{instance_id}/summary").status_code == 404
    response = world.client.get(f"/forms/{instance_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/view")


# --- view, edit and resubmit -------------------------------------------------------------------

def test_view_details_is_read_only(world):
    instance_id = _submitted(world)
    html = _html(world.client.get(f"/forms/{instance_id}/view"))
    assert "A letter from the GP" in html and "letter.pdf" in html
    assert "?return=summary" not in html
    assert ">Edit<" in html and ">PDF<" in html
    assert "Submission 1" in html


def test_edit_and_resubmit_keeps_the_earlier_round(world):
    instance_id = _submitted(world)
    page = world.client.get(f"/forms/{instance_id}/view")
    response = world.client.post(f"/forms/{instance_id}/edit",
                                 data={"csrf_token": csrf_from(page), "version": version_from(page)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/summary")
    assert world.instance(instance_id).status == "amending"
    post_step(world.client, f"/forms/{instance_id}/upload?return=summary",
              {"document_type": "Correspondence", "description": "An updated letter"})
    assert _submit(world, instance_id).status_code == 303
    with world.app.app_context():
        rounds = list(Submission.select().where(Submission.instance == instance_id)
                      .order_by(Submission.round))
    assert [r.round for r in rounds] == [1, 2]
    assert rounds[0].answers["upload"]["description"] == "A letter from the GP"
    assert rounds[1].answers["upload"]["description"] == "An updated letter"
    first = _html(world.client.get(f"/forms/{instance_id}/view/1"))
    assert "A letter from the GP" in first and "An updated letter" not in first
    current = _html(world.client.get(f"/forms/{instance_id}/view"))
    assert "An updated letter" in current and "Submission 2" in current
    assert world.client.get(f"/forms/{instance_id}/view/9").status_code == 404


def test_edit_only_on_submitted_forms(world):
    instance_id = world.start()
    page = world.client.get(f"/forms/{instance_id}/work-details")
    response = world.client.post(f"/forms/{instance_id}/edit",
                                 data={"csrf_token": csrf_from(page), "version": "1"})
    assert response.status_code == 404


def test_edit_with_a_stale_version_is_409(world):
    instance_id = _submitted(world)
    page = world.client.get(f"/forms/{instance_id}/view")
    response = world.client.post(f"/forms/{instance_id}/edit",
                                 data={"csrf_token": csrf_from(page), "version": "1"})
    assert response.status_code == 409
    assert world.instance(instance_id).status == "submitted"


def test_officer_sees_view_details_but_no_edit(world):
    instance_id = _submitted(world)
    _officer, client = world.user_client("officer@example.org", role="officer", link=False)
    html = _html(client.get(f"/forms/{instance_id}/view"))
    assert "A letter from the GP" in html and ">Edit<" not in html
    with world.app.app_context():
        assert AuditEvent.select().where((AuditEvent.action == "form-viewed")
                                         & (AuditEvent.user == _officer.id)).count() == 1


# --- delete ------------------------------------------------------------------------------------

def test_delete_a_draft_after_confirmation(world):
    instance_id = world.start()
    page = world.client.get(f"/forms/{instance_id}/delete")
    assert page.status_code == 200
    assert "Are you sure you want to delete this form?" in _html(page)
    response = world.client.post(f"/forms/{instance_id}/delete",
                                 data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    with world.app.app_context():
        assert FormInstance.get_or_none(FormInstance.id == instance_id) is None
        assert AuditEvent.get(AuditEvent.action == "form-deleted").object_id == str(instance_id)


def test_delete_removes_the_drafts_files(world):
    import pathlib
    instance_id = world.start()
    fill_generic(world, instance_id)
    with world.app.app_context():
        stored = pathlib.Path(world.app.config["UPLOAD_DIR"]) / Attachment.get().stored_name
    assert stored.exists()
    page = world.client.get(f"/forms/{instance_id}/delete")
    world.client.post(f"/forms/{instance_id}/delete", data={"csrf_token": csrf_from(page)})
    assert not stored.exists()


def test_a_submitted_form_is_never_deleted(world):
    instance_id = _submitted(world)
    assert world.client.get(f"/forms/{instance_id}/delete").status_code == 404
    token = csrf_from(world.client.get("/"))
    assert world.client.post(f"/forms/{instance_id}/delete",
                             data={"csrf_token": token}).status_code == 404
    # Nor once it is being edited again (it has a submitted round).
    page = world.client.get(f"/forms/{instance_id}/view")
    world.client.post(f"/forms/{instance_id}/edit",
                      data={"csrf_token": csrf_from(page), "version": version_from(page)})
    assert world.client.get(f"/forms/{instance_id}/delete").status_code == 404
    assert world.instance(instance_id) is not None


# --- PDF ---------------------------------------------------------------------------------------

def test_pdf_only_once_submitted(world):
    instance_id = world.start()
    assert world.client.get(f"/forms/{instance_id}/pdf").status_code == 404


def test_pdf_of_a_submitted_form(world):
    pytest.importorskip("services.forms.pdf")
    instance_id = _submitted(world)
    response = world.client.get(f"/forms/{instance_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert re.search(r"Generic File Upload Manager - ZZ - \d{4}-\d{2}-\d{2}\.pdf", disposition)
    with world.app.app_context():
        assert AuditEvent.get(AuditEvent.action == "form-pdf-downloaded").person_id == world.child.id


# --- preview -----------------------------------------------------------------------------------

def test_preview_is_for_officers_only(world):
    assert world.client.get("/forms/preview/early-years-request").status_code == 404
    _officer, client = world.user_client("officer@example.org", role="officer", link=False)
    response = client.get("/forms/preview/early-years-request")
    assert response.status_code == 302 and response.headers["Location"].endswith("/work-details")
    assert client.get("/forms/preview/no-such-form").status_code == 404
    assert client.get("/forms/preview/early-years-request/no-such-step").status_code == 404


def test_preview_renders_every_step_and_saves_nothing(world):
    _officer, client = world.user_client("officer@example.org", role="officer", link=False)
    form = world.app.extensions["forms"].get("early-years-request")
    for step in form.steps:
        response = client.get(f"/forms/preview/early-years-request/{step.key}")
        assert response.status_code == 200, step.key
        assert "This is a preview. Nothing you enter is saved." in _html(response)
    assert client.get("/forms/preview/early-years-request/summary").status_code == 200
    page = client.get("/forms/preview/early-years-request/child-details")
    response = client.post("/forms/preview/early-years-request/child-details",
                           data={"csrf_token": csrf_from(page), "forename": "<b>x</b>",
                                 "date_of_birth-day": "31", "date_of_birth-month": "2",
                                 "date_of_birth-year": "2020"})
    assert response.status_code == 422
    html = _html(response)
    assert "Date of birth must be a real date" in html and "&lt;b&gt;x&lt;/b&gt;" in html
    with world.app.app_context():
        assert FormInstance.select().count() == 0


def test_preview_renders_every_step_of_every_shipped_form(world):
    _officer, client = world.user_client("officer@example.org", role="officer", link=False)
    for form in world.app.extensions["forms"]:
        for step in list(form.steps):
            response = client.get(f"/forms/preview/{form.key}/{step.key}")
            assert response.status_code == 200, (form.key, step.key)
            html = _html(response)
            for field in step.fields:
                if field.has_value and field.type != "work_profile":
                    assert f'name="{field.input_name(0 if step.repeat else None)}' in html, \
                        (form.key, step.key, field.name)
