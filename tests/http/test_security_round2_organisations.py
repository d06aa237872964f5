"""Security round two (issue 11): M2 self-claimed organisations, M3 a merge grants a link.

What the fix is held to:

- M2: typing an organisation's name does not make anyone a colleague. Colleague and hand-over
  lists (``/people/<id>/colleagues``, and the hand-over offered when a work role ends) show only
  *confirmed* members: the SEN team has verified the professional (``User.council_verified``, the
  "Professional accounts" check) and the professional has two-step verification on. A second
  work role typed in another case/spacing joins nothing the SEN team has not confirmed.
- M3: the merge page (``/team/people/<keep>/merge?other=<dup>``) lists each person linked to the
  duplicate, each with a checkbox ``carry_link`` (value: the Link id); only the ticked links move
  to the record kept. By default (nothing ticked) no link made by the duplicate's adder
  (``how="added"``) carries over.
"""
import datetime as dt

import pytest

import models
from models import Link, Organisation, Person, WorkProfile
from tests.helpers import csrf_from


def work_at(app, user, name, *, confirmed=False):
    """What registration does with a typed organisation name (folded to one record); with
    ``confirmed``, what the SEN team's "Professional accounts" check then does."""
    with app.app_context():
        key = " ".join(name.casefold().split())
        org = Organisation.get_or_create(name_key=key, defaults={"name": name})[0]
        return WorkProfile.create(user=user, professional_role="Teacher", organisation=org,
                                  confirmed_at=models.utcnow() if confirmed else None)


@pytest.fixture
def school(app, make_user, signed_in):
    me = make_user("me@example.org", forename="Lesley", surname="Harris", council_verified=True)
    amy = make_user("amy@example.org", forename="Zzamy", surname="Able", council_verified=True)
    work_at(app, me, "Zz Primary", confirmed=True)
    work_at(app, amy, "Zz Primary", confirmed=True)
    with app.app_context():
        child = Person.create(forename="Zzpoppy", surname="Zzthompson",
                              date_of_birth=dt.date(2016, 3, 27))
        Link.create(user=me, person=child, how="added")
    client = app.test_client()
    signed_in(client, me)
    return type("School", (), dict(me=me, amy=amy, child=child, client=client))


def test_m2_a_self_registered_stranger_is_not_listed_as_a_colleague(app, make_user, school):
    mallory = make_user("mallory@example.org", forename="Zzmallory", surname="Fake",
                        council_verified=False)
    work_at(app, mallory, "zz   PRIMARY")  # typed at registration, never confirmed
    html = school.client.get(f"/people/{school.child.id}/colleagues").get_data(as_text=True)
    assert "Zzamy" in html  # regression: a confirmed colleague is offered
    assert "Zzmallory" not in html, "a self-claimed member of the organisation is offered"


def test_m2_a_colleague_without_two_step_is_not_listed(app, make_user, school):
    make_user("nostep@example.org", forename="Zznostep", surname="Person", two_step="",
              council_verified=True)
    with app.app_context():
        from models import User
        nostep = User.get(User.email == "nostep@example.org")
    work_at(app, nostep, "Zz Primary", confirmed=True)
    html = school.client.get(f"/people/{school.child.id}/colleagues").get_data(as_text=True)
    assert "Zznostep" not in html, "a colleague without two-step verification is offered"


def test_m2_a_second_role_typed_as_a_service_name_joins_nothing(app, make_user, school):
    """A verified professional elsewhere adds a second work role typed as the service's name."""
    eve = make_user("eve@example.org", forename="Zzeve", surname="Elsewhere",
                    council_verified=True)
    work_at(app, eve, "Zz Other School", confirmed=True)
    work_at(app, eve, "zz PRIMARY")  # the second role, never confirmed by the SEN team
    html = school.client.get(f"/people/{school.child.id}/colleagues").get_data(as_text=True)
    assert "Zzeve" not in html, "an unconfirmed second work role joined the organisation"


def test_m2_granting_access_to_an_unconfirmed_member_is_refused(app, make_user, school):
    mallory = make_user("mallory@example.org", forename="Zzmallory", surname="Fake")
    work_at(app, mallory, "Zz Primary")
    page = school.client.get(f"/people/{school.child.id}/colleagues")
    school.client.post(f"/people/{school.child.id}/colleagues",
                       data={"csrf_token": csrf_from(page), "colleague": str(mallory.id)})
    with app.app_context():
        assert not Link.select().where((Link.user == mallory.id)
                                       & (Link.person == school.child.id)).exists()


def test_m2_the_hand_over_list_shows_only_confirmed_members_with_two_step(app, make_user,
                                                                        school):
    mallory = make_user("mallory@example.org", forename="Zzmallory", surname="Fake",
                        council_verified=True)
    work_at(app, mallory, "zz primary")  # verified elsewhere, this role never confirmed
    nostep = make_user("nostep@example.org", forename="Zznostep", surname="Person", two_step="",
                       council_verified=True)
    work_at(app, nostep, "Zz Primary", confirmed=True)
    html = school.client.get("/people/handover").get_data(as_text=True)
    assert "Zzamy" in html
    assert "Zzmallory" not in html and "Zznostep" not in html
    page = school.client.get("/people/handover")
    response = school.client.post("/people/handover", data={"csrf_token": csrf_from(page),
                                                             "colleague": str(mallory.id)})
    assert response.status_code == 422
    with app.app_context():
        assert not Link.select().where(Link.user == mallory.id).exists()


# --- M3 -------------------------------------------------------------------------------------------

@pytest.fixture
def duplicate(app, make_user, signed_in):
    """The real child (linked to its school) and a duplicate a stranger added."""
    senco = make_user("senco@example.org", forename="Zzsally", surname="Zzsenco")
    stranger = make_user("stranger@example.org", forename="Zzstranger", surname="Zzadder")
    officer = make_user("officer@example.org", role="officer")
    with app.app_context():
        real = Person.create(forename="Zzpoppy", surname="Zzthompson",
                             date_of_birth=dt.date(2016, 3, 27), created_by=senco)
        fake = Person.create(forename="Zzpoppy", surname="Zzthompson",
                             date_of_birth=dt.date(2016, 3, 27), created_by=stranger,
                             needs_matching=True)
        Link.create(user=senco, person=real, how="added")
        Link.create(user=stranger, person=fake, how="added")
    client = app.test_client()
    signed_in(client, officer)
    return type("Dup", (), dict(real=real, fake=fake, stranger=stranger, client=client))


def test_m3_the_merge_page_lists_each_linked_person(duplicate):
    page = duplicate.client.get(
        f"/team/people/{duplicate.real.id}/merge?other={duplicate.fake.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Zzstranger" in html and 'name="carry_link"' in html, \
        "the officer is not shown who would gain access"


def test_m3_merging_a_duplicate_does_not_hand_its_adder_the_real_child(app, duplicate):
    path = f"/team/people/{duplicate.real.id}/merge"
    token = csrf_from(duplicate.client.get(f"{path}?other={duplicate.fake.id}"))
    response = duplicate.client.post(path, data={"other": str(duplicate.fake.id),
                                                 "keep": str(duplicate.real.id),
                                                 "csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        live = Link.select().where((Link.user == duplicate.stranger.id)
                                   & (Link.person == duplicate.real.id)
                                   & Link.ended_at.is_null()).exists()
    assert not live, "the duplicate's adder silently got a live link to the real child"
