"""The journey: visibility, completeness, navigation, Add More rows, saving and the summary."""

import datetime as dt

import pytest

from engine import (RAW, SUMMARY, Journey, check_declarations, load_form_text,
                    prefill_child_details, save_step)

TODAY = dt.date(2026, 5, 1)

FORM = load_form_text("""\
key: adults-advice
title: Adults Services Advice
tab: assessment
version: 1
started_by: [professional]
pdf: true
steps:
  - key: work-details
    title: Work Details
    kind: work_profile
  - key: child
    title: Child / Young Person Details
    kind: child_details
  - key: about
    title: About you
    fields:
      - {name: care_direct, type: text, label: "What is the young person's Care Direct number?", required: true}
      - {name: describes, type: radios, label: "Which of the following best describes you?", options: describes, required: true}
      - {name: other, type: textarea, label: Please describe your role, required: true, show_if: {field: describes, equals: Other}}
      - {name: guide, type: content, text: Read the consent statement to the young person.}
  - key: needs
    title: Social care needs
    fields:
      - {name: has_needs, type: yesno, label: "Are there needs not linked to SEN?", required: true}
  - key: consent
    title: Record of verbal consent
    show_if: {field: needs.has_needs, equals: "Yes"}
    repeat: {min: 1, max: 3, label: Consent record}
    fields:
      - {name: name, type: text, label: Name, required: true}
      - {name: verbal, type: yesno, label: Verbal consent given, required: true}
      - {name: restrictions, type: textarea, label: "Any restrictions on consent?", show_if: {field: verbal, equals: "Yes"}}
      - {name: date, type: date, label: Date consent was obtained, past: true}
  - key: reports
    title: Reports
    fields:
      - {name: report, type: file, label: Your report, required: true}
      - {name: notes, type: textarea, label: Notes, show_if: {field: about.describes, in: [Other]}}
lists:
  describes: [Social worker, Other]
""", "adults-advice.yaml")

CHILD = {"forename": "Aaron", "surname": "Aardvaark", "gender": "Male",
         "date_of_birth": "2010-04-30"}


def answers_up_to(step):
    """Complete answers for every step before ``step``."""
    full = {
        "work-details": {"work_profile_id": 7},
        "child": dict(CHILD),
        "about": {"care_direct": "004021", "describes": "Social worker"},
        "needs": {"has_needs": "No"},
        "reports": {"report": [3]},
    }
    out = {}
    for key in FORM.step_keys:
        if key == step:
            break
        if key in full:
            out[key] = full[key]
    return out


def test_steps_and_step_level_condition():
    journey = Journey(FORM, answers_up_to(None), today=TODAY)
    assert [s.key for s in journey.visible_steps()] == [
        "work-details", "child", "about", "needs", "reports", SUMMARY]
    answers = answers_up_to(None)
    answers["needs"] = {"has_needs": "Yes"}
    journey = Journey(FORM, answers, today=TODAY)
    assert "consent" in [s.key for s in journey.visible_steps()]
    assert journey.step_number("consent") == 5


def test_field_conditions_same_step_and_other_step():
    journey = Journey(FORM, {"about": {"describes": "Social worker"}})
    assert [f.name for f in journey.visible_fields("about")] == [
        "care_direct", "describes", "guide"]
    assert [f.name for f in journey.visible_fields("reports")] == ["report"]
    journey = Journey(FORM, {"about": {"describes": "Other"}})
    assert "other" in [f.name for f in journey.visible_fields("about")]
    assert "notes" in [f.name for f in journey.visible_fields("reports")]


def test_hidden_field_is_ignored_for_completeness_and_summary():
    answers = answers_up_to(None)
    answers["about"] = {"care_direct": "1", "describes": "Social worker", "other": "stale"}
    journey = Journey(FORM, answers, today=TODAY)
    assert journey.is_complete("about")
    about = next(s for s in journey.summary() if s.step_key == "about")
    assert [r.label for r in about.rows] == [
        "What is the young person's Care Direct number?", "Which of the following best describes you?"]


def test_completeness_and_can_visit():
    journey = Journey(FORM, {}, today=TODAY)
    assert journey.first_incomplete() == "work-details"
    assert journey.can_visit("work-details")
    assert not journey.can_visit("child")
    assert not journey.can_visit(SUMMARY)
    assert not journey.can_visit("consent")  # hidden
    assert journey.status("child") == "cannot-start"

    journey = Journey(FORM, answers_up_to("about"), today=TODAY)
    assert journey.is_complete("work-details") and journey.is_complete("child")
    assert journey.first_incomplete() == "about"
    assert journey.can_visit("about") and not journey.can_visit("needs")
    assert journey.status("about") == "incomplete"

    # A later step already complete can be revisited even with a gap before it.
    answers = answers_up_to("about")
    answers["reports"] = {"report": [3]}
    journey = Journey(FORM, answers, today=TODAY)
    assert journey.can_visit("reports") and not journey.can_visit("needs")

    journey = Journey(FORM, answers_up_to(None), today=TODAY)
    assert journey.all_complete()
    assert journey.first_incomplete() == SUMMARY
    assert journey.can_visit(SUMMARY)
    assert journey.missing_for_submit() == []


def test_unsaved_step_without_required_fields_is_not_complete():
    journey = Journey(FORM, answers_up_to("about"), today=TODAY)
    assert not journey.is_complete("about")


def test_work_profile_and_child_details_kinds():
    journey = Journey(FORM, {"work-details": {}, "child": {"forename": "A"}}, today=TODAY)
    assert not journey.is_complete("work-details")
    assert not journey.is_complete("child")
    assert journey.errors("child")["surname"] == "Enter surname"
    answers = prefill_child_details(FORM, {"child": {"forename": "Aron"}}, CHILD)
    assert answers["child"]["forename"] == "Aron"  # the user's answer wins
    assert answers["child"]["surname"] == "Aardvaark"
    assert Journey(FORM, answers, today=TODAY).is_complete("child")


def test_next_and_previous():
    journey = Journey(FORM, answers_up_to(None), today=TODAY)
    assert journey.next_step("work-details") == "child"
    assert journey.next_step("needs") == "reports"  # consent hidden
    assert journey.next_step("reports") == SUMMARY
    assert journey.next_step(SUMMARY) is None
    assert journey.previous_step("reports") == "needs"
    assert journey.previous_step("work-details") is None
    assert journey.previous_step(SUMMARY) == "reports"
    # From a step that is hidden now, carry on from where it sits.
    assert journey.next_step("consent") == "reports"
    assert journey.previous_step("consent") == "needs"


def test_repeat_step_needs_min_complete_rows():
    answers = answers_up_to(None)
    answers["needs"] = {"has_needs": "Yes"}
    journey = Journey(FORM, answers, today=TODAY)
    assert not journey.is_complete("consent")
    assert journey.missing_for_submit() == [
        ("consent", "Add at least 1 consent record in Record of verbal consent")]
    answers["consent"] = [{"name": "Mum", "verbal": "Yes"}, {"name": "Dad"}]
    journey = Journey(FORM, answers, today=TODAY)
    assert journey.errors("consent") == {"verbal-1": "Select verbal consent given"}
    assert journey.missing_for_submit() == [("consent", "Complete Record of verbal consent")]
    answers["consent"][1]["verbal"] = "No"
    assert Journey(FORM, answers, today=TODAY).is_complete("consent")


def test_missing_required_attachment_blocks_submit():
    answers = answers_up_to(None)
    answers["reports"] = {}
    journey = Journey(FORM, answers, today=TODAY)
    assert journey.missing_for_submit() == [("reports", "Upload your report")]


# --- saving --------------------------------------------------------------------------------

def test_save_ordinary_step_and_ignore_unknown_names():
    raw = {"care_direct": ["  004021 "], "describes": ["Other"], "other": ["<script>x</script>"],
           "is_admin": ["1"], "guide": ["overwrite"]}
    answers, errors = save_step(FORM, {}, "about", raw, today=TODAY)
    assert errors == {}
    assert answers == {"about": {"care_direct": "004021", "describes": "Other",
                                 "other": "<script>x</script>"}}


def test_save_checks_revealed_follow_up_in_same_save():
    raw = {"care_direct": ["1"], "describes": ["Other"]}
    answers, errors = save_step(FORM, {}, "about", raw, today=TODAY)
    assert errors == {"other": "Enter please describe your role"}
    raw = {"care_direct": ["1"], "describes": ["Social worker"]}
    answers, errors = save_step(FORM, {}, "about", raw, today=TODAY)
    assert errors == {}


def test_save_keeps_valid_answers_and_raw_input_of_invalid_ones():
    before = {"about": {"care_direct": "old", "describes": "Social worker"}}
    raw = {"care_direct": ["x" * 10_000], "describes": ["Social worker"]}
    answers, errors = save_step(FORM, before, "about", raw, today=TODAY)
    assert errors == {"care_direct":
                      "The young person's care direct number must be 500 characters or fewer"}
    assert answers["about"]["describes"] == "Social worker"
    assert "care_direct" not in answers["about"]
    assert answers["about"][RAW] == {"care_direct": "x" * 10_000}
    assert before["about"]["care_direct"] == "old"  # the input is not mutated
    journey = Journey(FORM, answers, today=TODAY)
    assert not journey.is_complete("about")
    assert journey.form_values("about")["care_direct"] == "x" * 10_000
    assert journey.errors("about") == errors
    # Fixing it clears the raw copy.
    answers, errors = save_step(FORM, answers, "about",
                                {"care_direct": ["1"], "describes": ["Social worker"]}, today=TODAY)
    assert errors == {} and RAW not in answers["about"]


def test_absent_fields_are_emptied_unless_partial():
    before = {"about": {"care_direct": "1", "describes": "Social worker"}}
    answers, errors = save_step(FORM, before, "about", {"care_direct": ["2"]}, today=TODAY)
    assert answers["about"] == {"care_direct": "2"}
    assert errors == {"describes": "Select which of the following best describes you"}
    answers, errors = save_step(FORM, before, "about", {"care_direct": ["2"]}, partial=True,
                                today=TODAY)
    assert answers["about"] == {"care_direct": "2", "describes": "Social worker"}
    assert errors == {}


def test_save_date_field_keeps_parts():
    raw = {"name-0": ["Mum"], "verbal-0": ["No"], "date-0-day": ["31"], "date-0-month": ["2"],
           "date-0-year": ["2020"]}
    answers, errors = save_step(FORM, {}, "consent", raw, today=TODAY)
    assert errors == {"date-0": "Date consent was obtained must be a real date"}
    assert answers["consent"][0][RAW]["date"] == {"day": "31", "month": "2", "year": "2020"}
    values = Journey(FORM, answers).form_values("consent", 0)
    assert values["date"] == {"day": "31", "month": "2", "year": "2020"}
    raw["date-0-day"] = ["29"]
    answers, errors = save_step(FORM, answers, "consent", raw, today=TODAY)
    assert errors == {} and answers["consent"][0]["date"] == "2020-02-29"


ROW = {"name-0": ["Mum"], "verbal-0": ["Yes"], "restrictions-0": ["None"]}


def test_repeat_rows_add_more_up_to_max():
    answers, errors = save_step(FORM, {}, "consent", ROW, add_row=True, today=TODAY)
    assert errors == {}
    assert answers["consent"] == [{"name": "Mum", "verbal": "Yes", "restrictions": "None"}, {}]
    raw = dict(ROW, **{"name-1": ["Dad"], "verbal-1": ["No"]})
    answers, errors = save_step(FORM, answers, "consent", raw, add_row=True, today=TODAY)
    answers, errors = save_step(FORM, answers, "consent", raw, add_row=True, today=TODAY)
    assert len(answers["consent"]) == 3  # max 3
    journey = Journey(FORM, answers)
    assert not journey.can_add_row("consent")


def test_trailing_empty_row_is_dropped_on_save():
    answers, _ = save_step(FORM, {}, "consent", ROW, add_row=True, today=TODAY)
    answers, errors = save_step(FORM, answers, "consent", ROW, today=TODAY)
    assert errors == {} and len(answers["consent"]) == 1


def test_rows_posted_beyond_max_are_ignored():
    raw = dict(ROW, **{"name-999": ["Intruder"], "name-1": ["Dad"], "verbal-1": ["No"]})
    answers, errors = save_step(FORM, {}, "consent", raw, today=TODAY)
    assert [r["name"] for r in answers["consent"]] == ["Mum", "Dad"]


def test_row_condition_uses_same_row():
    raw = dict(ROW, **{"name-1": ["Dad"], "verbal-1": ["No"], "restrictions-1": ["hidden"]})
    answers, errors = save_step(FORM, {}, "consent", raw, today=TODAY)
    journey = Journey(FORM, answers)
    assert "restrictions" in [f.name for f in journey.visible_fields("consent", 0)]
    assert "restrictions" not in [f.name for f in journey.visible_fields("consent", 1)]


def test_remove_row_and_refill_to_min():
    raw = dict(ROW, **{"name-1": ["Dad"], "verbal-1": ["maybe"]})
    answers, errors = save_step(FORM, {}, "consent", raw, today=TODAY)
    assert errors == {"verbal-1": "Select verbal consent given"}
    answers, errors = save_step(FORM, answers, "consent", raw, remove_row=1, today=TODAY)
    assert errors == {}
    assert [r["name"] for r in answers["consent"]] == ["Mum"]
    answers, errors = save_step(FORM, answers, "consent", ROW, remove_row=0, today=TODAY)
    assert answers["consent"] == [{}]  # min 1: an empty row stays
    assert errors == {}


def test_remove_first_row_renumbers_errors():
    raw = {"name-0": ["Mum"], "verbal-0": ["Yes"], "name-1": [""], "verbal-1": ["No"],
           "name-2": ["Gran"], "verbal-2": ["No"]}
    answers, errors = save_step(FORM, {}, "consent", raw, remove_row=0, today=TODAY)
    assert [r.get("name") for r in answers["consent"]] == [None, "Gran"]
    assert errors == {"name-0": "Enter name"}


def test_summary_sections():
    answers = answers_up_to(None)
    answers["about"]["describes"] = "Other"
    answers["about"]["other"] = "Team lead"
    answers["needs"] = {"has_needs": "Yes"}
    answers["consent"] = [{"name": "Mum", "verbal": "Yes", "date": "2026-04-30"},
                          {"name": "Dad", "verbal": "No", "restrictions": "hidden"}]
    journey = Journey(FORM, answers, today=TODAY)
    sections = journey.summary(file_name={3: "report.pdf"}.get,
                               work_profile=lambda pid: f"Profile {pid}")
    by_key = {s.step_key: s for s in sections}
    assert list(by_key) == ["work-details", "child", "about", "needs", "consent", "reports"]
    assert [tuple(r) for r in by_key["work-details"].rows] == [("Work profile", "Profile 7")]
    child = dict(tuple(r) for r in by_key["child"].rows)
    assert child["Date of Birth"] == "30 April 2010"
    assert child["Ethnicity"] == "Not provided"
    consent = by_key["consent"]
    assert [i.title for i in consent.items] == ["Consent record 1", "Consent record 2"]
    assert [tuple(r) for r in consent.items[0].rows] == [
        ("Name", "Mum"), ("Verbal consent given", "Yes"),
        ("Any restrictions on consent?", "Not provided"),
        ("Date consent was obtained", "30 April 2026")]
    assert "Any restrictions on consent?" not in [r.label for r in consent.items[1].rows]
    assert consent.items[1].rows[0].anchor == "name-1"
    assert consent.items[0].rows[3].anchor == "date-0-day"
    reports = dict(tuple(r) for r in by_key["reports"].rows)
    assert reports == {"Your report": "report.pdf", "Notes": "Not provided"}


def test_unknown_step_raises():
    with pytest.raises(KeyError):
        save_step(FORM, {}, "nope", {})
    with pytest.raises(KeyError):
        Journey(FORM, {}).is_complete("nope")


def test_declarations():
    statements = FORM.declaration_statements(["One", "Two"])
    assert check_declarations(statements, {"agree-0": ["yes"]}) == {
        "agree-1": "Select “I agree” to confirm this statement"}
    assert check_declarations(statements, {"agree-0": ["yes"], "agree-1": ["yes"]}) == {}
    assert len(FORM.declaration_statements()) == 2  # the engine's defaults


@pytest.mark.parametrize("raw_value, complete", [("Yes", False), ("No", True)])
def test_journey_table_needs_branch(raw_value, complete):
    answers = answers_up_to(None)
    answers, errors = save_step(FORM, answers, "needs", {"has_needs": [raw_value]}, today=TODAY)
    assert errors == {}
    assert Journey(FORM, answers, today=TODAY).all_complete() is complete
