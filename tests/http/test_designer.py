"""The form designer over HTTP (blueprints/designer.py): who may use it, every page and action
with and without JavaScript (htmx), each refusal at its control, the version lock's 409, preview,
publish, retire, export/import and the permission."""
import io
import json
import re

import pytest
import yaml

from models import FormDefinition, FormInstance
from services.forms_design import store
from tests.helpers import csrf_from, html

KEY = "zz-speech-update"
HX = {"HX-Request": "true", "HX-Request-Type": "partial"}
BASE = "/team/designer"


@pytest.fixture
def designer(app, client, officer):
    """The signed-in officer, holding the Form designer permission."""
    with app.app_context():
        store.grant_designer(None, officer)
    return officer


@pytest.fixture
def draft_form(app, client, designer):
    """A new draft form "Zz Speech Therapy Update" (one step "details")."""
    token = csrf_from(client.get(f"{BASE}/"))
    response = client.post(f"{BASE}/new", data={"csrf_token": token, "title": "Zz Speech Therapy Update",
                                                 "key": KEY, "tab": "assessment"})
    assert response.status_code == 303
    return KEY


def lock(app, key=KEY):
    with app.app_context():
        return store.draft_of(key).lock


def data(app, key=KEY):
    with app.app_context():
        return store.data_of(store.draft_of(key))


def post(client, app, url, fields=None, *, js=False, with_lock=True, follow=False):
    token = csrf_from(client.get(f"{BASE}/"))
    body = {"csrf_token": token, **({"lock": lock(app)} if with_lock else {}), **(fields or {})}
    return client.post(url, data=body, headers=HX if js else {}, follow_redirects=follow)


def error_at(page, control, message):
    """The GOV.UK error summary links to the control and the message is shown there too."""
    text = html(page)
    assert 'class="govuk-error-summary' in text and f'href="#{control}"' in text
    assert text.count(message) >= 2, message


# --- who may use it ----------------------------------------------------------------------------

def designer_urls(app):
    values = {"form_key": KEY, "step_key": "details", "name": "details_text"}
    urls = []
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("designer."):
                args = {k: values[k] for k in rule.arguments}
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    urls.append((method, url_for(rule.endpoint, **args)))
    assert len(urls) >= 25
    return urls


def test_an_officer_without_the_permission_gets_404_on_every_designer_url(app, client, make_user,
                                                                          signed_in, draft_form):
    other = make_user("officer2@example.org", role="officer")
    signed_in(client, other)
    token = csrf_from(client.get("/"))
    for method, url in designer_urls(app):
        response = client.open(url, method=method, data={"csrf_token": token, "lock": lock(app)}
                               if method == "POST" else None)
        assert response.status_code == 404, (method, url)
    assert lock(app) == 1  # nothing changed


@pytest.mark.parametrize("role", ["professional", "citizen"])
def test_professionals_and_families_get_404_and_visitors_sign_in(app, client, make_user, signed_in,
                                                                role, draft_form):
    user = make_user(f"{role}@example.org", role=role)
    signed_in(client, user)
    for method, url in designer_urls(app):
        assert client.open(url, method=method).status_code in (404, 400), (method, url)
        if method == "GET":
            assert client.get(url).status_code == 404, url
    anonymous = app.test_client()
    for method, url in designer_urls(app):
        if method == "GET":
            response = anonymous.get(url)
            assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_designer_link_shows_only_to_designers(app, client, officer):
    assert "/team/designer/" not in html(client.get("/"))
    with app.app_context():
        store.grant_designer(None, officer)
    assert "/team/designer/" in html(client.get("/"))


# --- the list, new, import ---------------------------------------------------------------------

def test_the_list_shows_forms_by_tab_with_version_status_and_who_changed_it(app, client, draft_form):
    page = html(client.get(f"{BASE}/"))
    assert "Assessment forms" in page and "Request forms" in page
    shipped = page[page.index('id="form-e5b-speech-and-language"'):][:1500]
    assert "Published" in shipped and "Shipped with the portal" in shipped
    ours = page[page.index(f'id="form-{KEY}"'):][:1500]
    assert "Draft" in ours and "Zzoliver Zzofficer" in ours


@pytest.mark.parametrize("js", [False, True])
def test_create_a_form_and_each_mistake_at_its_control(app, client, designer, js):
    response = post(client, app, f"{BASE}/new", {"title": "", "key": "Bad Key", "tab": ""},
                    js=js, with_lock=False)
    assert response.status_code == 422
    error_at(response, "title", "Enter the form&#39;s title")
    error_at(response, "tab", "Choose the tab the form belongs to")
    assert ("<html" in html(response)) is not js
    response = post(client, app, f"{BASE}/new", {"title": "Zz Copy", "key": "e4-educational-psychologist",
                                                  "tab": "assessment"}, js=js, with_lock=False)
    assert response.status_code == 422 and 'href="#key"' in html(response)
    response = post(client, app, f"{BASE}/new", {"title": "Zz Copy", "key": "zz-copy", "tab": "plan",
                                                  "copy_of": "no-such-form"}, js=js, with_lock=False)
    error_at(response, "copy_of", "Choose a form to copy, or a blank form")
    response = post(client, app, f"{BASE}/new", {"title": "Zz Copy", "key": "zz-copy", "tab": "plan",
                                                  "copy_of": "e5b-speech-and-language"},
                    js=js, with_lock=False, follow=True)
    assert response.status_code == 200 and "has been created as a draft" in html(response)
    assert ("<html" in html(response)) is not js
    copied = data(app, "zz-copy")
    assert copied["title"] == "Zz Copy" and len(copied["steps"]) > 2


def test_import_yaml_becomes_a_draft_and_a_broken_file_is_refused_at_the_control(app, client, designer):
    token = csrf_from(client.get(f"{BASE}/"))
    source = {"key": "zz-imported", "title": "Zz Imported", "tab": "review", "version": 3,
              "started_by": ["professional"], "pdf": False,
              "steps": [{"key": "one", "title": "One",
                         "fields": [{"name": "a", "type": "text", "label": "A"}]}]}
    response = client.post(f"{BASE}/import", data={"csrf_token": token, "yaml_file": (
        io.BytesIO(yaml.safe_dump(source).encode()), "zz.yaml")}, content_type="multipart/form-data")
    assert response.status_code == 303 and data(app, "zz-imported")["title"] == "Zz Imported"
    broken = dict(source, key="zz-broken", tab="nowhere")
    response = client.post(f"{BASE}/import", data={"csrf_token": token, "yaml_file": (
        io.BytesIO(yaml.safe_dump(broken).encode()), "zz.yaml")}, content_type="multipart/form-data")
    assert response.status_code == 422
    error_at(response, "yaml_file", "tab &#34;nowhere&#34; is not one of")  # the engine's words
    response = client.post(f"{BASE}/import", data={"csrf_token": token}, content_type="multipart/form-data")
    error_at(response, "yaml_file", "Choose a YAML file to import")


# --- the draft editor ----------------------------------------------------------------------------

PROPS = {"title": "Zz Speech Therapy Update", "tab": "assessment", "started_by": ["professional"],
         "pdf": "yes", "due_days": "42", "intro": "Tell us how therapy is going.", "declarations": ""}


@pytest.mark.parametrize("js", [False, True])
def test_properties_save_with_and_without_javascript(app, client, draft_form, js):
    response = post(client, app, f"{BASE}/{KEY}/draft/properties", PROPS, js=js, follow=True)
    assert response.status_code == 200 and "details have been saved" in html(response)
    assert ("<html" in html(response)) is not js
    assert "<title>Draft: Zz Speech Therapy Update - Form designer - " in html(response)
    if js:  # the fragment of the page it changed, and the address follows it
        assert html(response).lstrip().startswith("<title>")
        assert response.headers["HX-Push-Url"] == f"{BASE}/{KEY}/draft"
    saved = data(app)
    assert saved["due_days"] == 42 and saved["intro"] == "Tell us how therapy is going."
    assert lock(app) == 2


@pytest.mark.parametrize("js", [False, True])
def test_properties_refused_at_each_control_nothing_saved(app, client, draft_form, js):
    response = post(client, app, f"{BASE}/{KEY}/draft/properties",
                    {**PROPS, "title": "", "due_days": "soon", "started_by": []}, js=js)
    assert response.status_code == 422
    error_at(response, "title", "Enter the form&#39;s title")
    error_at(response, "due_days", "Due days must be a whole number of days, 1 or more")
    error_at(response, "started_by", "Choose who may start the form")
    assert 'value="soon"' in html(response)  # nothing lost
    assert lock(app) == 1 and data(app)["title"] == "Zz Speech Therapy Update"


@pytest.mark.parametrize("js", [False, True])
def test_a_stale_lock_is_409_with_a_sentence(app, client, draft_form, js):
    stale = lock(app)
    post(client, app, f"{BASE}/{KEY}/draft/properties", {**PROPS, "title": "Zz First"})
    token = csrf_from(client.get(f"{BASE}/"))
    response = client.post(f"{BASE}/{KEY}/draft/properties", headers=HX if js else {},
                           data={**PROPS, "title": "Zz Second", "csrf_token": token, "lock": stale})
    assert response.status_code == 409
    assert "Not saved: the draft has changed" in html(response)
    assert ("<html" in html(response)) is not js
    assert data(app)["title"] == "Zz First"


def add_step(client, app, title="Sessions", **extra):
    return post(client, app, f"{BASE}/{KEY}/draft/steps",
                {"step_title": title, "first_label": "Where", "repeat": "no", **extra})


def test_steps_add_move_remove_and_refusals(app, client, draft_form):
    response = add_step(client, app, repeat="yes", repeat_min="1", repeat_max="4", repeat_label="Session")
    assert response.status_code == 303 and response.headers["Location"].endswith("/steps/sessions")
    assert data(app)["steps"][1]["repeat"] == {"min": 1, "max": 4, "label": "Session"}
    response = add_step(client, app, title="", first_label="", repeat="yes", repeat_min="9",
                        repeat_max="2")
    assert response.status_code == 422
    error_at(response, "step_title", "Enter the step&#39;s title")
    error_at(response, "repeat_min", "cannot be more than the most")
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/sessions/move", {"direction": "up"}, js=True,
                    follow=True)
    assert response.status_code == 200 and "moved up" in html(response)
    assert [s["key"] for s in data(app)["steps"]] == ["sessions", "details"]
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/sessions/move", {"direction": "up"})
    assert response.status_code == 422 and "The step is already first" in html(response)
    assert post(client, app, f"{BASE}/{KEY}/draft/steps/sessions/remove").status_code == 303
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/details/remove")
    error_at(response, "remove-details", "A form needs at least one step")
    assert post(client, app, f"{BASE}/{KEY}/draft/steps/nowhere/remove").status_code == 404


@pytest.mark.parametrize("js", [False, True])
def test_step_settings_page(app, client, draft_form, js):
    assert "Questions" in html(client.get(f"{BASE}/{KEY}/draft/steps/details"))
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/details",
                    {"step_title": "About the therapy", "repeat": "no"}, js=js, follow=True)
    assert response.status_code == 200 and "The step has been saved" in html(response)
    assert data(app)["steps"][0]["title"] == "About the therapy"
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/details", {"step_title": ""}, js=js)
    error_at(response, "step_title", "Enter the step&#39;s title")


def field_url(name=None, step="details"):
    return f"{BASE}/{KEY}/draft/steps/{step}/fields/" + (name or "new")


def test_the_field_page_offers_exactly_the_controls_of_the_type(app, client, draft_form):
    picker = html(client.get(field_url()))
    assert "What type of question is it?" in picker and 'value="work_profile"' not in picker
    select = html(client.get(field_url() + "?type=select"))
    assert 'name="options"' in select and 'name="date_rule"' not in select and 'name="accept"' not in select
    date = html(client.get(field_url() + "?type=date"))
    assert 'name="date_rule"' in date and 'name="options"' not in date
    upload = html(client.get(field_url() + "?type=file"))
    assert 'name="accept"' in upload and 'name="max"' in upload and 'name="pattern"' not in upload


@pytest.mark.parametrize("js", [False, True])
def test_add_a_select_and_a_question_shown_for_one_answer(app, client, draft_form, js):
    response = post(client, app, field_url(), {"type": "select", "label": "Therapy type", "name": "therapy",
                                               "options": "Speech\nLanguage\nFeeding", "required": "yes"},
                    js=js, follow=True)
    assert response.status_code == 200 and "The question has been saved" in html(response)
    page = html(client.get(field_url() + "?type=textarea"))
    assert "Only when “Therapy type” is Feeding" in page
    value = json.dumps(["therapy", ["Feeding"]])
    response = post(client, app, field_url(), {"type": "textarea", "label": "Feeding plan", "show_if": value},
                    js=js)
    assert response.status_code == 303  # with htmx too: fetch follows it to the step's fragment
    field = data(app)["steps"][0]["fields"][-1]
    assert field["show_if"] == {"field": "therapy", "equals": "Feeding"}


@pytest.mark.parametrize("js", [False, True])
def test_each_field_refusal_is_at_its_control(app, client, draft_form, js):
    response = post(client, app, field_url(), {"type": "select", "label": "Pick", "name": "pick"}, js=js)
    assert response.status_code == 422
    error_at(response, "options", "A drop-down list question needs options")
    existing = data(app)["steps"][0]["fields"][0]["name"]
    response = post(client, app, field_url(), {"type": "text", "label": "Again", "name": existing}, js=js)
    error_at(response, "name", f"This step already has a question named “{existing}”")
    later = json.dumps(["nowhere", ["x"]])
    response = post(client, app, field_url(), {"type": "text", "label": "Later", "show_if": later}, js=js)
    error_at(response, "show_if", "Choose a question that comes before this one")
    assert lock(app) == 1


def test_removing_a_field_a_condition_uses_is_refused_and_move_works(app, client, draft_form):
    post(client, app, field_url(), {"type": "yesno", "label": "Seen?", "name": "seen"})
    post(client, app, field_url(), {"type": "text", "label": "Where", "name": "where",
                                    "show_if": json.dumps(["seen", ["Yes"]])})
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/details/fields/seen/remove")
    error_at(response, "remove-seen", "is used by the condition of “Where”")
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/details/fields/where/move", {"direction": "up"})
    error_at(response, "move-where", "a condition can only use an earlier answer")
    first = data(app)["steps"][0]["fields"][0]["name"]
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/details/fields/seen/move", {"direction": "up"},
                    js=True, follow=True)
    assert "moved up" in html(response) and data(app)["steps"][0]["fields"][0]["name"] == "seen"
    assert post(client, app, f"{BASE}/{KEY}/draft/steps/details/fields/{first}/remove").status_code == 303


def test_change_a_question_keeps_the_page_values(app, client, draft_form):
    name = data(app)["steps"][0]["fields"][0]["name"]
    page = html(client.get(field_url(name)))
    assert "Change the question" in page
    assert re.search(r'<textarea[^>]*name="hint"[^>]*>\s*</textarea>', page)  # no hint: empty
    assert re.search(r'<textarea[^>]*name="hint"[^>]*>\s*</textarea>',
                     html(client.get(field_url() + "?type=text")))
    assert 'value="None"' not in html(client.get(field_url() + "?type=number"))
    response = post(client, app, field_url(name), {"type": "textarea", "name": name, "label": "Relabelled",
                                                   "rows": "99"})
    error_at(response, "rows", "Rows must be a whole number from 1 to 50")
    assert 'value="Relabelled"' in html(response) or "Relabelled" in html(response)
    assert post(client, app, field_url(name), {"type": "textarea", "name": name, "label": "Relabelled"}
                ).status_code == 303
    assert data(app)["steps"][0]["fields"][0]["label"] == "Relabelled"
    assert client.get(field_url("nothing")).status_code == 404


def test_question_bank_search_and_copy(app, client, draft_form):
    page = html(client.get(f"{BASE}/{KEY}/draft/steps/details/bank?q=communication+strengths"))
    assert "Communication strengths" in page
    item = "e5b-speech-and-language|Speech, Language and Communication|strengths"
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/details/bank", {"item": item})
    assert response.status_code == 303 and response.headers["Location"].endswith("/fields/strengths")
    assert data(app)["steps"][0]["fields"][-1]["label"] == "Communication strengths"
    response = post(client, app, f"{BASE}/{KEY}/draft/steps/details/bank", {"item": "nothing"})
    error_at(response, "item", "Choose a question to copy")


# --- preview ---------------------------------------------------------------------------------------

def build(client, app):
    """Two steps: a select, a question shown for one answer; an Add More group and a file."""
    post(client, app, field_url(), {"type": "select", "label": "Therapy type", "name": "therapy",
                                    "options": "Speech\nFeeding", "required": "yes"})
    post(client, app, field_url(), {"type": "textarea", "label": "Feeding plan", "name": "plan",
                                    "show_if": json.dumps(["therapy", ["Feeding"]])})
    add_step(client, app, title="Sessions", repeat="yes", repeat_min="1", repeat_max="3",
             repeat_label="Session")
    post(client, app, field_url(step="sessions"), {"type": "file", "label": "Session notes",
                                                    "name": "notes", "accept": "pdf"})


def test_preview_walks_every_step_with_conditions_add_more_summary_and_pdf(app, client, draft_form):
    build(client, app)
    first = data(app)["steps"][0]["fields"][0]["name"]
    page = client.get(f"{BASE}/{KEY}/draft/preview")
    assert page.status_code == 200 and "This is a preview of the draft" in html(page)
    assert "Feeding plan" in html(page)
    token = csrf_from(page)
    answers = _hidden(html(page), "answers")
    response = client.post(f"{BASE}/{KEY}/draft/preview/details", data={
        "csrf_token": token, "answers": answers, "continue": "1"})
    assert response.status_code == 422 and "Select therapy type" in html(response)
    response = client.post(f"{BASE}/{KEY}/draft/preview/details", data={
        "csrf_token": token, "answers": _hidden(html(response), "answers"), first: "x",
        "therapy": "Feeding", "plan": "Soft food", "continue": "1"})
    assert response.status_code == 200 and "Session notes" in html(response)
    answers = _hidden(html(response), "answers")
    response = client.post(f"{BASE}/{KEY}/draft/preview/sessions", data={
        "csrf_token": token, "answers": answers, "add": "sessions"})
    assert 'id="rows-sessions"' in html(response) and html(response).count("Session notes") >= 2
    response = client.post(f"{BASE}/{KEY}/draft/preview/sessions", data={  # a file is never sent
        "csrf_token": token, "answers": _hidden(html(response), "answers"), "notes-0": "zz.pdf",
        "continue": "1"})
    assert "Summary" in html(response) and "Soft food" in html(response)
    pdf = client.post(f"{BASE}/{KEY}/draft/preview.pdf", data={
        "csrf_token": token, "answers": _hidden(html(response), "answers")})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.app_context():
        assert FormInstance.select().count() == 0  # nothing stored on anyone
    tampered = client.post(f"{BASE}/{KEY}/draft/preview/details", data={
        "csrf_token": token, "answers": "x" + answers, "goto": "summary"})
    assert "Soft food" not in html(tampered)


def _hidden(page, name):
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


# --- publish, history, retire, export ------------------------------------------------------------

@pytest.mark.parametrize("js", [False, True])
def test_publish_shows_the_diff_then_publishes(app, client, draft_form, js):
    build(client, app)
    page = html(client.get(f"{BASE}/{KEY}/draft/publish"))
    assert "A new form: 2 steps" in page
    response = post(client, app, f"{BASE}/{KEY}/draft/publish", js=js, follow=True)
    assert response.status_code == 200
    assert "Version 1 of “Zz Speech Therapy Update” is published" in html(response)
    assert ("<html" in html(response)) is not js
    with app.app_context():
        assert "zz-speech-update" in app.extensions["forms"]
    start = post(client, app, f"{BASE}/{KEY}/draft/start", with_lock=False)
    assert start.status_code == 303 and lock(app) == 1
    post(client, app, field_url("therapy"), {"type": "select", "name": "therapy", "label": "Kind of therapy",
                                             "options": "Speech\nFeeding", "required": "yes"})
    page = html(client.get(f"{BASE}/{KEY}/draft/publish"))
    assert "Therapy type" in page and "Kind of therapy" in page
    stale = lock(app) - 1
    token = csrf_from(client.get(f"{BASE}/"))
    assert client.post(f"{BASE}/{KEY}/draft/publish", data={"csrf_token": token, "lock": stale}
                       ).status_code == 409
    assert post(client, app, f"{BASE}/{KEY}/draft/publish").status_code == 303
    history = html(client.get(f"{BASE}/{KEY}"))
    assert 'id="version-2"' in history and 'id="version-1"' in history
    export = client.get(f"{BASE}/{KEY}/export?version=1")
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    assert "Therapy type" in export.get_data(as_text=True)
    assert "Kind of therapy" in client.get(f"{BASE}/{KEY}/export").get_data(as_text=True)
    assert client.get(f"{BASE}/{KEY}/export?version=9").status_code == 404


def test_retire_and_restore(app, client, draft_form):
    build(client, app)
    post(client, app, f"{BASE}/{KEY}/draft/publish")
    response = post(client, app, f"{BASE}/{KEY}/retire", with_lock=False, js=True, follow=True)
    assert "The form is retired" in html(response) and "Restore" in html(response)
    with app.app_context():
        assert not app.extensions["forms"].startable(KEY)
    response = post(client, app, f"{BASE}/{KEY}/retire", with_lock=False, js=True)
    assert response.status_code == 422
    error_at(response, "retire", "is already retired")
    response = post(client, app, f"{BASE}/{KEY}/restore", with_lock=False, follow=True)
    assert "can be started again" in html(response)
    with app.app_context():
        assert app.extensions["forms"].startable(KEY)


def test_discard_a_draft(app, client, draft_form):
    assert post(client, app, f"{BASE}/{KEY}/draft/discard").status_code == 303
    with app.app_context():
        assert store.draft_of(KEY) is None
    assert client.get(f"{BASE}/{KEY}/draft").status_code == 404


# --- the permission ------------------------------------------------------------------------------

@pytest.mark.parametrize("js", [False, True])
def test_grant_and_revoke_the_permission(app, client, designer, make_user, js):
    other = make_user("officer2@example.org", role="officer", forename="Zzpat", surname="Zzother")
    page = html(client.get(f"{BASE}/designers"))
    assert "officer2@example.org" in page
    response = post(client, app, f"{BASE}/designers", {"officer": other.id, "action": "grant"},
                    js=js, with_lock=False, follow=True)
    assert "Zzpat Zzother can now design forms" in html(response)
    with app.app_context():
        assert store.is_designer(other)
    response = post(client, app, f"{BASE}/designers", {"officer": other.id, "action": "revoke"},
                    js=js, with_lock=False, follow=True)
    assert "can no longer design forms" in html(response)
    response = post(client, app, f"{BASE}/designers", {"officer": designer.id, "action": "revoke"},
                    js=js, with_lock=False)
    assert response.status_code == 422 and "the only form designer" in html(response)
    response = post(client, app, f"{BASE}/designers", {"officer": "x", "action": "grant"},
                    js=js, with_lock=False)
    error_at(response, "officer", "Choose an officer")


def test_preview_of_a_copied_shipped_form_with_built_in_steps(app, client, designer):
    """Work details are described (no one's profiles to choose) and Save & Continue goes on;
    the child's details step shows its built-in questions; every step of the copy renders."""
    post(client, app, f"{BASE}/new", {"title": "Zz Early Years Copy", "key": "zz-eyfs-copy",
                                      "tab": "request", "copy_of": "early-years-request"},
         with_lock=False)
    with app.app_context():
        form = store.form_of(store.draft_of("zz-eyfs-copy"))
    first = client.get(f"{BASE}/zz-eyfs-copy/draft/preview")
    assert first.status_code == 200 and "chooses one of their work profiles" in html(first)
    token = csrf_from(first)
    after = client.post(f"{BASE}/zz-eyfs-copy/draft/preview/{form.steps[0].key}", data={
        "csrf_token": token, "answers": _hidden(html(first), "answers"), "continue": "1"})
    assert after.status_code == 200 and form.steps[1].title in html(after)
    for step in form.steps:
        page = client.post(f"{BASE}/zz-eyfs-copy/draft/preview/{step.key}", data={
            "csrf_token": token, "answers": "", "goto": step.key})
        assert page.status_code == 200 and step.title in html(page), step.key
    child = next(s.key for s in form.steps if s.kind == "child_details")
    assert "Forename" in html(client.get(f"{BASE}/zz-eyfs-copy/draft/preview/{child}"))
    assert client.get(f"{BASE}/zz-eyfs-copy/draft/preview/nowhere").status_code == 404


def test_the_engine_refuses_a_built_in_name_in_its_own_words_at_the_name(app, client, designer):
    post(client, app, f"{BASE}/new", {"title": "Zz Early Years Copy", "key": "zz-eyfs-copy",
                                      "tab": "request", "copy_of": "early-years-request"},
         with_lock=False)
    with app.app_context():
        form = store.form_of(store.draft_of("zz-eyfs-copy"))
    child = next(s.key for s in form.steps if s.kind == "child_details")
    before = lock(app, "zz-eyfs-copy")
    token = csrf_from(client.get(f"{BASE}/"))
    response = client.post(f"{BASE}/zz-eyfs-copy/draft/steps/{child}/fields/new", data={
        "csrf_token": token, "lock": before, "type": "text", "label": "Forename", "name": "forename"})
    assert response.status_code == 422
    error_at(response, "name", "appears twice")
    assert 'value="forename"' in html(response) and lock(app, "zz-eyfs-copy") == before


@pytest.mark.parametrize("bad", [None, "", "x", "²", "-1"])
def test_a_missing_or_garbled_lock_is_409_not_a_500(app, client, draft_form, bad):
    """Review fix: int(None) in save/publish was a 500; a lock that is not a number is a conflict."""
    token = csrf_from(client.get(f"{BASE}/"))
    body = {**PROPS, "title": "Zz Changed", "csrf_token": token}
    if bad is not None:
        body["lock"] = bad
    response = client.post(f"{BASE}/{KEY}/draft/properties", data=body)
    assert response.status_code == 409 and "Not saved" in html(response)
    published = client.post(f"{BASE}/{KEY}/draft/publish", data={
        "csrf_token": token, **({"lock": bad} if bad is not None else {})})
    assert published.status_code == 409
    assert data(app)["title"] == "Zz Speech Therapy Update"
    with app.app_context():
        assert store.draft_of(KEY) is not None


def test_a_preview_remove_button_with_odd_digits_is_no_500(app, client, draft_form):
    build(client, app)
    page = client.get(f"{BASE}/{KEY}/draft/preview/sessions")
    response = client.post(f"{BASE}/{KEY}/draft/preview/sessions", data={
        "csrf_token": csrf_from(page), "answers": _hidden(html(page), "answers"), "remove": "²"})
    assert response.status_code in (200, 422) and "Session notes" in html(response)


def test_a_draft_the_engine_no_longer_loads_is_a_422_page_with_the_sentences(app, client, draft_form):
    """Review fix: store.Refused escaped preview, the preview PDF and the publish page (500s)."""
    with app.app_context():
        draft = store.draft_of(KEY)
        broken = draft.source.replace("type: textarea", "type: zz-no-such-type")
        FormDefinition.update(source=broken).where(FormDefinition.id == draft.id).execute()
    token = csrf_from(client.get(f"{BASE}/"))
    pages = [client.get(f"{BASE}/{KEY}/draft/preview"),
             client.post(f"{BASE}/{KEY}/draft/preview/details", data={"csrf_token": token}),
             client.post(f"{BASE}/{KEY}/draft/preview.pdf", data={"csrf_token": token}),
             client.get(f"{BASE}/{KEY}/draft/publish"),
             post(client, app, f"{BASE}/{KEY}/draft/publish")]
    for page in pages:
        assert page.status_code == 422
        assert "zz-no-such-type" in html(page) and 'class="govuk-error-summary' in html(page)
    with app.app_context():
        assert store.draft_of(KEY).status == "draft"


def test_preview_answers_signed_for_another_draft_or_officer_or_too_old_are_no_answers(
        app, client, draft_form, officer, monkeypatch):
    """Review fix: the answers token had a fixed salt and no expiry."""
    import time
    from types import SimpleNamespace

    from itsdangerous import TimestampSigner

    from services.forms_design import preview
    build(client, app)
    first = data(app)["steps"][0]["fields"][0]["name"]
    page = client.get(f"{BASE}/{KEY}/draft/preview")
    walked = client.post(f"{BASE}/{KEY}/draft/preview/details", data={
        "csrf_token": csrf_from(page), "answers": _hidden(html(page), "answers"), first: "x",
        "therapy": "Feeding", "plan": "Zz soft food", "continue": "1"})
    good = _hidden(html(walked), "answers")
    with app.test_request_context():
        draft = store.draft_of(KEY)
        answers = preview.answers_from(good, draft, officer)
        assert answers
        other_draft = preview.token(answers, SimpleNamespace(id=draft.id + 1), officer)
        other_officer = preview.token(answers, draft, SimpleNamespace(id=officer.id + 1))
        now = time.time()
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(now) - 9 * 60 * 60)
        too_old = preview.token(answers, draft, officer)
        monkeypatch.undo()
    token = csrf_from(client.get(f"{BASE}/"))

    def summary(signed):
        return html(client.post(f"{BASE}/{KEY}/draft/preview/details", data={
            "csrf_token": token, "answers": signed, "goto": "summary"}))
    assert "Zz soft food" in summary(good)
    for signed in (other_draft, other_officer, too_old):
        assert "Zz soft food" not in summary(signed)
