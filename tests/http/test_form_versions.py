"""Forms as versioned data through the pages (issue 17): a submitted form keeps rendering with
its own version after a new one is published, a new start gets the new one, and a retired form
cannot be started (nor is offered) while what was started goes on working."""
import models
from services.forms_design import store
from tests.helpers import csrf_from
from tests.http.forms_helpers import fill_generic, post_step, select_profile

KEY = "generic-file-upload"
NEW_LABEL = "Zz What are you sending us?"


def _html(response):
    return response.get_data(as_text=True)


def _publish_relabelled(app):
    """A designer publishes version 2 with "Description" relabelled."""
    with app.app_context():
        designer = models.User.get(models.User.email == "designer@example.org")
        draft = store.start_draft(KEY, designer)
        data = store.data_of(draft)
        description = next(f for f in data["steps"][1]["fields"] if f["name"] == "description")
        description["label"] = NEW_LABEL
        draft = store.save_draft(draft, data, draft.lock, designer)
        return store.publish(draft, draft.lock, designer)


def _designer(world):
    designer = world.make_user("designer@example.org", role="officer")
    with world.app.app_context():
        store.grant_designer(None, designer)
    return designer


def _submit(world, instance_id):
    page = world.client.get(f"/forms/{instance_id}/summary")
    body = {"csrf_token": csrf_from(page), "agree-0": "yes", "agree-1": "yes",
            "version": str(world.instance(instance_id).version)}
    return world.client.post(f"/forms/{instance_id}/submit", data=body)


def test_a_submitted_v1_form_keeps_its_labels_and_a_new_start_gets_v2(world):
    _designer(world)
    sent = world.start()
    assert fill_generic(world, sent).headers["Location"].endswith("/summary")
    assert _submit(world, sent).status_code == 303
    begun = world.start()  # started on v1, not yet filled
    assert select_profile(world, begun).status_code == 303

    _, changes = _publish_relabelled(world.app)
    assert changes == [f'Field "Description" in step "Upload Documents" relabelled "{NEW_LABEL}".']

    view = _html(world.client.get(f"/forms/{sent}/view"))
    assert "Description" in view and NEW_LABEL not in view
    pdf = world.client.get(f"/forms/{sent}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    old_step = _html(world.client.get(f"/forms/{begun}/upload"))
    assert NEW_LABEL not in old_step and world.instance(begun).schema_version == 1

    fresh = world.start()
    assert world.instance(fresh).schema_version == 2
    assert select_profile(world, fresh).status_code == 303
    assert NEW_LABEL in _html(world.client.get(f"/forms/{fresh}/upload"))


def test_a_retired_form_cannot_be_started_and_what_was_started_still_works(world):
    designer = _designer(world)
    begun = world.start()
    assert select_profile(world, begun).status_code == 303
    tab_url, e7 = f"/people/{world.child.id}/forms?tab=assessment", "e7-other-professionals"
    assert f"/forms/{e7}/start" in _html(world.client.get(tab_url))
    with world.app.app_context():
        store.retire(KEY, designer)
        store.retire(e7, designer)
    token = csrf_from(world.client.get("/"))
    for key in (KEY, e7):
        refused = world.client.post(f"/people/{world.child.id}/forms/{key}/start",
                                    data={"csrf_token": token})
        assert refused.status_code == 404
    tab = _html(world.client.get(tab_url))
    assert f"/forms/{e7}/start" not in tab and f"/forms/{begun}" in tab
    assert world.client.get(f"/forms/{begun}/upload").status_code == 200
    saved = post_step(world.client, f"/forms/{begun}/upload", {"description": "Zz still saving"})
    assert saved.status_code == 422  # the other required answers are missing; this one is kept
    assert world.instance(begun).answers["upload"]["description"] == "Zz still saving"

    with world.app.app_context():
        store.restore(e7, designer)
    assert f"/forms/{e7}/start" in _html(world.client.get(tab_url))


def test_a_retired_family_form_is_not_offered_to_the_family_nor_startable(family):
    officer = family.officer
    with family.app.app_context():
        store.grant_designer(None, officer)
    client = family.client_for(family.parent)
    page = client.get(f"/family/children/{family.child.id}")
    assert "/forms/parent-carer-views/start" in _html(page)
    with family.app.app_context():
        store.retire("parent-carer-views", officer)
    page = client.get(f"/family/children/{family.child.id}")
    assert "/forms/parent-carer-views/start" not in _html(page)
    response = client.post(f"/family/children/{family.child.id}/forms/parent-carer-views/start",
                                  data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404


def test_a_retired_request_form_leaves_the_family_page_too(family):
    """Review check: ``request_forms`` on the child page only decides the request note of forms
    already listed; the list itself is filtered for retired forms."""
    with family.app.app_context():
        store.grant_designer(None, family.officer)
    client = family.client_for(family.parent)
    page = client.get(f"/family/children/{family.child.id}")
    title = "Parent or Young Person Request for an EHC Needs Assessment"
    assert "/forms/parent-request/start" in _html(page) and title in _html(page)
    with family.app.app_context():
        store.retire("parent-request", family.officer)
    page = client.get(f"/family/children/{family.child.id}")
    assert page.status_code == 200 and "/forms/parent-request/" not in _html(page)
    assert title not in _html(page)
    response = client.post(f"/family/children/{family.child.id}/forms/parent-request/start",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404
