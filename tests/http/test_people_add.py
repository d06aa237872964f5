"""Add Person (Coventry guide 1.2.4): a new record linked to me for the SEN team to match;
duplicates among my own children are offered instead; nothing about other children leaks."""
import datetime as dt

import pytest

from models import AuditEvent, Link, Person
from tests.helpers import csrf_from
from tests.http.test_people_select import child

GUIDANCE = ("Please complete the child/young person's details below. To ensure successful "
            "submission, please copy the data in your internal database exactly (for example, "
            "SIMS, Arbor, Headcount portal) and ensure this is up to date.")


@pytest.fixture
def pro(app, client, make_user, signed_in):
    user = make_user("senco@example.org")
    signed_in(client, user)
    return user


def valid(**changes):
    data = {"forename": "Zzarlo", "middle_name": "Zzmiddle", "surname": "Zzbeetroot",
            "gender": "Male", "dob-day": "15", "dob-month": "3", "dob-year": "2021",
            "current_school": "Zz Little Acorns Nursery", "ethnicity": "White - British",
            "first_language": "English", "postcode": "ts18 1zz", "address": "1 Zz Street"}
    data.update(changes)
    return data


def post(client, data):
    token = csrf_from(client.get("/people/add"))
    return client.post("/people/add", data={**data, "csrf_token": token})


def test_the_page_has_the_seed_fields(client, pro):
    response = client.get("/people/add")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and ">Add Person</h1>" in html and GUIDANCE in html
    assert "Fields marked with a * are mandatory." in html
    for label in ("Forename*", "Middle Name", "Surname*", "Gender*", "Date of Birth*",
                  "Current School", "Ethnicity", "First Language", "Postcode", "Address",
                  "Please select a gender", ">\n  Submit\n</button>"):
        assert label in html, label
    for name in ("dob-day", "dob-month", "dob-year"):
        assert f'name="{name}"' in html


def test_adding_a_person_links_them_to_me_for_matching(app, client, pro):
    response = post(client, valid())
    assert response.status_code == 303
    with app.app_context():
        person = Person.get(Person.surname == "Zzbeetroot")
        link = Link.get(Link.person == person)
        event = AuditEvent.get(AuditEvent.action == "person-added")
    assert response.headers["Location"] == f"/people/{person.id}"
    assert person.needs_matching is True and person.created_by_id == pro.id
    assert person.date_of_birth == dt.date(2021, 3, 15) and person.postcode == "TS18 1ZZ"
    assert (person.middle_name, person.ethnicity) == ("Zzmiddle", "White - British")
    assert link.user_id == pro.id and link.how == "added" and link.linked_by_id == pro.id
    assert event.user_id == pro.id and event.person_id == person.id
    details = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "linked by you" in details and "has been added to your list" in details


def test_a_duplicate_of_my_own_child_is_offered(app, client, pro):
    mine = child(app, pro, "Zzarlo", "Zzbeetroot", "2021-03-15", school="Zz Little Acorns")
    response = post(client, valid(forename="ZZARLO", surname="zzbeetroot"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You already have ZZARLO zzbeetroot linked" in html
    assert "Use this record" in html and f'href="/people/{mine.id}"' in html
    assert "Add a new record anyway" in html
    with app.app_context():
        assert Person.select().count() == 1
    # "Add a new record anyway" posts what was typed again, confirmed.
    again = client.post("/people/add", data={**valid(forename="ZZARLO", surname="zzbeetroot"),
                                             "confirm": "new", "csrf_token": csrf_from(response)})
    assert again.status_code == 303
    with app.app_context():
        assert Person.select().count() == 2


def test_other_childrens_records_are_never_revealed(app, client, pro, make_user):
    other = make_user("other@example.org")
    child(app, other, "Zzarlo", "Zzbeetroot", "2021-03-15", school="Zz Secret School")
    child(app, pro, "Zzarlo", "Zzbeetroot", "2021-03-15", ended=True)  # no longer linked
    response = post(client, valid())
    assert response.status_code == 303  # a new record; no hint that others exist
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zz Secret School" not in html
    with app.app_context():
        assert Person.select().where(Person.surname == "Zzbeetroot").count() == 3


@pytest.mark.parametrize("changes, field, message", [
    ({"forename": ""}, "forename", "Enter the forename"),
    ({"surname": "   "}, "surname", "Enter the surname"),
    ({"forename": "x" * 10000}, "forename", "Forename must be 100 characters or fewer"),
    ({"surname": "<script>alert(1)</script>"}, "surname",
     "Surname must only include letters, spaces, hyphens and apostrophes"),
    ({"gender": ""}, "gender", "Select a gender"),
    ({"gender": "Wizard"}, "gender", "Select a gender from the list"),
    ({"ethnicity": "Martian"}, "ethnicity", "Select an ethnicity from the list"),
    ({"dob-day": "", "dob-month": "", "dob-year": ""}, "dob-day", "Enter date of birth"),
    ({"dob-day": "30", "dob-month": "2", "dob-year": "2015"}, "dob-day",
     "Date of birth must be a real date"),
    ({"dob-day": "1", "dob-month": "1", "dob-year": "2999"}, "dob-day",
     "Date of birth must be today or in the past"),
    ({"dob-day": "1", "dob-month": "1", "dob-year": "1990"}, "dob-day",
     "The child or young person must be 25 or younger"),
    ({"dob-day": "1", "dob-month": "", "dob-year": "2015"}, "dob-day",
     "Date of birth must include a month"),
    ({"dob-year": "15"}, "dob-day", "Date of birth must be a real date"),
    ({"dob-day": "9" * 5000}, "dob-day", "Date of birth must be a real date"),
    ({"postcode": "NOT A POSTCODE"}, "postcode", "Enter a real postcode, like TS18 1AU"),
    ({"current_school": "s" * 201}, "current_school",
     "Current School must be 200 characters or fewer"),
    ({"address": "a" * 10000}, "address", "Address must be 500 characters or fewer"),
])
def test_bad_input_is_explained_and_kept(app, client, pro, changes, field, message):
    response = post(client, valid(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and f'href="#{field}"' in html and message in html
    assert 'value="Zzbeetroot"' in html or field == "surname"
    with app.app_context():
        assert Person.select().count() == 0


def test_script_in_free_text_is_stored_as_typed_and_shown_escaped(app, client, pro):
    script = "<script>alert(1)</script>"
    response = post(client, valid(current_school=script, first_language=script, address=script))
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert script not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_duplicate_page_escapes_what_was_typed(app, client, pro):
    child(app, pro, "Zzarlo", "Zzbeetroot", "2021-03-15")
    html = post(client, valid(address='"><script>alert(1)</script>')).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html


def test_posting_needs_csrf(client, pro):
    assert client.post("/people/add", data=valid()).status_code == 400
