"""Forms as versioned data (issue 17): the live registry (files + database), drafts, publish,
retire, the diff, every refusal, the lock, import/export and the Form designer permission."""
import datetime as dt

import pytest

import models
from engine import FormRegistry
from models import AuditEvent, FormDefinition, FormInstance, Link, Person, Submission
from services.forms import forms_section, instances
from services.forms_design import registry as live
from services.forms_design import store
from services.forms_design.diff import diff

KEY = "generic-file-upload"


@pytest.fixture
def ctx(app, make_user):
    """A designer officer, a plain officer and a professional linked to a child."""
    designer = make_user("designer@example.org", role="officer", forename="Zzdee")
    officer = make_user("officer@example.org", role="officer", forename="Zzoff")
    pro = make_user("pro@example.org", professional_role="SENCo", organisation="Zz School")
    with app.app_context():
        models.db.connect(reuse_if_open=True)
        store.grant_designer(None, designer)
        child = Person.create(forename="Zzamy", surname="Zztest", date_of_birth=dt.date(2015, 1, 2))
        Link.create(user=pro, person=child)
        yield {"app": app, "designer": designer, "officer": officer, "pro": pro, "child": child,
               "registry": app.extensions["forms"]}


def relabelled(ctx, label="What kind of document is it?", by=None):
    """Draft version 2 of KEY with the document type question relabelled."""
    draft = store.start_draft(KEY, by or ctx["designer"])
    data = store.data_of(draft)
    data["steps"][1]["fields"][0]["label"] = label
    return store.save_draft(draft, data, draft.lock, by or ctx["designer"])


def publish_relabelled(ctx, label="What kind of document is it?"):
    draft = relabelled(ctx, label)
    return store.publish(draft, draft.lock, ctx["designer"])


# --- the loader ------------------------------------------------------------------------------

def test_an_empty_forms_table_means_the_files_exactly(ctx):
    registry = ctx["registry"]
    assert live.read_stamp() is None
    files = registry.files
    assert registry.now is files
    assert set(registry.current()) == set(files.current()) and len(registry) == len(files)
    assert all(registry.startable(k) for k in files.current())
    assert not registry.startable("no-such-form") and "no-such-form" not in registry


def test_a_published_database_row_overrides_the_file_at_the_same_version(ctx):
    text = ctx["registry"].file_text(KEY, 1).replace("title: Generic File Upload Manager",
                                                     "title: Zz Council Uploads")
    with models.db.atomic():
        FormDefinition.create(key=KEY, version=1, status="published", source=text,
                              title="Zz Council Uploads", tab="assessment", origin="designer")
        live.bump_stamp()
    live.forget_request_cache()
    assert ctx["registry"].get(KEY).title == "Zz Council Uploads"
    assert ctx["registry"].versions(KEY) == [1]
    # A draft is never live.
    draft = store.start_draft(KEY, ctx["designer"])
    assert draft.version == 2 and ctx["registry"].get(KEY).version == 1


def test_another_process_publishing_is_seen_on_the_next_request_only(ctx):
    app, registry = ctx["app"], ctx["registry"]
    assert registry.get(KEY).version == 1  # this "request" has read the stamp
    text = store.export_yaml(KEY).replace("version: 1", "version: 2").replace(
        "label: Description", "label: Zz what you are sending")
    with models.db.atomic():  # what another process's publish writes
        FormDefinition.create(key=KEY, version=2, status="published", source=text,
                              title="Generic File Upload Manager", tab="assessment")
        live.bump_stamp()
    assert registry.get(KEY).version == 1  # at most one stamp read per request
    with app.app_context():  # the next request
        assert registry.get(KEY).version == 2
        assert registry.get(KEY).step("upload").field("description").label == \
            "Zz what you are sending"
    other = live.LiveRegistry(registry.files, app.config["FORMS_DIR"])  # another process
    with app.app_context():
        assert other.get(KEY).version == 2 and other.versions(KEY) == [1, 2]


def test_the_registry_reads_the_stamp_once_per_request(ctx):
    from tests.helpers import sql_statements
    with ctx["app"].app_context():
        with sql_statements(models.db.obj) as statements:
            for _ in range(5):
                ctx["registry"].get(KEY)
                ctx["registry"].current()
        assert len(statements) == 1


# --- versioning ----------------------------------------------------------------------------

def test_started_and_submitted_forms_keep_their_version_new_starts_get_the_new_one(ctx):
    registry = ctx["registry"]
    old = instances.start(ctx["pro"], ctx["child"], registry.get(KEY))
    sent = instances.start(ctx["pro"], ctx["child"], registry.get(KEY))
    Submission.create(instance=sent, round=1, answers={}, schema_version=1)
    FormInstance.update(status="submitted").where(FormInstance.id == sent.id).execute()

    row, changes = publish_relabelled(ctx)
    assert row.status == "published" and row.version == 2 and row.published_by_id == \
        ctx["designer"].id
    assert changes == ['Field "Type of document" in step "Upload Documents" relabelled '
                       '"What kind of document is it?".']
    label = lambda form: form.step("upload").field("document_type").label  # noqa: E731
    assert label(instances.form_of(registry, FormInstance.get_by_id(old.id))) == "Type of document"
    assert label(instances.form_of(registry, FormInstance.get_by_id(sent.id))) == "Type of document"
    new = instances.start(ctx["pro"], ctx["child"], registry.get(KEY))
    assert new.schema_version == 2
    assert label(instances.form_of(registry, new)) == "What kind of document is it?"
    assert [d.version for d in store.versions_of(KEY)] == [2, 1]
    assert AuditEvent.select().where(AuditEvent.action == "form-published").count() == 1


def test_a_draft_is_the_next_version_and_there_is_one_per_form(ctx):
    draft = store.start_draft(KEY, ctx["designer"])
    assert (draft.version, draft.status, draft.lock) == (2, "draft", 1)
    assert "version: 2" in draft.source and draft.source.startswith("# Generic File Upload")
    assert store.start_draft(KEY, ctx["officer"]).id == draft.id
    assert store.draft_of(KEY).id == draft.id
    store.discard_draft(draft, ctx["designer"])
    assert store.draft_of(KEY) is None


def test_new_form_blank_or_copied_and_the_catalogue(ctx):
    blank = store.new_form("zz-speech-therapy-update", "Zz Speech Therapy Update", "review",
                           ctx["designer"])
    assert blank.version == 1 and store.form_of(blank).title == "Zz Speech Therapy Update"
    copy = store.new_form("zz-uploads", "Zz Uploads", "plan", ctx["designer"], copy_of=KEY)
    form = store.form_of(copy)
    assert (form.key, form.tab, form.version) == ("zz-uploads", "plan", 1)
    assert form.step_keys == ctx["registry"].get(KEY).step_keys
    rows = {r.key: r for r in store.catalogue()}
    assert rows["zz-uploads"].status == "draft" and rows["zz-uploads"].version == 0
    assert rows["zz-uploads"].changed_by.id == ctx["designer"].id
    assert rows[KEY].status == "published" and rows[KEY].version == 1 and rows[KEY].draft is None
    assert "zz-uploads" not in ctx["registry"]  # a draft is not startable
    for bad, sentence in (("Zz Bad", "must be kebab-case"), (KEY, "already used"),
                          ("zz-uploads", "already used")):
        with pytest.raises(store.Refused) as refused:
            store.new_form(bad, "Zz", "plan", ctx["designer"])
        assert sentence in refused.value.problems[0]


# --- retire ----------------------------------------------------------------------------------

def test_retire_stops_new_starts_and_keeps_the_rest(ctx):
    registry = ctx["registry"]
    started = instances.start(ctx["pro"], ctx["child"], registry.get(KEY))
    store.retire(KEY, ctx["designer"])
    assert not registry.startable(KEY) and KEY in registry
    form = registry.get(KEY)
    assert form.retired and not instances.may_start(ctx["pro"], form)
    with pytest.raises(instances.FormRetired, match="can no longer be started"):
        instances.start(ctx["pro"], ctx["child"], form)
    assert instances.form_of(registry, started).version == 1
    rows = forms_section.tab_rows(ctx["pro"], ctx["child"], registry, "assessment")
    assert [r.status for r in rows if r.key == KEY] == ["draft"]  # the started one still listed
    e7 = "e7-other-professionals"
    assert any(a.endpoint == "forms.start" for r in rows if r.key == e7 for a in r.actions)
    store.retire(e7, ctx["designer"])
    rows = forms_section.tab_rows(ctx["pro"], ctx["child"], registry, "assessment")
    assert not [r for r in rows if r.key == e7]  # nothing to start, nothing started
    assert {r.key: r.status for r in store.catalogue()}[KEY] == "retired"
    with pytest.raises(store.Refused, match="already retired"):
        store.retire(KEY, ctx["designer"])

    store.restore(KEY, ctx["designer"])
    assert registry.startable(KEY) and not registry.get(KEY).retired
    assert instances.start(ctx["pro"], ctx["child"], registry.get(KEY)).schema_version == 1
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert "form-retired" in actions and "form-restored" in actions


def test_a_retired_family_form_leaves_the_family_start_list(ctx, make_user):
    from services.family import shared
    registry = ctx["registry"]
    family = [f.key for f in shared.family_forms(registry) if not f.retired]
    assert "parent-carer-views" in family
    store.retire("parent-carer-views", ctx["designer"])
    assert "parent-carer-views" not in [f.key for f in shared.family_forms(registry)
                                        if not f.retired]


# --- the diff --------------------------------------------------------------------------------

def test_the_diff_names_every_kind_of_change(ctx):
    old = ctx["registry"].get(KEY)
    draft = store.start_draft(KEY, ctx["designer"])
    data = store.data_of(draft)
    upload = data["steps"][1]
    upload["title"] = "Zz Your Documents"
    fields = {f["name"]: f for f in upload["fields"]}
    fields["description"]["label"] = "Zz Summary"
    fields["description"]["type"] = "text"
    fields["description"]["required"] = False
    fields["document_type"]["options"] = ["Zz Report", "Other"]
    fields["document_type_other"]["show_if"] = {"field": "document_type", "equals": "Zz Report"}
    upload["fields"] = [f for f in upload["fields"] if f["name"] != "document_date"]
    upload["fields"].append({"name": "zz_pages", "type": "number", "label": "Zz Pages"})
    data["steps"].append({"key": "zz-extra", "title": "Zz Extra",
                          "fields": [{"name": "zz_note", "type": "textarea", "label": "Zz Note"}]})
    new = store.form_of(store.save_draft(draft, data, draft.lock, ctx["designer"]))
    lines = diff(old, new)
    step = 'step "Zz Your Documents"'
    assert lines == [
        'Step "Zz Extra" added.',
        'Step "Upload Documents" retitled "Zz Your Documents".',
        f'Field "Zz Pages" added to {step}.',
        f'Field "Date of the document" removed from {step}.',
        f'Field "Type of document" in {step}: options changed (added Zz Report; removed '
        "Professional report or advice, Assessment results, SEN support plan or review, "
        "Provision map, Medical or clinic letter, Attendance record, Child or young person's "
        "views, Parent or carer's views, Consent form, Correspondence).",
        f'Field "Please say what type of document this is" in {step}: condition changed from '
        'shown when "Type of document" is Other to shown when "Type of document" is Zz Report.',
        f'Field "Description" in {step} relabelled "Zz Summary".',
        f'Field "Zz Summary" in {step}: type changed from textarea to text.',
        f'Field "Zz Summary" in {step}: now optional.',
    ]
    assert diff(old, old) == []
    assert diff(None, old) == ['First version of "Generic File Upload Manager".']


# --- refusals --------------------------------------------------------------------------------

def refused(ctx, change):
    """Apply ``change`` to the draft's data, save, and return the problems (checking nothing
    was saved)."""
    draft = store.start_draft(KEY, ctx["designer"])
    data = store.data_of(draft)
    change(data["steps"][1]["fields"])
    with pytest.raises(store.Refused) as caught:
        store.save_draft(draft, data, draft.lock, ctx["designer"])
    again = FormDefinition.get_by_id(draft.id)
    assert again.source == draft.source and again.lock == draft.lock
    return caught.value.problems


def test_a_duplicate_field_name_is_refused(ctx):
    problems = refused(ctx, lambda fields: fields.append(
        {"name": "description", "type": "text", "label": "Zz again"}))
    assert any('field "description" appears twice' in p for p in problems), problems


def test_a_condition_on_a_later_field_is_refused(ctx):
    def change(fields):
        fields[0]["show_if"] = {"field": "description", "equals": "Zz"}
    problems = refused(ctx, change)
    assert any('"description"' in p and "is not answered before it" in p for p in problems), problems


def test_a_select_without_options_is_refused(ctx):
    def change(fields):
        del fields[0]["options"]
    problems = refused(ctx, change)
    assert any("document_type" in p and "options" in p for p in problems), problems


def test_removing_a_field_a_condition_still_uses_is_refused(ctx):
    def change(fields):
        del fields[0]
    problems = refused(ctx, change)
    assert any('"document_type", which does not exist' in p for p in problems), problems


def test_the_sentences_have_no_file_and_line_in_front(ctx):
    problems = refused(ctx, lambda fields: fields.append({"name": "zz", "type": "nonsense"}))
    assert problems and all(not p.startswith("draft") for p in problems), problems


def test_two_people_saving_the_same_draft_conflict_and_the_second_is_not_saved(ctx):
    draft = store.start_draft(KEY, ctx["designer"])
    first = relabelled(ctx, "Zz first")
    assert first.lock == draft.lock + 1
    data = store.data_of(draft)
    data["title"] = "Zz second"
    with pytest.raises(store.Conflict) as conflict:
        store.save_draft(draft, data, draft.lock, ctx["officer"])
    assert "Zzdee" in str(conflict.value) and "not saved" in str(conflict.value)
    assert FormDefinition.get_by_id(draft.id).title == "Generic File Upload Manager"
    with pytest.raises(store.Conflict):
        store.publish(draft, draft.lock, ctx["designer"])
    assert store.draft_of(KEY) is not None and ctx["registry"].get(KEY).version == 1
    store.publish(first, first.lock, ctx["designer"])
    with pytest.raises(store.Conflict, match="published or discarded"):
        store.save_draft(first, data, first.lock + 1, ctx["designer"])


def test_save_draft_keeps_key_and_version_and_writes_stable_yaml(ctx):
    draft = store.start_draft(KEY, ctx["designer"])
    data = store.data_of(draft)
    data.update(key="zz-hijack", version=9)
    saved = store.save_draft(draft, data, draft.lock, ctx["designer"])
    assert saved.source.startswith("key: generic-file-upload\ntitle: ")
    assert "\nversion: 2\n" in saved.source
    assert store.save_draft(saved, store.data_of(saved), saved.lock, ctx["designer"]).source == \
        saved.source


# --- sharing ---------------------------------------------------------------------------------

def test_export_then_import_is_a_round_trip_as_a_draft(ctx):
    text = store.export_yaml(KEY)
    assert text == ctx["registry"].file_text(KEY, 1)
    draft = store.import_yaml(text, ctx["designer"])
    assert (draft.key, draft.version, draft.origin, draft.status) == (KEY, 2, "imported", "draft")
    assert store.form_of(draft).steps == ctx["registry"].get(KEY).steps
    with pytest.raises(store.Refused, match="already has a draft"):
        store.import_yaml(text, ctx["designer"])
    with pytest.raises(store.Refused) as broken:
        store.import_yaml("key: zz-new\ntitle: Zz\n", ctx["designer"])
    assert any('missing "tab"' in p for p in broken.value.problems)
    fresh = store.import_yaml(text.replace(f"key: {KEY}", "key: zz-shared"), ctx["designer"])
    assert (fresh.key, fresh.version) == ("zz-shared", 1)


def test_init_db_imports_the_shipped_catalogue_once(ctx):
    runner = ctx["app"].test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    count = FormDefinition.select().count()
    assert count == len(ctx["registry"].files.all_forms()) and f"{count} new versions" in first.output
    assert FormDefinition.select().where(FormDefinition.origin != "shipped").count() == 0
    live.forget_request_cache()
    assert live.read_stamp() == 1 and ctx["registry"].get(KEY).version == 1
    again = runner.invoke(args=["forms", "import-catalogue"])
    assert again.exit_code == 0 and "Imported 0 form versions." in again.output
    assert FormDefinition.select().count() == count and live.read_stamp() == 1
    FormDefinition.update(source=FormDefinition.source + "\n# Zz local edit\n").where(
        FormDefinition.key == KEY).execute()
    third = runner.invoke(args=["init-db"])
    assert f"database form {KEY} v1 differs from" in third.output
    assert "# Zz local edit" in FormDefinition.get(FormDefinition.key == KEY).source


def test_the_forms_cli_exports_imports_and_check_schemas_checks_database_forms(ctx, tmp_path):
    runner = ctx["app"].test_cli_runner()
    out = tmp_path / "shared.yaml"
    result = runner.invoke(args=["forms", "export", KEY, str(out)])
    assert result.exit_code == 0 and out.read_text() == ctx["registry"].file_text(KEY, 1)
    missing = runner.invoke(args=["forms", "export", KEY, "--version", "7", str(out)])
    assert missing.exit_code != 0 and "There is no form generic-file-upload version 7" in missing.output
    result = runner.invoke(args=["forms", "import", str(out)])
    assert result.exit_code == 0 and "draft of version 2" in result.output
    assert runner.invoke(args=["check-schemas"]).exit_code == 0
    FormDefinition.create(key="zz-broken", version=1, status="draft", source="key: zz-broken\n")
    result = runner.invoke(args=["check-schemas"])
    assert result.exit_code == 1
    assert 'database form zz-broken v 1: the form is missing "title"' in result.output


# --- the question bank -------------------------------------------------------------------------

def test_the_question_bank_offers_fields_ready_to_copy(ctx):
    items = store.question_bank("type of document")
    item = next(i for i in items if i.form_key == KEY)
    assert item.step_title == "Upload Documents" and item.field["name"] == "document_type"
    assert item.field["options"][0] == "Professional report or advice"  # the shared list, written out
    other = next(i for i in store.question_bank("say what type") if i.form_key == KEY)
    assert "show_if" not in other.field
    assert len(store.question_bank()) > len(items)


# --- the permission ----------------------------------------------------------------------------

def test_the_designer_permission_rules(ctx):
    designer, officer, pro = ctx["designer"], ctx["officer"], ctx["pro"]
    assert store.is_designer(designer) and not store.is_designer(officer)
    with pytest.raises(store.Refused, match="Only a form designer can grant"):
        store.grant_designer(officer, officer)
    with pytest.raises(store.Refused, match="only officers"):
        store.grant_designer(designer, pro)
    store.grant_designer(designer, officer)
    store.grant_designer(designer, officer)  # again (or a second officer at once): one grant
    assert store.is_designer(officer)
    with pytest.raises(store.Refused, match="Only a form designer can take"):
        store.revoke_designer(pro, officer)
    store.revoke_designer(officer, designer)
    assert not store.is_designer(designer)
    with pytest.raises(store.Refused, match="only form designer"):
        store.revoke_designer(officer, officer)
    actions = [(e.action, e.user_id) for e in AuditEvent.select().where(
        AuditEvent.action.startswith("form-designer")).order_by(AuditEvent.id)]
    assert actions == [("form-designer-granted", None), ("form-designer-granted", designer.id),
                       ("form-designer-revoked", officer.id)]


def test_create_officer_designer_grants_the_first_one(ctx):
    runner = ctx["app"].test_cli_runner()
    result = runner.invoke(args=["create-officer", "--designer", "zzfirst@example.org"])
    assert result.exit_code == 0 and "They may design forms." in result.output
    assert store.is_designer(models.User.get(models.User.email == "zzfirst@example.org"))
    result = runner.invoke(args=["create-officer", "zzplain@example.org"])
    assert not store.is_designer(models.User.get(models.User.email == "zzplain@example.org"))
    result = runner.invoke(args=["forms", "grant-designer", "zzplain@example.org"])
    assert result.exit_code == 0
    assert store.is_designer(models.User.get(models.User.email == "zzplain@example.org"))


def test_the_live_registry_has_form_registry_s_interface():
    for name in ("get", "current", "versions", "__contains__", "__iter__", "__len__"):
        assert callable(getattr(live.LiveRegistry, name)) and callable(getattr(FormRegistry, name))


def test_a_multi_line_intro_is_saved_as_a_readable_block(ctx):
    draft = store.start_draft(KEY, ctx["designer"])
    data = store.data_of(draft)
    data["intro"] = "Zz first paragraph.\n\nZz second paragraph."
    saved = store.save_draft(draft, data, draft.lock, ctx["designer"])
    assert "intro: |-\n  Zz first paragraph.\n\n  Zz second paragraph.\n" in saved.source
    assert store.form_of(saved).intro == "Zz first paragraph.\n\nZz second paragraph."


def test_a_database_without_the_forms_tables_serves_the_files(ctx):
    models.db.drop_tables([models.FormCatalogueStamp])
    try:
        assert live.read_stamp() is None
        assert ctx["registry"].get(KEY).version == 1 and ctx["registry"].startable(KEY)
    finally:  # on PostgreSQL the tables are made once per session
        models.db.create_tables([models.FormCatalogueStamp])


def test_a_save_keeps_what_the_engine_read_yaml_1_2_scalars(ctx):
    """Review fix: the store read drafts as YAML 1.1, so ``1:1`` became 61 and ``On`` True."""
    draft = store.start_draft(KEY, ctx["designer"])
    text = draft.source.replace("lists:\n  document_types:\n",
                                "lists:\n  ratios: [1:1, On, 012]\n  document_types:\n")
    FormDefinition.update(source=text).where(FormDefinition.id == draft.id).execute()
    draft = FormDefinition.get_by_id(draft.id)
    before = store.form_of(draft).lists["ratios"]
    data = store.data_of(draft)
    assert data["lists"]["ratios"] == ["1:1", "On", 12]
    assert type(data) is dict and type(data["steps"]) is list  # plain data, not the engine's
    saved = store.save_draft(draft, data, draft.lock, ctx["designer"])
    assert store.form_of(saved).lists["ratios"] == before
    assert store.data_of(saved)["lists"]["ratios"] == ["1:1", "On", 12]


def _upgrade_ships(ctx, tmp_path, version, label):
    """A portal upgrade: the files now hold ``KEY`` at ``version`` (the old one archived)."""
    from engine import load_registry
    folder = tmp_path / "forms"
    (folder / "_archive").mkdir(parents=True)
    original = ctx["registry"].file_text(KEY, 1)
    (folder / "_archive" / f"{KEY}.v1.yaml").write_text(original, encoding="utf-8")
    shipped = original.replace("version: 1", f"version: {version}").replace(
        "label: Type of document", f"label: {label}")
    (folder / f"{KEY}.yaml").write_text(shipped, encoding="utf-8")
    registry = live.LiveRegistry(load_registry(folder), folder)
    ctx["app"].extensions["forms"] = registry
    live.forget_request_cache()
    return registry, folder


def test_publishing_a_draft_whose_version_an_upgrade_shipped_takes_the_next_one(ctx, tmp_path):
    """Review fix: a draft opened at v2, then v2 shipped: publish must not replace shipped v2."""
    draft = relabelled(ctx, "Zz designer label")
    assert draft.version == 2
    registry, _ = _upgrade_ships(ctx, tmp_path, 2, "Zz shipped label")
    assert store.publish_version(store.draft_of(KEY)) == 3  # what the Publish page says
    published, _ = store.publish(store.draft_of(KEY), draft.lock, ctx["designer"])
    assert published.version == 3 and "version: 3" in published.source
    assert registry.versions(KEY) == [1, 2, 3]
    assert registry.get(KEY, 2).steps[1].fields[0].label == "Zz shipped label"
    assert registry.get(KEY).steps[1].fields[0].label == "Zz designer label"


def test_importing_a_shipped_version_a_draft_holds_moves_the_draft_up(ctx, tmp_path):
    draft = relabelled(ctx, "Zz designer label")
    registry, folder = _upgrade_ships(ctx, tmp_path, 2, "Zz shipped label")
    added, notes = store.import_catalogue(folder)
    assert added == 2 and notes == []
    shipped = FormDefinition.get((FormDefinition.key == KEY) & (FormDefinition.version == 2))
    assert shipped.status == "published" and "Zz shipped label" in shipped.source
    moved = store.draft_of(KEY)
    assert moved.id == draft.id and moved.version == 3 and "version: 3" in moved.source
    assert "Zz designer label" in moved.source
