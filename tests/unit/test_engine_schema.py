"""Schema loading: the format of DESIGN §4, every mistake with its file and line, versions."""

import subprocess
import sys
from pathlib import Path

import pytest

from engine import (SchemaError, check_directory, load_form_text, load_forms, load_registry)
from engine.schema import CHILD_DETAILS_FIELDS

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).parent / "fixtures" / "bad"

DESIGN_EXAMPLE = """\
key: early-years-request             # stable id, kebab-case
title: Early Years Setting Request for EHCP Assessment
tab: request                         # request | assessment | plan | review
version: 3
started_by: [professional]
pdf: true
due_days: 42
steps:
  - key: work-details
    title: Work Details
    kind: work_profile
  - key: parents
    title: Parent/Carer Details
    intro: Click Add More at the bottom of the page to add additional parent or carers.
    repeat: {min: 1, max: 6}
    fields:
      - {name: name, type: textarea, label: Parent/Carer Name, required: true}
      - {name: relationship, type: select, label: "Relationship to Child:", options: relationships, required: true}
      - {name: address, type: textarea, label: Parent/Carers Address}
      - {name: phone, type: tel, label: Primary Telephone Number}
  - key: consent
    title: Parental consent
    fields:
      - {name: consent_form, type: file, label: Parental Consent form, required: true, accept: [pdf, docx, jpg, png]}
      - {name: verbal, type: radios, label: Verbal consent given, options: [Yes, No]}
      - {name: restrictions, type: textarea, label: "Any restrictions on consent?", show_if: {field: verbal, equals: "Yes"}}
lists:
  relationships: [Mother, Father, Step-parent, Foster carer, Grandparent, Other]
declarations: default
"""


def test_design_example_loads():
    form = load_form_text(DESIGN_EXAMPLE, "early-years-request.yaml")
    assert (form.key, form.tab, form.version, form.pdf, form.due_days) == (
        "early-years-request", "request", 3, True, 42)
    assert form.started_by == ("professional",)
    assert form.step_keys == ("work-details", "parents", "consent")
    assert form.step("work-details").fields[0].type == "work_profile"
    parents = form.step("parents")
    assert (parents.repeat.min, parents.repeat.max) == (1, 6)
    assert parents.row_label == "Parent/Carer"
    assert [o.value for o in parents.field("relationship").options][:2] == ["Mother", "Father"]
    consent = form.step("consent")
    # YAML 1.1 would read Yes/No as booleans; the loader keeps them as words.
    assert [o.value for o in consent.field("verbal").options] == ["Yes", "No"]
    assert consent.field("consent_form").accept == ("pdf", "docx", "jpg", "png")
    cond = consent.field("restrictions").show_if
    assert (cond.step, cond.name, cond.values) == (None, "verbal", ("Yes",))
    assert form.declarations is None
    assert form.declaration_statements(["Council says"]) == ("Council says",)


def test_objects_are_immutable():
    form = load_form_text(DESIGN_EXAMPLE, "x.yaml")
    with pytest.raises(Exception):
        form.title = "Changed"
    with pytest.raises(Exception):
        form.steps[0].fields[0].required = False
    with pytest.raises(TypeError):
        form.lists["relationships"] = ()


def test_yaml_scalars_are_read_plainly():
    text = DESIGN_EXAMPLE.replace(
        "      - {name: verbal, type: radios, label: Verbal consent given, options: [Yes, No]}",
        "      - {name: verbal, type: radios, label: Verbal consent given, options: [Yes, No]}\n"
        "      - {name: at, type: time, label: Time, options: [09:30, 10:30, 12:00]}\n"
        "      - {name: year, type: select, label: Year, options: [2010-04-30, 010, 'on']}")
    form = load_form_text(text, "x.yaml")
    assert [o.value for o in form.step("consent").field("at").options] == ["09:30", "10:30", "12:00"]
    assert [o.value for o in form.step("consent").field("year").options] == [
        "2010-04-30", "10", "on"]


def test_child_details_kind_brings_builtin_fields():
    text = DESIGN_EXAMPLE.replace(
        "  - key: parents\n",
        "  - key: child\n    title: Additional Child Details\n    kind: child_details\n"
        "    fields:\n      - {name: nickname, type: text, label: Known as}\n"
        "  - key: parents\n")
    form = load_form_text(text, "x.yaml")
    names = [f.name for f in form.step("child").fields]
    assert names[:len(CHILD_DETAILS_FIELDS)] == [f.name for f in CHILD_DETAILS_FIELDS]
    assert names[-1] == "nickname"
    assert {"forename", "surname", "date_of_birth", "gender", "current_school"} <= set(names)


def test_step_condition_on_earlier_step():
    text = DESIGN_EXAMPLE.replace("lists:\n", (
        "  - key: restrictions\n"
        "    title: Restrictions\n"
        "    show_if: {field: consent.verbal, in: [Yes]}\n"
        "    fields:\n"
        "      - {name: details, type: textarea, label: Details}\n"
        "lists:\n"))
    form = load_form_text(text, "x.yaml")
    cond = form.step("restrictions").show_if
    assert (cond.step, cond.name, cond.values) == ("consent", "verbal", ("Yes",))


# (fixture, line, words the problem must contain)
BAD_FIXTURES = [
    ("unknown_type.yaml", 12, 'field "reason" in step "about" has unknown type "txt" '
                              "(known types: text, textarea, email"),
    ("internal_type.yaml", 11, 'unknown type "work_profile"'),
    ("unknown_key.yaml", 14, 'unknown key "requred"'),
    ("missing_keys.yaml", 1, 'missing "title"'),
    ("missing_keys.yaml", 1, 'missing "started_by"'),
    ("bad_tab.yaml", 3, 'tab "assesment" is not one of request, assessment, plan, review'),
    ("bad_key.yaml", 1, 'form key "E4_Advice" must be kebab-case'),
    ("bad_version.yaml", 4, "version must be a whole number"),
    ("bad_version.yaml", 5, 'unknown role "teacher"'),
    ("duplicate_step.yaml", 12, 'step key "about" is used twice (first on line 8)'),
    ("duplicate_field.yaml", 13, 'field "reason" appears twice in step "about" (first on line 11)'),
    ("missing_list.yaml", 14, 'uses options "relationshps" but there is no such list'),
    ("no_options.yaml", 11, "is a checkboxes field and needs options"),
    ("show_if_missing.yaml", 15, 'refers to "verbl", which does not exist'),
    ("show_if_later.yaml", 14, 'refers to "consent.verbal" but step "consent" does not exist or '
                               "is not answered before it"),
    ("show_if_bad_value.yaml", 15, 'expects "Maybe" but "verbal" has no such option'),
    ("repeat_min_max.yaml", 10, "has min 4 greater than max 2"),
    ("bad_pattern.yaml", 14, "is not a valid regular expression"),
    ("bad_yaml.yaml", 6, "this is not valid YAML"),
    ("duplicate_yaml_key.yaml", 7, '"title" is given twice'),
    ("bad_field_name.yaml", 8, 'step key "summary" is reserved'),
    ("bad_field_name.yaml", 11, "a field name must be lower-case letters"),
    ("bad_field_name.yaml", 12, 'is missing "text"'),
]


@pytest.mark.parametrize("fixture, line, words", BAD_FIXTURES)
def test_bad_schema_reports_file_line_and_sentence(fixture, line, words):
    text = (BAD / fixture).read_text()
    with pytest.raises(SchemaError) as info:
        load_form_text(text, f"schemas/forms/{fixture}")
    prefix = f"schemas/forms/{fixture}:{line}: "
    assert any(p.startswith(prefix) and words in p for p in info.value.problems), \
        info.value.problems


def test_every_fixture_is_covered():
    assert {f for f, _, _ in BAD_FIXTURES} == {p.name for p in BAD.glob("*.yaml")}


def test_unknown_type_does_not_cascade():
    with pytest.raises(SchemaError) as info:
        load_form_text((BAD / "unknown_type.yaml").read_text(), "e4.yaml")
    assert len(info.value.problems) == 1


def test_check_directory_reports_every_problem(tmp_path):
    for name in ("bad_tab.yaml", "repeat_min_max.yaml", "bad_version.yaml"):
        (tmp_path / name).write_text((BAD / name).read_text())
    problems = check_directory(tmp_path)
    assert len(problems) == 4
    assert all(":" in p and p.split(":")[1].isdigit() for p in problems)
    with pytest.raises(SchemaError) as info:
        load_forms(tmp_path)
    assert info.value.problems == problems


def test_duplicate_form_keys_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(DESIGN_EXAMPLE)
    (tmp_path / "b.yaml").write_text(DESIGN_EXAMPLE)
    problems = check_directory(tmp_path)
    assert len(problems) == 1
    assert 'b.yaml:1: form key "early-years-request" is also used by' in problems[0]
    assert problems[0].endswith("a.yaml")


def test_missing_directory():
    assert "does not exist" in check_directory("/nonexistent/forms")[0]


def test_versions_and_archive(tmp_path):
    (tmp_path / "_archive").mkdir()
    v3 = DESIGN_EXAMPLE
    v2 = DESIGN_EXAMPLE.replace("version: 3", "version: 2").replace(
        "title: Parental consent", "title: Consent (old)")
    (tmp_path / "early-years-request.yaml").write_text(v3)
    (tmp_path / "_archive" / "early-years-request.v2.yaml").write_text(v2)
    registry = load_registry(tmp_path)
    assert registry.versions("early-years-request") == [2, 3]
    assert registry.get("early-years-request").version == 3
    assert registry.get("early-years-request", 2).step("consent").title == "Consent (old)"
    assert "early-years-request" in registry and len(registry) == 1
    assert list(load_forms(tmp_path)) == ["early-years-request"]
    with pytest.raises(KeyError):
        registry.get("early-years-request", 1)


def test_archive_must_match_its_name_and_be_older(tmp_path):
    (tmp_path / "_archive").mkdir()
    (tmp_path / "early-years-request.yaml").write_text(DESIGN_EXAMPLE)
    (tmp_path / "_archive" / "early-years-request.v1.yaml").write_text(DESIGN_EXAMPLE)
    (tmp_path / "_archive" / "early-years-request.v3.yaml").write_text(DESIGN_EXAMPLE)
    (tmp_path / "_archive" / "old.yaml").write_text(DESIGN_EXAMPLE)
    problems = check_directory(tmp_path)
    assert len(problems) == 3
    assert any("the file name says early-years-request version 1" in p for p in problems)
    assert any("is not older than the current version 3" in p for p in problems)
    assert any("must be named <key>.v<version>.yaml" in p for p in problems)


def test_engine_imports_nothing_of_the_web():
    code = ("import sys; sys.path.insert(0, %r); import engine; "
            "bad = [m for m in ('flask', 'models', 'services', 'blueprints', 'portal') "
            "if m in sys.modules]; assert not bad, bad" % str(ROOT))
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")


def test_shipped_schemas_load():
    directory = ROOT / "schemas" / "forms"
    if not directory.is_dir() or not any(directory.glob("*.yaml")):
        pytest.skip("schemas/forms is still empty: the form catalogue is being written")
    assert check_directory(directory) == []
    forms = load_forms(directory)
    assert forms
    for form in forms.values():
        assert form.steps
