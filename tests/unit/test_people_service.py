"""services/people/people.py: paging, filters, search words, date-of-birth rules, who may see whom."""
import datetime as dt
from types import SimpleNamespace

import pytest

import models
from models import AuditEvent, Link, Person
from services.kernel import paging
from services.people import links, people


@pytest.mark.parametrize("total, number, expected", [
    (0, 1, [1]),
    (50, 1, [1]),
    (51, 1, [1, 2]),
    (500, 1, [1, 2, None, 10]),
    (500, 5, [1, None, 4, 5, 6, None, 10]),
    (500, 10, [1, None, 9, 10]),
    (150, 2, [1, 2, 3]),
])
def test_page_numbers_with_ellipses(total, number, expected):
    page = paging.Page([], total, number, 50)
    assert page.numbers() == expected
    assert page.has_previous == (number > 1) and page.has_next == (number < page.pages)


@pytest.mark.parametrize("raw, expected", [
    (None, 1), ("", 1), ("3", 3), ("0", 1), ("-1", 1), ("abc", 1), ("2.0", 1), (" 7 ", 7),
    ("1" * 19, 10 ** 18), ("9" * 5000, 10 ** 18), ("٣", 1),
])
def test_page_number_from_the_query_string(raw, expected):
    assert paging.page_number(raw) == expected


def test_clamp_page():
    assert paging.clamp_page(10 ** 18, 120, 50) == 3
    assert paging.clamp_page(0, 120, 50) == 1
    assert paging.clamp_page(5, 0, 50) == 1


@pytest.mark.parametrize("raw, expected", [
    ("active", "active"), ("Hidden", "hidden"), (" ALL ", "all"), ("", "active"),
    (None, "active"), ("deleted", "active"), ("<b>", "active"),
])
def test_person_filter_values(raw, expected):
    assert people.normalise_filter(raw) == expected


def test_search_words():
    assert people.search_terms("Zzthompson, Zzpoppy") == ["Zzthompson", "Zzpoppy"]
    assert people.search_terms("  a\x00b  ") == ["ab"]
    assert people.search_terms("a b c d e f g") == ["a", "b", "c", "d", "e"]
    assert len("".join(people.search_terms("x" * 10000))) == people.MAX_SEARCH
    assert people.search_terms(None) == []


@pytest.mark.parametrize("born, problem", [
    (dt.date(2026, 1, 1), None),
    (dt.date(2001, 1, 1), None),  # 25 today
    (dt.date(2000, 1, 2), None),  # 25, 26 tomorrow
    (dt.date(2000, 1, 1), "The child or young person must be 25 or younger"),  # 26 today
    (dt.date(2026, 1, 2), "Date of birth must be today or in the past"),
    (dt.date(2024, 2, 29), None),
])
def test_date_of_birth_rules(born, problem):
    assert people.date_of_birth_problem(born, today=dt.date(2026, 1, 1)) == problem


def test_age_on_a_leap_day_birthday():
    assert people.age_on(dt.date(2004, 2, 29), dt.date(2025, 2, 28)) == 20
    assert people.age_on(dt.date(2004, 2, 29), dt.date(2025, 3, 1)) == 21


def test_forms_for_tab_keeps_the_seed_order():
    forms = {key: SimpleNamespace(key=key, title=title, tab=tab) for key, title, tab in [
        ("post16-request", "Post 16", "request"),
        ("early-years-request", "Early Years", "request"),
        ("zz-council-extra", "A council's own form", "request"),
        ("e4-educational-psychologist", "E4", "assessment"),
    ]}
    registry = SimpleNamespace(current=lambda: forms)
    assert [f.key for f in people.forms_for_tab(registry, "request")] == [
        "early-years-request", "post16-request", "zz-council-extra"]
    assert people.forms_for_tab(registry, "plan") == []
    assert people.normalise_tab("PLAN") == "plan" and people.normalise_tab("x") == "request"


# --- With a database ---------------------------------------------------------------------------

@pytest.fixture
def db(app):
    with app.app_context():
        yield


def _person(forename="Zzpoppy", surname="Zzthompson", born=dt.date(2012, 10, 8)):
    return Person.create(forename=forename, surname=surname, date_of_birth=born)


def test_person_for_only_finds_my_current_links(db, make_user):
    me, other = make_user("me@example.org"), make_user("other@example.org")
    mine, theirs, ended = _person(), _person("Zzsecret"), _person("Zzgone")
    links.link(mine, me)
    links.link(theirs, other)
    Link.create(user=me, person=ended, ended_at=models.utcnow())
    assert people.person_for(me, mine.id).link.user_id == me.id
    for bad in (theirs.id, ended.id, 0, -1, 10 ** 30, "abc", None, "1; DROP TABLE person"):
        assert people.person_for(me, bad) is None, bad


def test_duplicates_are_looked_for_among_my_children_only(db, make_user):
    me, other = make_user("me@example.org"), make_user("other@example.org")
    links.link(_person(), me)
    links.link(_person(), other)
    found = people.linked_duplicates(me, " ZZPOPPY", "zzthompson ", dt.date(2012, 10, 8))
    assert len(found) == 1 and found[0].link.user_id == me.id
    assert people.linked_duplicates(me, "Zzpoppy", "Zzthompson", dt.date(2012, 10, 9)) == []


def test_update_details_records_before_and_after(db, make_user):
    me = make_user("me@example.org")
    person = _person()
    links.link(person, me)
    data = {name: getattr(person, name) for name in people.DETAIL_FIELDS}
    assert people.update_details(me, person, data) == {}
    changes = people.update_details(me, person, {**data, "surname": "Zzsmith",
                                                 "date_of_birth": dt.date(2012, 10, 9)})
    assert changes == {"surname": ["Zzthompson", "Zzsmith"],
                       "date_of_birth": ["2012-10-08", "2012-10-09"]}
    assert Person.get_by_id(person.id).surname == "Zzsmith"
    event = AuditEvent.get(AuditEvent.action == "person-details-changed")
    assert event.detail == {"changes": changes} and event.person_id == person.id


def test_link_reopens_an_ended_link(db, make_user):
    me, officer = make_user("me@example.org"), make_user("officer@example.org", role="officer")
    person = _person()
    Link.create(user=me, person=person, ended_at=models.utcnow())
    assert not people.is_linked(me, person)
    links.link(person, me, how="sen-team", linked_by=officer)
    assert people.is_linked(me, person)
    assert Link.select().count() == 1
    assert people.linked_users(person)[0].id == me.id
