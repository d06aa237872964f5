"""Security round two (issue 11), M2: the SEN team merges duplicate organisations.

``/team/organisations/`` lists every organisation with its members (current work roles) and
confirmed members; ``/team/organisations/<id>/merge`` asks which organisation it duplicates,
then to confirm; the duplicate's work roles move (confirmation kept as it was), the merge is
audited and the duplicate is removed.
"""
import re

import pytest

import models
from models import AuditEvent, Organisation, WorkProfile
from tests.helpers import csrf_from


def org(app, name, key=None):
    """An organisation as an older release (or a differently typed name) left it."""
    with app.app_context():
        return Organisation.create(name=name, name_key=key or " ".join(name.casefold().split()))


def role(app, user, organisation, *, confirmed):
    with app.app_context():
        return WorkProfile.create(user=user, professional_role="Educational Psychologist",
                                  organisation=organisation,
                                  confirmed_at=models.utcnow() if confirmed else None)


@pytest.fixture
def eps(app, make_user, signed_in):
    """The real service (one confirmed member), a duplicate typed differently (one confirmed, one
    not) and an unrelated school; an officer signed in."""
    real = org(app, "ZZ Educational Psychology Service")
    dup = org(app, "zz EDUCATIONAL psychology service", key="zz educational psychology service ")
    school = org(app, "Zz Bader Primary School")
    peter = make_user("peter@example.org", forename="Zzpeter", surname="Zzpsych",
                      council_verified=True)
    dana = make_user("dana@example.org", forename="Zzdana", surname="Zzdup", council_verified=True)
    una = make_user("una@example.org", forename="Zzuna", surname="Zzunconfirmed",
                    council_verified=True)
    role(app, peter, real, confirmed=True)
    dana_role = role(app, dana, dup, confirmed=True)
    una_role = role(app, una, dup, confirmed=False)
    officer = make_user("officer@example.org", role="officer")
    client = app.test_client()
    signed_in(client, officer)
    return type("Eps", (), dict(real=real, dup=dup, school=school, peter=peter, dana=dana,
                                una=una, dana_role=dana_role, una_role=una_role, client=client,
                                signed_in=signed_in))


def post_merge(client, dup_id, **data):
    page = client.get(f"/team/organisations/{dup_id}/merge")
    return client.post(f"/team/organisations/{dup_id}/merge",
                       data={"csrf_token": csrf_from(page), **data})


def test_the_list_shows_each_organisation_with_its_members(eps):
    page = eps.client.get("/team/organisations/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = {m[0]: m[1] for m in re.findall(r'<tr class="govuk-table__row" id="organisation-(\d+)">(.*?)</tr>',
                                           html, re.S)}
    cells = {k: re.findall(r"<td[^>]*>\s*(.*?)\s*</td>", v, re.S) for k, v in rows.items()}
    assert cells[str(eps.real.id)][:3] == ["ZZ Educational Psychology Service", "1", "1"]
    assert cells[str(eps.dup.id)][:3] == ["zz EDUCATIONAL psychology service", "2", "1"]
    assert cells[str(eps.school.id)][:3] == ["Zz Bader Primary School", "0", "0"]
    assert f"/team/organisations/{eps.dup.id}/merge" in html


def test_professional_accounts_links_to_the_organisations(eps):
    html = eps.client.get("/team/accounts").get_data(as_text=True)
    assert 'href="/team/organisations/"' in html


def test_the_choice_offers_the_likeliest_original_first(eps):
    html = eps.client.get(f"/team/organisations/{eps.dup.id}/merge").get_data(as_text=True)
    real = html.index("ZZ Educational Psychology Service")
    school = html.index("Zz Bader Primary School")
    assert real < school
    assert f'value="{eps.dup.id}"' not in html  # not into itself


def test_merging_asks_to_confirm_then_moves_the_roles_and_removes_the_duplicate(app, eps):
    response = post_merge(eps.client, eps.dup.id, into=str(eps.real.id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Merge zz EDUCATIONAL psychology service into ZZ Educational Psychology Service?" in html
    assert 'name="confirm" value="yes"' in html
    with app.app_context():
        assert Organisation.get_or_none(Organisation.id == eps.dup.id) is not None  # not yet
    response = post_merge(eps.client, eps.dup.id, into=str(eps.real.id), confirm="yes")
    assert response.status_code == 303 and response.headers["Location"].endswith("/team/organisations/")
    assert "has been merged into ZZ Educational Psychology Service: 2 work roles moved" in \
        eps.client.get("/team/organisations/").get_data(as_text=True)
    with app.app_context():
        assert Organisation.get_or_none(Organisation.id == eps.dup.id) is None
        dana_role = WorkProfile.get_by_id(eps.dana_role.id)
        una_role = WorkProfile.get_by_id(eps.una_role.id)
        assert dana_role.organisation_id == una_role.organisation_id == eps.real.id
        assert dana_role.confirmed_at is not None and una_role.confirmed_at is None  # as they were
        event = AuditEvent.get(AuditEvent.action == "organisation-merged")
        assert event.object_id == str(eps.real.id) or event.object_id == eps.real.id
        assert event.detail["merged_id"] == eps.dup.id and event.detail["work_roles"] == 2


def test_after_the_merge_only_confirmed_members_become_colleagues(app, eps):
    """Peter (the real service) and Dana (confirmed at the duplicate) become colleagues; Una,
    whose role at the duplicate was never confirmed, does not."""
    with app.app_context():
        from models import Link, Person
        child = Person.create(forename="Zzpoppy", surname="Zzthompson",
                              date_of_birth=models.dt.date(2016, 3, 27))
        Link.create(user=eps.peter, person=child, how="added")
    peter = app.test_client()
    eps.signed_in(peter, eps.peter)
    before = peter.get(f"/people/{child.id}/colleagues").get_data(as_text=True)
    assert "Zzdana" not in before
    post_merge(eps.client, eps.dup.id, into=str(eps.real.id), confirm="yes")
    after = peter.get(f"/people/{child.id}/colleagues").get_data(as_text=True)
    assert "Zzdana" in after and "Zzuna" not in after


@pytest.mark.parametrize("into, message", [
    (None, "Choose the organisation to merge into"),
    ("", "Choose the organisation to merge into"),
    ("999999", "Choose the organisation to merge into"),
    (str(2 ** 63), "Choose the organisation to merge into"),
    ("<script>", "Choose the organisation to merge into"),
    ("self", "You cannot merge an organisation into itself"),
])
def test_a_bad_choice_is_refused_on_the_page_and_changes_nothing(app, eps, into, message):
    data = {} if into is None else {"into": str(eps.dup.id) if into == "self" else into}
    response = post_merge(eps.client, eps.dup.id, confirm="yes", **data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#into"' in html
    assert html.count(message) >= 2  # in the summary and at the field
    with app.app_context():
        assert Organisation.get_or_none(Organisation.id == eps.dup.id) is not None
        assert WorkProfile.get_by_id(eps.dana_role.id).organisation_id == eps.dup.id
        assert not AuditEvent.select().where(AuditEvent.action == "organisation-merged").exists()


def test_an_unknown_organisation_is_404(eps):
    assert eps.client.get("/team/organisations/999999/merge").status_code == 404


def test_professionals_cannot_see_or_merge_organisations(app, eps):
    client = app.test_client()
    eps.signed_in(client, eps.peter)
    assert client.get("/team/organisations/").status_code == 404
    token = csrf_from(client.get("/"))
    response = client.post(f"/team/organisations/{eps.dup.id}/merge",
                           data={"csrf_token": token, "into": str(eps.real.id), "confirm": "yes"})
    assert response.status_code == 404
    with app.app_context():
        assert Organisation.get_or_none(Organisation.id == eps.dup.id) is not None
