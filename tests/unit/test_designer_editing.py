"""The form designer's editing operations (services/forms_design/editing.py): each returns a new
dict the engine loads, or refuses with a sentence tied to the control that caused it."""
import copy
import json

import pytest
import yaml

from engine import fields as ft
from engine.schema import load_form_text
from services.forms_design import editing
from services.forms_design.editing import Refused


def base():
    return {
        "key": "zz-speech-update", "title": "Zz Speech Therapy Update", "tab": "assessment",
        "version": 1, "started_by": ["professional"], "pdf": True,
        "lists": {"sizes": ["Small", "Large"]},
        "steps": [
            {"key": "about", "title": "About", "fields": [
                {"name": "seen", "type": "yesno", "label": "Seen this term?", "required": True},
                {"name": "when_seen", "type": "date", "label": "When", "past": True,
                 "show_if": {"field": "seen", "equals": "Yes"}},
                {"name": "notes", "type": "textarea", "label": "Notes"},
            ]},
            {"key": "sessions", "title": "Sessions", "repeat": {"min": 1, "max": 4, "label": "Session"},
             "fields": [{"name": "place", "type": "text", "label": "Place"}]},
        ],
    }


def loads(data):
    """The engine accepts the dict (what store.save_draft will check)."""
    return load_form_text(yaml.safe_dump(data, sort_keys=False))


def refused(call, *args):
    with pytest.raises(Refused) as caught:
        call(*args)
    return caught.value.errors


def test_operations_never_change_the_dict_they_are_given():
    data = base()
    before = copy.deepcopy(data)
    editing.set_properties(data, {"title": "New", "tab": "plan", "started_by": ["officer"], "pdf": "no"})
    editing.move_step(data, "sessions", -1)
    editing.remove_field(data, "about", "notes")
    assert data == before


def test_set_properties_writes_every_property_and_the_engine_loads_it():
    posted = {"title": "Zz Update", "tab": "review", "intro": "Tell us.", "due_days": "42",
              "pdf": "no", "started_by": ["professional", "citizen"],
              "declarations": "I confirm it.\n\nI agree."}
    form = loads(editing.set_properties(base(), posted))
    assert (form.title, form.tab, form.intro, form.due_days, form.pdf) == (
        "Zz Update", "review", "Tell us.", 42, False)
    assert form.started_by == ("professional", "citizen")
    assert form.declarations == ("I confirm it.", "I agree.")
    cleared = editing.set_properties(editing.set_properties(base(), posted),
                                     {**posted, "due_days": "", "declarations": "", "intro": ""})
    assert "due_days" not in cleared and "declarations" not in cleared and "intro" not in cleared


def test_set_properties_refuses_each_bad_control():
    errors = refused(editing.set_properties, base(), {"title": "", "tab": "nowhere",
                                                      "due_days": "soon", "pdf": ""})
    assert set(errors) == {"title", "tab", "started_by", "due_days", "pdf"}
    assert errors["due_days"] == "Due days must be a whole number of days, 1 or more"


def test_add_step_with_add_more_settings_and_a_first_question():
    new, key = editing.add_step(base(), {"step_title": "Therapy goals", "step_intro": "Goals.",
                                         "repeat": "yes", "repeat_min": "0", "repeat_max": "5",
                                         "repeat_label": "Goal", "first_label": "Goal"})
    form = loads(new)
    step = form.step(key)
    assert key == "therapy-goals" and step.intro == "Goals."
    assert (step.repeat.min, step.repeat.max, step.repeat.label) == (0, 5, "Goal")
    assert [f.label for f in step.fields] == ["Goal"]
    again, second = editing.add_step(new, {"step_title": "Therapy goals", "first_label": "X"})
    assert second == "therapy-goals-2" and loads(again).step(second).repeat is None


def test_add_step_refusals_are_at_their_controls():
    errors = refused(editing.add_step, base(), {"step_title": "", "first_label": "",
                                                "repeat": "yes", "repeat_min": "5", "repeat_max": "2"})
    assert set(errors) == {"step_title", "first_label", "repeat_min"}
    assert "cannot be more than" in errors["repeat_min"]


def test_set_step_changes_title_and_removes_add_more():
    new = editing.set_step(base(), "sessions", {"step_title": "Visits", "repeat": "no"})
    step = loads(new).step("sessions")
    assert step.title == "Visits" and step.repeat is None


def test_move_step_and_the_ends_refuse():
    new = editing.move_step(base(), "sessions", -1)
    assert [s["key"] for s in new["steps"]] == ["sessions", "about"]
    loads(new)
    assert "already first" in refused(editing.move_step, base(), "about", -1)["move"]
    assert "already last" in refused(editing.move_step, base(), "sessions", +1)["move"]


def test_remove_step_refuses_the_only_step_and_a_step_a_condition_uses():
    data = base()
    data["steps"][1]["show_if"] = {"field": "about.seen", "equals": "No"}
    loads(data)
    assert "used by the condition" in refused(editing.remove_step, data, "about")["remove"]
    only = editing.remove_step(base(), "sessions")
    assert [s["key"] for s in only["steps"]] == ["about"]
    assert "at least one step" in refused(editing.remove_step, only, "about")["remove"]


def test_controls_follow_the_field_type_registry():
    for name, _words in editing.field_types():
        keys = {c["key"] for c in editing.controls_for(name)}
        ftype = ft.get_type(name)
        expected = set(ftype.keys) - {"past", "future"}
        assert expected <= keys, name
        assert ("label" in keys) == ftype.has_value
    assert "work_profile" not in dict(editing.field_types())
    assert {c["key"] for c in editing.controls_for("date")} == {"label", "hint", "required", "date_rule"}
    assert {c["key"] for c in editing.controls_for("file")} == {"label", "hint", "required", "accept", "max"}
    assert "options" in {c["key"] for c in editing.controls_for("select")}


def test_add_a_select_with_options_and_a_field_shown_for_one_answer():
    new, name = editing.set_field(base(), "about", {
        "type": "select", "name": "therapy", "label": "Therapy type", "required": "yes",
        "options": "Speech\nLanguage\nFeeding"})
    choices = editing.condition_choices(new, "about")
    shown = next(c["value"] for c in choices if c["text"] == "“Therapy type” is Feeding")
    new, second = editing.set_field(new, "about", {"type": "textarea", "label": "Feeding plan",
                                                   "show_if": shown})
    form = loads(new)
    field = form.step("about").field(second)
    assert second == "feeding_plan"
    assert (field.show_if.name, field.show_if.values) == ("therapy", ("Feeding",))
    assert [o.value for o in form.step("about").field(name).options] == ["Speech", "Language", "Feeding"]


def test_a_file_field_a_shared_list_and_a_date_rule():
    new, _ = editing.set_field(base(), "sessions", {"type": "file", "name": "report",
                                                    "label": "Report", "accept": "pdf, .DOCX",
                                                    "max": "2"})
    new, _ = editing.set_field(new, "sessions", {"type": "radios", "name": "size", "label": "Size",
                                                 "options_list": "sizes"})
    new, _ = editing.set_field(new, "sessions", {"type": "date", "name": "next_visit",
                                                 "label": "Next visit", "date_rule": "future"})
    step = loads(new).step("sessions")
    assert step.field("report").accept == ("pdf", "docx") and step.field("report").max == 2
    assert [o.value for o in step.field("size").options] == ["Small", "Large"]
    assert step.field("next_visit").future is True
    values = editing.field_values(new, editing.field_of(new, "sessions", "next_visit"))
    assert values["date_rule"] == "future"


def test_editing_a_field_keeps_option_values_when_the_lines_are_unchanged():
    data = base()
    data["steps"][0]["fields"].append({"name": "level", "type": "select", "label": "Level",
                                       "options": [{"value": "1", "label": "Low"},
                                                   {"value": "2", "label": "High"}]})
    posted = editing.field_values(data, editing.field_of(data, "about", "level"))
    posted["label"] = "Level of need"
    new, _ = editing.set_field(data, "about", posted, name="level")
    assert editing.field_of(new, "about", "level")["options"][1] == {"value": "2", "label": "High"}
    assert loads(new).step("about").field("level").label == "Level of need"


def test_refusal_duplicate_field_name():
    errors = refused(editing.set_field, base(), "about", {"type": "text", "name": "notes",
                                                          "label": "More notes"})
    assert errors == {"name": "This step already has a question named “notes”; choose another name"}


def test_refusal_select_without_options():
    errors = refused(editing.set_field, base(), "about", {"type": "select", "name": "pick",
                                                          "label": "Pick"})
    assert errors["options"].startswith("A drop-down list question needs options")


def test_refusal_condition_on_a_later_field():
    data = base()
    later = json.dumps(["notes", ["x"]])
    errors = refused(editing.set_field, data, "about",
                     {"type": "text", "name": "seen_where", "label": "Where", "show_if": later})
    assert "comes before this one" in errors["show_if"]
    # the drop-down offers only earlier questions: nothing on the first field ...
    assert editing.condition_choices(data, "about", "seen") == []
    # ... and never a later one
    offered = {json.loads(c["value"])[0] for c in editing.condition_choices(data, "about", "when_seen")}
    assert offered == {"seen"}
    # a move that would put a condition before its answer is refused too
    assert "earlier answer" in refused(editing.move_field, data, "about", "when_seen", -1)["move"]


def test_refusal_removing_a_field_a_condition_uses():
    errors = refused(editing.remove_field, base(), "about", "seen")
    assert errors["remove"].startswith("“Seen this term?” is used by the condition of “When”")
    new = editing.remove_field(base(), "about", "notes")
    assert [f["name"] for f in new["steps"][0]["fields"]] == ["seen", "when_seen"]
    assert "at least one question" in refused(editing.remove_field, base(), "sessions", "place")["remove"]


def test_renaming_a_field_a_condition_uses_is_refused():
    data = base()
    posted = editing.field_values(data, editing.field_of(data, "about", "seen"))
    posted["name"] = "seen_term"
    assert "change those conditions" in refused(editing.set_field, data, "about", posted, "seen")["name"]


def test_field_number_and_pattern_refusals():
    errors = refused(editing.set_field, base(), "about", {
        "type": "text", "name": "Bad Name", "label": "", "min": "9", "max": "2", "pattern": "(",
        "width": "huge"})
    assert set(errors) == {"name", "label", "min", "pattern", "width"}
    assert refused(editing.set_field, base(), "about", {"type": "nonsense"}) == {
        "type": "Choose the type of question"}


def test_move_field_down_and_up():
    new = editing.move_field(base(), "about", "notes", -1)
    assert [f["name"] for f in new["steps"][0]["fields"]] == ["seen", "notes", "when_seen"]
    loads(new)
    assert "already last" in refused(editing.move_field, base(), "about", "notes", +1)["move"]


def test_copy_field_from_the_bank_renames_and_brings_its_shared_list():
    field = {"name": "notes", "type": "select", "label": "Colour", "options": "colours",
             "show_if": {"field": "other", "equals": "Yes"}}
    new, name = editing.copy_field(base(), "about", field, lists={"colours": ["Red", "Blue"]})
    assert name == "notes_2"
    copied = loads(new).step("about").field("notes_2")
    assert copied.show_if is None and [o.value for o in copied.options] == ["Red", "Blue"]
    assert "shared list" in refused(editing.copy_field, base(), "about", field)["copy"]


def test_content_field_needs_text_and_gets_a_name():
    new, name = editing.set_field(base(), "about", {"type": "content", "text": "Read this."})
    assert name == "guidance" and loads(new).step("about").field("guidance").text == "Read this."
    assert "text" in refused(editing.set_field, base(), "about", {"type": "content"})


def test_bare_condition_names_resolve_as_the_engine_does():
    """A field's bare name may mean an earlier step's field; a step's bare name always does."""
    data = base()
    data["steps"].append({"key": "more", "title": "More", "show_if": {"field": "seen", "equals": "Yes"},
                          "fields": [{"name": "why", "type": "text", "label": "Why",
                                      "show_if": {"field": "seen", "equals": "No"}}]})
    loads(data)
    assert editing.users_of(data, "about", "seen") == ["“When”", "the step “More”", "“Why”"]
    assert "used by the condition" in refused(editing.remove_field, data, "about", "seen")["remove"]
    moved = editing.move_step(data, "more", -1)  # still after "About": allowed
    assert [s["key"] for s in moved["steps"]] == ["about", "more", "sessions"]
    assert "earlier answer" in refused(editing.move_step, moved, "more", -1)["move"]


@pytest.mark.parametrize("bad", ["inf", "nan", "1e400", "-inf", "1" + "0" * 400])
def test_a_number_limit_that_is_not_finite_is_refused_at_its_control(bad):
    """Review fix: float("inf") passed and int(inf) raised OverflowError (a 500)."""
    for key in ("min", "max"):
        errors = refused(editing.set_field, base(), "about", {
            "type": "number", "name": "visits", "label": "Visits", key: bad})
        assert errors == {key: {"min": "The minimum", "max": "The maximum"}[key] + " must be a number"}


def test_digits_that_are_not_0_to_9_are_refused_not_a_500():
    """Review fix: "²".isdigit() is True but int("²") raises ValueError."""
    posted = {"title": "Zz", "tab": "review", "pdf": "no", "started_by": ["professional"]}
    assert set(refused(editing.set_properties, base(), {**posted, "due_days": "²"})) == {"due_days"}
    errors = refused(editing.set_step, base(), "sessions", {
        "step_title": "Visits", "repeat": "yes", "repeat_min": "²", "repeat_max": "³"})
    assert set(errors) == {"repeat_min", "repeat_max"}
