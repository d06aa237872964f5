"""Child details (Stockton guide p. 8) and the forms section's tabs (p. 9); who may see a child."""
import datetime as dt
import re

import pytest

from models import AuditEvent, Person
from tests.helpers import csrf_from
from tests.http.test_people_select import child

WARNING = ("You can change these details but only do so if you know the existing information "
           "is incorrect")


@pytest.fixture
def pro(app, client, make_user, signed_in):
    user = make_user("senco@example.org")
    signed_in(client, user)
    return user


@pytest.fixture
def poppy(app, pro):
    return child(app, pro, "Zzpoppy", "Zzthompson", school="Zz Bader Primary")


def form_of(person, **changes):
    data = {"forename": person.forename, "middle_name": "", "surname": person.surname,
            "gender": "Female", "dob-day": str(person.date_of_birth.day),
            "dob-month": str(person.date_of_birth.month),
            "dob-year": str(person.date_of_birth.year), "current_school": person.current_school,
            "ethnicity": "", "first_language": "", "postcode": person.postcode,
            "address": person.address}
    data.update(changes)
    return data


def events(app, action):
    with app.app_context():
        return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def test_details_show_the_child_with_the_warning(app, client, pro, poppy):
    response = client.get(f"/people/{poppy.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Zzthompson, Zzpoppy</h1>" in html and WARNING in html
    assert 'class="govuk-warning-text"' in html
    assert 'value="Zzpoppy"' in html and 'value="Zz Bader Primary"' in html
    assert 'name="dob-day" type="text" value="8"' in html
    assert 'value="2012"' in html and "Continue" in html
    assert response.headers["Cache-Control"] == "no-store"
    viewed = events(app, "person-viewed")
    assert len(viewed) == 1 and viewed[0].person_id == poppy.id and viewed[0].user_id == pro.id


def test_changes_are_saved_and_audited_with_before_and_after(app, client, pro, poppy):
    token = csrf_from(client.get(f"/people/{poppy.id}"))
    response = client.post(f"/people/{poppy.id}", data={
        **form_of(poppy, current_school="Zz Secondary Academy", **{"dob-day": "9"}),
        "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/people/{poppy.id}/forms"
    with app.app_context():
        saved = Person.get_by_id(poppy.id)
    assert saved.current_school == "Zz Secondary Academy"
    assert saved.date_of_birth == dt.date(2012, 10, 9)
    changed = events(app, "person-details-changed")
    assert len(changed) == 1 and changed[0].person_id == poppy.id
    assert changed[0].detail["changes"] == {
        "current_school": ["Zz Bader Primary", "Zz Secondary Academy"],
        "date_of_birth": ["2012-10-08", "2012-10-09"],
        "gender": ["", "Female"],
    }


def test_continue_without_changes_writes_no_change_event(app, client, pro, poppy):
    token = csrf_from(client.get(f"/people/{poppy.id}"))
    client.post(f"/people/{poppy.id}", data={**form_of(poppy), "csrf_token": token})
    token = csrf_from(client.get(f"/people/{poppy.id}"))
    response = client.post(f"/people/{poppy.id}", data={**form_of(poppy), "csrf_token": token})
    assert response.status_code == 303
    assert len(events(app, "person-details-changed")) == 1  # only the first (gender) change


def test_a_recorded_date_of_birth_over_25_can_be_kept(app, client, pro):
    audrey = child(app, pro, "Audrey", "ZzAubergine", "1990-08-02")
    token = csrf_from(client.get(f"/people/{audrey.id}"))
    response = client.post(f"/people/{audrey.id}", data={**form_of(audrey), "csrf_token": token})
    assert response.status_code == 303
    bad = client.post(f"/people/{audrey.id}", data={
        **form_of(audrey, **{"dob-year": "1989"}), "csrf_token": token})
    assert bad.status_code == 422
    assert "The child or young person must be 25 or younger" in bad.get_data(as_text=True)


@pytest.mark.parametrize("changes, message", [
    ({"dob-day": "30", "dob-month": "2", "dob-year": "2015"}, "Date of birth must be a real date"),
    ({"dob-year": str(dt.date.today().year + 1)}, "Date of birth must be today or in the past"),
    ({"forename": "x" * 10000}, "Forename must be 100 characters or fewer"),
    ({"surname": ""}, "Enter the surname"),
])
def test_bad_changes_are_explained_and_nothing_is_saved(app, client, pro, poppy, changes,
                                                        message):
    token = csrf_from(client.get(f"/people/{poppy.id}"))
    response = client.post(f"/people/{poppy.id}", data={**form_of(poppy, **changes),
                                                        "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in html and message in html
    if "dob-day" in changes:
        assert f'value="{changes["dob-day"]}"' in html  # typed values are kept
    assert events(app, "person-details-changed") == []


def test_script_in_every_field_is_refused_or_escaped(app, client, pro, poppy):
    script = "<script>alert(1)</script>"
    token = csrf_from(client.get(f"/people/{poppy.id}"))
    data = {name: script for name in form_of(poppy)}
    response = client.post(f"/people/{poppy.id}", data={**data, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and script not in html
    assert "&lt;script&gt;" in html


TABS = {"request": "Early Years Setting Request for EHCP Assessment",
        "assessment": "E4 Request Advice Educational Psychologist Advice",
        "plan": "Draft EHC Plan",
        "review": "Annual Review PRE Information and Supporting Documents"}


@pytest.mark.parametrize("tab, expected", TABS.items())
def test_the_forms_section_lists_each_tabs_forms(app, client, pro, poppy, tab, expected):
    response = client.get(f"/people/{poppy.id}/forms?tab={tab}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Zzthompson, Zzpoppy</h1>" in html and expected in html
    for key, label in (("request", "Request"), ("assessment", "Assessment"),
                       ("plan", "EHC Plan"), ("review", "EHCP Reviews")):
        assert f'href="/people/{poppy.id}/forms?tab={key}"' in html and f">{label}</a>" in html
    selected = re.search(r'govuk-tabs__list-item--selected">\s*<a[^>]*href="([^"]+)"', html)
    assert selected.group(1).endswith(f"tab={tab}")
    viewed = events(app, "person-viewed")
    assert viewed[-1].detail == {"page": f"forms: {tab}"}


def test_the_request_tab_lists_the_seed_forms_in_order(client, pro, poppy):
    html = client.get(f"/people/{poppy.id}/forms").get_data(as_text=True)
    titles = re.findall(r'<td class="govuk-table__cell"[^>]*>([^<]+)</td>', html)
    assert titles == ["Early Years Setting Request for EHCP Assessment",
                      "Primary Education Request for EHCP Assessment",
                      "Secondary Education Request for EHCP Assessment",
                      "Post 16 Education Request for EHCP Assessment"]
    assert "E4 Request" not in html


@pytest.mark.parametrize("tab", ["nonsense", "", "<script>", "x" * 3000])
def test_an_unknown_tab_is_the_request_tab(client, pro, poppy, tab):
    response = client.get(f"/people/{poppy.id}/forms", query_string={"tab": tab})
    assert response.status_code == 200
    assert "Early Years Setting Request for EHCP Assessment" in response.get_data(as_text=True)


def test_the_forms_fragment_for_htmx(client, pro, poppy):
    response = client.get(f"/people/{poppy.id}/forms?tab=review",
                          headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="forms-panel"' in html and "Annual or Interim Review Form EHCP" in html


# --- Access: only children linked to me and not ended -----------------------------------------

def _paths(person_id):
    return [f"/people/{person_id}", f"/people/{person_id}/forms",
            f"/people/{person_id}/forms?tab=plan"]


def test_another_professionals_child_is_not_found(app, client, pro, make_user):
    theirs = child(app, make_user("other@example.org"), "Zzsecret", "Zzelsewhere")
    ended = child(app, pro, "Zzgone", "Zzended", ended=True)
    for person in (theirs, ended):
        for path in _paths(person.id):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "Zzsecret" not in response.get_data(as_text=True)
        token = csrf_from(client.get("/people/add"))
        assert client.post(f"/people/{person.id}", data={
            **form_of(person), "csrf_token": token}).status_code == 404
    with app.app_context():
        assert Person.get_by_id(theirs.id).forename == "Zzsecret"
    assert events(app, "person-viewed") == []


@pytest.mark.parametrize("path", ["/people/0", "/people/-1", "/people/abc", "/people/99999",
                                  "/people/" + "9" * 40, "/people/" + "9" * 40 + "/forms",
                                  "/people/1%00", "/people/1.5/forms"])
def test_unknown_and_forged_ids_are_not_found(client, pro, poppy, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("role", ["citizen", "officer"])
def test_parents_and_officers_do_not_use_the_professional_area(app, client, make_user,
                                                               signed_in, role):
    owner = make_user("senco@example.org")
    poppy = child(app, owner, "Zzpoppy", "Zzthompson")
    other = make_user(f"{role}@example.org", role=role)
    child_of_parent = child(app, other, "Zzown", "Zzchild")
    signed_in(client, other)
    for path in ["/people/", "/people/add", *_paths(poppy.id), *_paths(child_of_parent.id)]:
        assert client.get(path).status_code == 404, path


def test_anonymous_visitors_are_sent_to_sign_in(app, client, make_user):
    poppy = child(app, make_user("senco@example.org"), "Zzpoppy", "Zzthompson")
    for path in ["/people/", "/people/add", *_paths(poppy.id)]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/people/{poppy.id}/hide").status_code in (302, 400)


def test_two_step_verification_is_needed_first(app, client, make_user, signed_in):
    user = make_user("new@example.org", two_step="")
    poppy = child(app, user, "Zzpoppy", "Zzthompson")
    signed_in(client, user, two_step_passed=False)
    for path in ["/people/", *_paths(poppy.id)]:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/")


def test_a_council_can_require_its_own_check_of_new_accounts(app, client, make_user, signed_in):
    app.config["COUNCIL"] = {**app.config["COUNCIL"], "send_access_requires_verification": True}
    user = make_user("unchecked@example.org", council_verified=False)
    poppy = child(app, user, "Zzpoppy", "Zzthompson")
    signed_in(client, user)
    response = client.get(f"/people/{poppy.id}")
    assert response.status_code == 403 and "being checked" in response.get_data(as_text=True)
    checked = make_user("checked@example.org", council_verified=True)
    signed_in(client, checked)
    assert client.get("/people/").status_code == 200
