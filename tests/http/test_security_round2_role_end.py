"""Security round two (issue 11): L1 ending a work role ends the links to children made through
it (the end page names them and offers giving a colleague access first), and M2's Confirm of a
role added after the account was checked."""
import datetime as dt

import pytest

import models
from models import AuditEvent, Link, Organisation, Person, User, WorkProfile
from tests.helpers import csrf_from


def role_at(app, user, name, *, confirmed=True):
    with app.app_context():
        org = Organisation.get_or_create(name_key=name.lower(), defaults={"name": name})[0]
        return WorkProfile.create(user=user, professional_role="Teacher", organisation=org,
                                  confirmed_at=models.utcnow() if confirmed else None)


def child_of(app, user, forename, *, how="added", linked_by=None):
    with app.app_context():
        child = Person.create(forename=forename, surname="Zzthompson",
                              date_of_birth=dt.date(2016, 3, 27))
        Link.create(user=user, person=child, how=how, linked_by=linked_by)
        return child


@pytest.fixture
def mover(app, make_user, signed_in):
    """A teacher who added a child at their old school, then took a new role elsewhere."""
    me = make_user("me@example.org", forename="Lesley", surname="Harris", council_verified=True)
    old = role_at(app, me, "Zz Old Primary")
    old_child = child_of(app, me, "Zzoldchild")
    new = role_at(app, me, "Zz New Academy")
    new_child = child_of(app, me, "Zznewchild")  # added after the new role began
    team_child = child_of(app, me, "Zzteamchild", how="sen-team")  # the SEN team's decision
    client = app.test_client()
    signed_in(client, me)
    return type("Mover", (), dict(me=me, old=old, new=new, old_child=old_child,
                                  new_child=new_child, team_child=team_child, client=client))


def test_l1_ending_a_role_ends_access_to_children_reached_through_it(app, mover):
    assert mover.client.get(f"/people/{mover.old_child.id}").status_code == 200
    path = f"/account/work/{mover.old.id}/end"
    response = mover.client.post(path, data={"csrf_token": csrf_from(mover.client.get(path))})
    assert response.status_code == 303
    assert mover.client.get(f"/people/{mover.old_child.id}").status_code == 404, \
        "the old school's child is still open after the role ended"
    assert mover.client.get(f"/people/{mover.new_child.id}").status_code == 200
    assert mover.client.get(f"/people/{mover.team_child.id}").status_code == 200
    with app.app_context():
        ended = AuditEvent.get(AuditEvent.action == "account-work-profile-ended")
        assert ended.detail["links_ended"] == [mover.old_child.id]


def test_l1_the_end_page_names_those_children_and_offers_a_colleague(mover):
    html = mover.client.get(f"/account/work/{mover.old.id}/end").get_data(as_text=True)
    assert "Zzoldchild" in html and "your access to these children" in html
    assert f"/people/{mover.old_child.id}/colleagues" in html
    assert "Zznewchild" not in html and "Zzteamchild" not in html


def test_l1_a_colleague_link_from_the_old_organisation_ends_too(app, make_user, mover):
    giver = make_user("giver@example.org", forename="Zzgiver", surname="Old",
                      council_verified=True)
    role_at(app, giver, "Zz Old Primary")
    given = child_of(app, mover.me, "Zzgivenchild", how="colleague", linked_by=giver)
    path = f"/account/work/{mover.old.id}/end"
    mover.client.post(path, data={"csrf_token": csrf_from(mover.client.get(path))})
    assert mover.client.get(f"/people/{given.id}").status_code == 404


# --- M2: a role added later waits for the SEN team's Confirm ----------------------------------

def test_m2_verifying_confirms_roles_and_a_later_role_waits_for_confirm(app, make_user, signed_in):
    pro = make_user("pro@example.org", forename="Zzpro", surname="Fessional",
                    council_verified=False)
    first = role_at(app, pro, "Zz Primary", confirmed=False)
    officer = make_user("officer@example.org", role="officer")
    client = app.test_client()
    signed_in(client, officer)
    page = client.get(f"/team/accounts/{pro.id}")
    client.post(f"/team/accounts/{pro.id}/verify", data={"csrf_token": csrf_from(page)})
    with app.app_context():
        assert WorkProfile.get_by_id(first.id).confirmed_at is not None
    later = role_at(app, pro, "Zz Service", confirmed=False)
    page = client.get(f"/team/accounts/{pro.id}")
    html = page.get_data(as_text=True)
    assert "Roles awaiting confirmation" in html and "membership not confirmed" in html
    confirm = f"/team/accounts/{pro.id}/roles/{later.id}/confirm"
    assert confirm in html
    response = client.post(confirm, data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    with app.app_context():
        done = WorkProfile.get_by_id(later.id)
        assert done.confirmed_at is not None and done.confirmed_by_id == officer.id
    assert client.post(confirm, data={"csrf_token": csrf_from(page)}).status_code == 404


def test_m2_editing_a_role_to_another_organisation_unconfirms_it(app, make_user, signed_in):
    from services.identity import profile
    pro = make_user("pro@example.org", council_verified=True, professional_role="Teacher",
                    organisation="Zz Primary")
    with app.app_context():
        role = WorkProfile.get(WorkProfile.user == pro.id)
        assert role.confirmed_at is not None  # the demo/make_user path confirms checked accounts
        data = {name: getattr(role, name) for name in profile.WORK_FIELDS}
        profile.save_work_profile(User.get_by_id(pro.id), {**data, "organisation_name": "Zz Primary"},
                                  role)
        assert WorkProfile.get_by_id(role.id).confirmed_at is not None
        profile.save_work_profile(User.get_by_id(pro.id),
                                  {**data, "organisation_name": "zz educational psychology"},
                                  WorkProfile.get_by_id(role.id))
        assert WorkProfile.get_by_id(role.id).confirmed_at is None
