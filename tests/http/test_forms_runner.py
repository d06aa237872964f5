"""The form runner: start, the step bar, saving, validation, Add More, autosave and conflicts."""
import re

import pytest

from models import AuditEvent, FormInstance
from tests.helpers import csrf_from
from tests.http.forms_helpers import post_step, select_profile

PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}


def _html(response):
    return response.get_data(as_text=True)


# --- start -------------------------------------------------------------------------------------

def test_start_creates_a_draft_and_opens_the_first_step(world):
    instance_id = world.start("early-years-request")
    instance = world.instance(instance_id)
    assert instance.status == "draft" and instance.author_id == world.pro.id
    assert instance.schema_version == 1 and instance.version == 1
    assert instance.answers == {}
    with world.app.app_context():
        assert AuditEvent.get(AuditEvent.action == "form-started").person_id == world.child.id


def test_start_needs_a_role_the_form_allows(world):
    _citizen, client = world.user_client("parent@example.org", role="citizen")
    token = csrf_from(client.get("/"))
    refused = client.post(f"/people/{world.child.id}/forms/early-years-request/start",
                          data={"csrf_token": token})
    assert refused.status_code == 404
    # EHC9c (child's views) may be started by a citizen linked to the child.
    allowed = client.post(f"/people/{world.child.id}/forms/ehc9c-child-views/start",
                          data={"csrf_token": token})
    assert allowed.status_code == 303


@pytest.mark.parametrize("form_key", ["no-such-form", "../etc"])
def test_start_unknown_form_is_404(world, form_key):
    token = csrf_from(world.client.get("/"))
    assert world.client.post(f"/people/{world.child.id}/forms/{form_key}/start",
                             data={"csrf_token": token}).status_code == 404


def test_start_for_an_unlinked_person_is_404(world):
    _other, client = world.user_client("stranger@example.org", link=False)
    token = csrf_from(client.get("/"))
    assert client.post(f"/people/{world.child.id}/forms/generic-file-upload/start",
                       data={"csrf_token": token}).status_code == 404
    assert client.post("/people/99999/forms/generic-file-upload/start",
                       data={"csrf_token": token}).status_code == 404


def test_start_without_csrf_is_refused(world):
    response = world.client.post(f"/people/{world.child.id}/forms/generic-file-upload/start")
    assert response.status_code == 400
    with world.app.app_context():
        assert FormInstance.select().count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    instance_id = world.start()
    for path in (f"/forms/{instance_id}", f"/forms/{instance_id}/work-details",
                 f"/forms/{instance_id}/summary", f"/forms/{instance_id}/view",
                 f"/forms/{instance_id}/pdf", "/forms/preview/generic-file-upload"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


# --- access ------------------------------------------------------------------------------------

def test_another_professionals_form_is_404_everywhere(world):
    instance_id = world.start()
    _other, client = world.user_client("colleague@example.org")  # linked to the same child
    for path in (f"/forms/{instance_id}", f"/forms/{instance_id}/work-details",
                 f"/forms/{instance_id}/summary", f"/forms/{instance_id}/view",
                 f"/forms/{instance_id}/delete", f"/forms/{instance_id}/pdf",
                 f"/forms/{instance_id}/submitted"):
        assert client.get(path).status_code == 404, path
    token = csrf_from(client.get("/"))
    for path in (f"/forms/{instance_id}/work-details", f"/forms/{instance_id}/submit",
                 f"/forms/{instance_id}/edit", f"/forms/{instance_id}/delete"):
        assert client.post(path, data={"csrf_token": token, "version": "1"}).status_code == 404, path
    assert world.instance(instance_id).version == 1


def test_an_ended_link_closes_the_form(world):
    from models import Link, utcnow
    instance_id = world.start()
    with world.app.app_context():
        Link.update(ended_at=utcnow()).where(Link.user == world.pro.id).execute()
    assert world.client.get(f"/forms/{instance_id}/work-details").status_code == 404
    assert world.client.get(f"/forms/{instance_id}/view").status_code == 404


def test_a_forged_instance_id_is_404(world):
    world.start()
    assert world.client.get("/forms/424242/work-details").status_code == 404
    assert world.client.get("/forms/424242").status_code == 404


def test_officers_may_view_but_not_edit(world):
    instance_id = world.start()
    _officer, client = world.user_client("officer@example.org", role="officer", link=False)
    assert client.get(f"/forms/{instance_id}/view").status_code == 200
    assert client.get(f"/forms/{instance_id}/work-details").status_code == 404


# --- steps -------------------------------------------------------------------------------------

def test_step_bar_numbers_ticks_current_and_unreachable_steps(world):
    instance_id = world.start("early-years-request")
    assert select_profile(world, instance_id).headers["Location"].endswith("/child-details")
    html = _html(world.client.get(f"/forms/{instance_id}/child-details"))
    assert "<h1 class=\"govuk-heading-l\">Zzpoppy Zzthompson</h1>" in html
    assert "Early Years Setting Request for EHCP Assessment" in html
    bar = html[html.index('aria-label="Form steps"'):html.index("</nav>", html.index('aria-label="Form steps"'))]
    assert '<span class="portal-steps__number">1</span> Work Details' in bar
    assert '<span class="portal-steps__number">14</span> Summary' in bar
    # Step 1 is done: a link with a tick and hidden "completed".
    assert re.search(r'href="/forms/\d+/work-details"[^>]*>\s*<span class="portal-steps__number">1</span> '
                     r'Work Details <span class="portal-steps__tick" aria-hidden="true">&#10003;</span>'
                     r'<span class="govuk-visually-hidden"> completed</span>', bar)
    assert re.search(r'href="/forms/\d+/child-details" aria-current="step"[^>]*>', bar)
    # Step 3 cannot be visited yet: no link.
    assert f'href="/forms/{instance_id}/parents"' not in bar
    assert '<span class="portal-steps__number">3</span> Parent/Carer Details' in bar
    # Going there by URL lands on the first step still to do.
    response = world.client.get(f"/forms/{instance_id}/parents")
    assert response.status_code == 302 and response.headers["Location"].endswith("/child-details")


def test_unknown_step_is_404_and_unknown_fields_are_ignored(world):
    instance_id = world.start()
    assert world.client.get(f"/forms/{instance_id}/no-such-step").status_code == 404
    page = world.client.get(f"/forms/{instance_id}/work-details")
    assert world.client.post(f"/forms/{instance_id}/no-such-step",
                             data={"csrf_token": csrf_from(page), "version": "1"}).status_code == 404
    response = post_step(world.client, f"/forms/{instance_id}/work-details",
                         {"work_profile_id": str(world.profile.id), "is_admin": "1",
                          "_raw": "x", "status": "accepted"})
    assert response.status_code == 303
    instance = world.instance(instance_id)
    assert instance.status == "draft"
    assert instance.answers["work-details"] == {"work_profile_id": world.profile.id}
    assert instance.work_profile_id == world.profile.id


def test_someone_elses_work_profile_cannot_be_chosen(world):
    other, _client = world.user_client("other@example.org", profile=True)
    with world.app.app_context():
        from models import WorkProfile
        theirs = WorkProfile.get(WorkProfile.user == other.id)
    instance_id = world.start()
    response = post_step(world.client, f"/forms/{instance_id}/work-details",
                         {"work_profile_id": str(theirs.id)})
    assert response.status_code == 422
    assert "Select a work profile" in _html(response)
    assert world.instance(instance_id).work_profile_id is None


def test_work_profile_table_lists_the_users_profiles(world):
    instance_id = world.start()
    html = _html(world.client.get(f"/forms/{instance_id}/work-details"))
    for heading in ("Professional Role", "Organisation Name", "Address", "Work Phone", "Mobile Number"):
        assert heading in html
    assert "Zz Nursery" in html and "1 Zz Street, Stockton, TS18 1AA" in html
    assert f'name="work_profile_id" value="{world.profile.id}">Select' in html


def test_save_and_continue_goes_to_the_next_step(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    response = post_step(world.client, f"/forms/{instance_id}/upload",
                         {"document_type": "Correspondence", "description": "Letter"})
    # The required file is missing: 422, the rest is saved.
    assert response.status_code == 422
    html = _html(response)
    assert "There is a problem" in html and "Upload files" in html
    assert 'href="#files"' in html
    instance = world.instance(instance_id)
    assert instance.answers["upload"]["description"] == "Letter"
    assert instance.version == 3


BAD_INPUT = [
    ({"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "2020"},
     "date_of_birth-day", "Date of birth must be a real date"),
    ({"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "2999"},
     "date_of_birth-day", "Date of birth must be in the past"),
    ({"date_of_birth-day": "a", "date_of_birth-month": "b", "date_of_birth-year": "c"},
     "date_of_birth-day", "Date of birth must be a real date"),
    ({"postcode": "NOT A POSTCODE"}, "postcode", "Enter a real postcode"),
    ({"forename": "x" * 10000}, "forename", "Forename must be 100 characters or fewer"),
    ({"upn": "12345"}, "upn", "Enter unique pupil number (UPN) in the correct format"),
]


@pytest.mark.parametrize("data, anchor, message", BAD_INPUT)
def test_bad_input_on_child_details_is_kept_and_explained(world, data, anchor, message):
    instance_id = world.start("early-years-request")
    select_profile(world, instance_id)
    path = f"/forms/{instance_id}/child-details"
    page = world.client.get(path)
    base = {"forename": "Zzpoppy", "surname": "Zzthompson", "gender": "Female",
            "date_of_birth-day": "8", "date_of_birth-month": "10", "date_of_birth-year": "2021"}
    response = post_step(world.client, path, {**base, **data}, page=page)
    assert response.status_code == 422
    html = _html(response)
    assert f'href="#{anchor}">{message}' in html
    typed = next(iter(data.values()))
    assert (typed if len(typed) < 100 else typed[:100]) in html  # what was typed stays
    # Everything valid was saved.
    answers = world.instance(instance_id).answers["child-details"]
    assert answers["surname"] == "Zzthompson"


def test_numbers_and_emails_are_checked(world):
    instance_id = world.start("early-years-request")
    answers = {"work-details": {"work_profile_id": world.profile.id}}
    with world.app.app_context():
        FormInstance.update(answers=answers).where(FormInstance.id == instance_id).execute()
    # Jump the journey forward: fill child details and parents properly first.
    post_step(world.client, f"/forms/{instance_id}/child-details",
              {"forename": "Zzpoppy", "surname": "Zzthompson", "gender": "Female",
               "date_of_birth-day": "8", "date_of_birth-month": "10", "date_of_birth-year": "2021"})
    post_step(world.client, f"/forms/{instance_id}/parents",
              {"name-0": "Zzmum", "relationship-0": "Mother"})
    response = post_step(world.client, f"/forms/{instance_id}/setting",
                         {"hours_per_week": "fifteen", "known_to_social_care": "No"})
    assert response.status_code == 422
    assert "How many hours a week does the child attend must be a number" in _html(response)
    assert 'value="fifteen"' in _html(response)


def test_html_and_script_are_shown_as_text(world):
    instance_id = world.start("early-years-request")
    select_profile(world, instance_id)
    evil = '<script>alert("x")</script><b>bold</b>'
    post_step(world.client, f"/forms/{instance_id}/child-details",
              {"forename": evil, "surname": "Zzthompson", "gender": "Female",
               "date_of_birth-day": "8", "date_of_birth-month": "10", "date_of_birth-year": "2021",
               "additional_details": evil})
    response = post_step(world.client, f"/forms/{instance_id}/parents",
                         {"name-0": evil, "relationship-0": "Mother", "address-0": evil})
    html = _html(world.client.get(f"/forms/{instance_id}/child-details"))
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    html = _html(world.client.get(f"/forms/{instance_id}/parents"))
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert response.status_code == 303


def test_back_saves_without_checking_and_goes_back(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    response = post_step(world.client, f"/forms/{instance_id}/upload",
                         {"description": "Half done", "back": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/work-details")
    assert world.instance(instance_id).answers["upload"]["description"] == "Half done"


def test_continue_opens_the_first_step_still_to_do(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    response = world.client.get(f"/forms/{instance_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/upload")


def test_every_step_view_is_audited(world):
    instance_id = world.start()
    world.client.get(f"/forms/{instance_id}/work-details")
    with world.app.app_context():
        event = AuditEvent.get(AuditEvent.action == "form-viewed")
        assert event.person_id == world.child.id and event.object_id == str(instance_id)
        assert event.detail["step"] == "work-details"


# --- Add More ----------------------------------------------------------------------------------

def _to_parents(world):
    instance_id = world.start("early-years-request")
    select_profile(world, instance_id)
    post_step(world.client, f"/forms/{instance_id}/child-details",
              {"forename": "Zzpoppy", "surname": "Zzthompson", "gender": "Female",
               "date_of_birth-day": "8", "date_of_birth-month": "10", "date_of_birth-year": "2021"})
    return instance_id, f"/forms/{instance_id}/parents"


def test_add_more_without_javascript(world):
    instance_id, path = _to_parents(world)
    html = _html(world.client.get(path))
    assert "Click Add More at the bottom of the page to add additional parent or carers." in html
    assert 'name="add" value="parents"' in html and "Add More" in html
    assert "Please select the value required" in html
    response = post_step(world.client, path, {"name-0": "Zzmum", "relationship-0": "Mother",
                                              "add": "parents"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#row-parents-1")
    html = _html(world.client.get(path))
    assert 'id="row-parents-1"' in html and "Parent/Carer 2" in html
    assert 'name="remove" value="1"' in html
    rows = world.instance(instance_id).answers["parents"]
    assert rows[0]["name"] == "Zzmum" and len(rows) == 2


def test_remove_without_javascript(world):
    instance_id, path = _to_parents(world)
    post_step(world.client, path, {"name-0": "Zzmum", "relationship-0": "Mother", "add": "parents"})
    response = post_step(world.client, path, {"name-0": "Zzmum", "relationship-0": "Mother",
                                              "name-1": "Zzdad", "relationship-1": "Father",
                                              "remove": "0"})
    assert response.status_code == 303
    rows = world.instance(instance_id).answers["parents"]
    assert [r["name"] for r in rows] == ["Zzdad"]


def test_add_more_with_htmx_returns_one_row_and_the_new_version(world):
    instance_id, path = _to_parents(world)
    page = world.client.get(path)
    html = _html(page)
    assert 'hx-post="/forms/%d/parents" hx-target="#rows-parents" hx-swap="beforeend"' % instance_id in html
    response = post_step(world.client, path, {"name-0": "Zzmum", "relationship-0": "Mother",
                                              "add": "parents"}, page=page, headers=PARTIAL)
    assert response.status_code == 200
    fragment = _html(response)
    assert "<html" not in fragment
    assert 'id="row-parents-1"' in fragment and 'id="row-parents-0"' not in fragment
    version = world.instance(instance_id).version
    assert f'id="form-version" value="{version}" hx-swap-oob="true"' in fragment
    assert 'id="add-more-parents"' in fragment and 'hx-swap-oob="true"' in fragment


def test_remove_with_htmx_returns_the_whole_group(world):
    instance_id, path = _to_parents(world)
    post_step(world.client, path, {"name-0": "Zzmum", "relationship-0": "Mother", "add": "parents"})
    response = post_step(world.client, path, {"name-0": "Zzmum", "relationship-0": "Mother",
                                              "name-1": "Zzdad", "relationship-1": "Father",
                                              "remove": "1"}, headers=PARTIAL)
    assert response.status_code == 200
    fragment = _html(response)
    assert fragment.lstrip().startswith('<div id="rows-parents"')
    assert 'id="row-parents-1"' not in fragment and "Zzmum" in fragment


def test_add_more_stops_at_the_maximum_with_a_message(world):
    instance_id, path = _to_parents(world)
    data = {}
    for i in range(6):
        data.update({f"name-{i}": f"Zzcarer {i}", f"relationship-{i}": "Other"})
    response = post_step(world.client, path, {**data, "add": "parents"})
    assert response.status_code == 303
    assert len(world.instance(instance_id).answers["parents"]) == 6
    html = _html(world.client.get(path))
    assert 'name="add"' not in html
    assert "You cannot add more than 6 Parent/Carer entries on this form." in html
    post_step(world.client, path, {**data, "add": "parents"})  # a forged Add More changes nothing
    assert len(world.instance(instance_id).answers["parents"]) == 6


def test_add_more_on_an_ordinary_step_is_404(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    response = post_step(world.client, f"/forms/{instance_id}/upload", {"add": "upload"})
    assert response.status_code == 404


# --- autosave and conflicts --------------------------------------------------------------------

def test_autosave_saves_one_field_and_answers_with_a_status(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    path = f"/forms/{instance_id}/upload"
    page = world.client.get(path)
    html = _html(page)
    assert 'hx-trigger="change delay:500ms"' in html and "hx-vals='{\"autosave\": \"1\"}'" in html
    assert 'aria-live="polite"' in html
    response = post_step(world.client, path, {"autosave": "1", "description": "Typed so far"},
                         page=page, headers=PARTIAL)
    assert response.status_code == 200
    fragment = _html(response)
    assert re.search(r"Saved \d\d:\d\d", fragment)
    instance = world.instance(instance_id)
    assert instance.answers["upload"]["description"] == "Typed so far"
    assert f'id="form-version" value="{instance.version}" hx-swap-oob="true"' in fragment
    # A partial save leaves the other answers alone.
    post_step(world.client, path, {"autosave": "1", "document_type": "Other"}, headers=PARTIAL)
    answers = world.instance(instance_id).answers["upload"]
    assert answers["description"] == "Typed so far" and answers["document_type"] == "Other"


def test_stale_version_gets_409_and_saves_nothing(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    path = f"/forms/{instance_id}/upload"
    old_page = world.client.get(path)
    post_step(world.client, path, {"autosave": "1", "description": "From the laptop"},
              headers=PARTIAL)
    # The first window still carries the old version.
    response = post_step(world.client, path, {"autosave": "1", "description": "From the phone"},
                         page=old_page, headers=PARTIAL)
    assert response.status_code == 409
    assert "Not saved — this form was changed in another window or by another device." in _html(response)
    assert "your last change was not saved" in _html(response)
    response = post_step(world.client, path, {"description": "From the phone"}, page=old_page)
    assert response.status_code == 409 and "Reload the page" in _html(response)
    assert world.instance(instance_id).answers["upload"]["description"] == "From the laptop"


def test_a_missing_version_is_a_conflict(world):
    instance_id = world.start()
    page = world.client.get(f"/forms/{instance_id}/work-details")
    response = world.client.post(f"/forms/{instance_id}/work-details",
                                 data={"csrf_token": csrf_from(page),
                                       "work_profile_id": str(world.profile.id)})
    assert response.status_code == 409
    assert world.instance(instance_id).version == 1


def test_ten_thousand_characters_are_handled(world):
    instance_id = world.start()
    select_profile(world, instance_id)
    long = "y" * 10001
    response = post_step(world.client, f"/forms/{instance_id}/upload",
                         {"document_type": "Other", "document_type_other": long,
                          "description": long})
    assert response.status_code == 422
    html = _html(response)
    assert "Please say what type of document this is must be 500 characters or fewer" in html
    assert "Description must be 10,000 characters or fewer" in html


def test_child_details_are_shown_from_the_person_and_saved_when_confirmed(world):
    instance_id = world.start("early-years-request")
    select_profile(world, instance_id)
    html = _html(world.client.get(f"/forms/{instance_id}/child-details"))
    assert 'name="forename" type="text" value="Zzpoppy"' in html
    assert 'name="date_of_birth-day" type="text" value="8"' in html
    assert "child-details" not in world.instance(instance_id).answers
