"""The SEN team's rules without HTTP: the caseload's filters made safe, and the audit trail in
words. (Which events can follow which: tests/unit/test_case_rules.py.)"""
import datetime as dt

import pytest

from services.cases import caseload, trail

TODAY = dt.date(2026, 3, 16)
D = dt.timedelta


@pytest.mark.parametrize("args,expected", [
    ({}, ("", "", "", "")),
    ({"q": "  Zzpoppy,  Zzthompson ", "phase": "PLAN", "due": "week", "officer": "Mine"},
     ("Zzpoppy Zzthompson", "plan", "mine", "week")),
    ({"q": "x" * 10000, "phase": "nonsense", "due": "yesterday", "officer": "abc"},
     ("x" * 100, "", "", "")),
    ({"officer": "9" * 40}, ("", "", "", "")),
    ({"officer": "none", "phase": "closed"}, ("", "closed", "none", "")),
])
def test_caseload_filters_are_made_safe(app, args, expected):
    with app.app_context():
        filters = caseload.CaseloadFilters.from_args(args)
    assert (filters.search, filters.phase, filters.officer, filters.due) == expected


def test_days_text():
    assert caseload.days_text(TODAY + D(days=3), TODAY) == "due in 3 days"
    assert caseload.days_text(TODAY - D(days=1), TODAY) == "overdue by 1 day"
    assert caseload.days_text(None, TODAY) == ""


class Event:
    def __init__(self, action, **detail):
        self.action, self.detail, self.at = action, detail, None


@pytest.mark.parametrize("event,words", [
    (Event("person-viewed", page="forms: review"), "viewed the forms section (EHCP Reviews tab)"),
    (Event("person-viewed", page="details"), "viewed the child's details"),
    (Event("person-linked", linked_user="Zzsally Zzsenco"), "linked Zzsally Zzsenco to the child"),
    (Event("case-opened"), "opened a case"),
    (Event("something-new"), "something new"),
])
def test_audit_events_in_words(app, event, words):
    with app.app_context():
        assert trail.describe_event(event, "Zzsam Zztester")["what"] == words


def test_changes_get_labels(app):
    with app.app_context():
        described = trail.describe_event(Event(
            "case-event-changed", kind="draft-plan", changes={"on": ["2026-03-02", "2026-03-01"],
                                                              "bogus": "not a pair"}),
            "Zzsam Zztester")
    assert described["what"] == "corrected draft EHC plan issued"
    assert described["changes"] == [("Date", "2026-03-02", "2026-03-01")]


def _actions_about_a_child():
    """Every audit action the code records with a person_id (read from the source)."""
    import ast
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    found = set()
    for path in [*root.glob("services/**/*.py"), *root.glob("blueprints/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record"
                    and getattr(node.func.value, "id", "") == "audit" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and any(k.arg == "person_id" for k in node.keywords)):
                found.add(node.args[0].value)
    return sorted(found)


def test_every_action_about_a_child_is_said_in_words_on_the_case_page(app):
    actions = _actions_about_a_child()
    assert "subject-access-export" in actions and "document-uploaded" in actions
    with app.app_context():
        fallback = [a for a in actions
                    if trail.describe_event(Event(a), "Zzsam")["what"] == a.replace("-", " ")]
    assert fallback == []
