"""Colleagues (beyond the seeds): give a colleague at my organisation access to a child, share my
drafts with them, and hand my children over when I leave. Everything is audited; nobody at
another organisation is ever listed or accepted."""
import re

import pytest

import models
from models import (AuditEvent, DraftAccess, FormInstance, Link, Message, Organisation,
                    WorkProfile)
from tests.helpers import csrf_from
from tests.http.test_forms_section import child, form_instance, html_of


def profile(app, user, org_name, *, ended=False, confirmed=True):
    """A work role; ``confirmed``: the SEN team checked the account and confirmed the role
    (only confirmed members are colleagues: test_security_round2_organisations)."""
    with app.app_context():
        org = Organisation.get_or_create(name=org_name, name_key=org_name.lower())[0]
        if confirmed:
            models.User.update(council_verified=True).where(models.User.id == user.id).execute()
        return WorkProfile.create(user=user, professional_role="Teacher", organisation=org,
                                  ended_at=models.utcnow() if ended else None,
                                  confirmed_at=models.utcnow() if confirmed else None)


@pytest.fixture
def team(app, make_user):
    """Me (signed in later), two colleagues at Zz Primary and people who are not colleagues."""
    me = make_user("me@example.org", forename="Lesley", surname="Harris")
    profile(app, me, "Zz Primary")
    amy = make_user("amy@example.org", forename="Zzamy", surname="Able")
    profile(app, amy, "Zz Primary")
    ben = make_user("ben@example.org", forename="Zzben", surname="Baker")
    profile(app, ben, "Zz Primary")
    profile(app, ben, "Zz Academy")  # ben's other job is not mine: never shown
    outsider = make_user("out@example.org", forename="Zzout", surname="Sider")
    profile(app, outsider, "Zz Elsewhere")
    left = make_user("left@example.org", forename="Zzleft", surname="Gone")
    profile(app, left, "Zz Primary", ended=True)
    disabled = make_user("off@example.org", forename="Zzoff", surname="Disabled", status="disabled")
    profile(app, disabled, "Zz Primary")
    parent = make_user("parent@example.org", role="citizen", forename="Zzparent", surname="Mum")
    profile(app, parent, "Zz Primary")
    return type("Team", (), dict(me=me, amy=amy, ben=ben, outsider=outsider, left=left,
                                 disabled=disabled, parent=parent))


@pytest.fixture
def mine(app, client, signed_in, team):
    signed_in(client, team.me)
    return client


@pytest.fixture
def poppy(app, team):
    return child(app, team.me)


def page(client, person):
    response = client.get(f"/people/{person.id}/colleagues")
    assert response.status_code == 200
    return html_of(response)


def post(client, path, data, token_from):
    return client.post(path, data={"csrf_token": csrf_from(client.get(token_from)), **data})


def actions_of(app, action):
    with app.app_context():
        return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def live_link(app, user, person):
    with app.app_context():
        return Link.get_or_none((Link.user == user) & (Link.person == person)
                                & Link.ended_at.is_null())


# --- who is a colleague -------------------------------------------------------------------------

def test_only_colleagues_at_my_organisation_are_listed(mine, team, poppy):
    html = page(mine, poppy)
    assert "Zzamy Able" in html and "Zzben Baker" in html
    assert "Zz Academy" not in html  # a colleague's other organisation is theirs
    for hidden in ("Zzout", "Zz Elsewhere", "Zzleft", "Zzoff", "Zzparent"):
        assert hidden not in html
    assert "No colleague at your organisation can see this child yet." in html


def test_no_work_profile_means_no_colleagues(app, client, make_user, signed_in):
    alone = make_user("alone@example.org")
    person = child(app, alone)
    signed_in(client, alone)
    assert "Nobody else at your organisation is registered" in page(client, person)


# --- give and remove access ---------------------------------------------------------------------

def test_give_access_links_the_colleague_and_is_audited(app, mine, team, poppy, signed_in):
    path = f"/people/{poppy.id}/colleagues"
    response = post(mine, path, {"colleague": str(team.amy.id)}, path)
    assert response.status_code == 303 and response.headers["Location"] == path
    link = live_link(app, team.amy, poppy)
    assert link.how == "colleague" and link.linked_by_id == team.me.id
    event = actions_of(app, "colleague-access-given")[-1]
    assert event.person_id == poppy.id and event.user_id == team.me.id
    assert event.object_id == str(team.amy.id)
    with app.app_context():
        assert Message.get(Message.recipient == team.amy).person_id == poppy.id
    html = page(mine, poppy)
    listed = re.search(rf'<tr class="govuk-table__row" id="colleague-{team.amy.id}">(.*?)</tr>',
                       html, re.S).group(1)
    assert "Remove access" in listed
    # Amy now sees the child.
    amy = app.test_client()
    signed_in(amy, team.amy)
    assert amy.get(f"/people/{poppy.id}/forms").status_code == 200
    assert "Zzpoppy" in html_of(amy.get("/people/"))


@pytest.mark.parametrize("who", ["outsider", "left", "disabled", "parent", "me"])
def test_someone_not_a_colleague_is_refused(app, mine, team, poppy, who):
    path = f"/people/{poppy.id}/colleagues"
    response = post(mine, path, {"colleague": str(getattr(team, who).id)}, path)
    html = html_of(response)
    assert response.status_code == 422 and "Select a colleague from the list" in html
    assert "There is a problem" in html
    assert live_link(app, getattr(team, who), poppy) is None or who == "me"
    assert actions_of(app, "colleague-access-given") == []


@pytest.mark.parametrize("value", ["", "abc", "-1", "9" * 40, "99999", "<script>"])
def test_forged_colleague_ids_are_a_clear_message(mine, poppy, value):
    path = f"/people/{poppy.id}/colleagues"
    response = post(mine, path, {"colleague": value}, path)
    assert response.status_code == 422 and "Select a colleague from the list" in html_of(response)


def test_remove_access_only_for_links_i_made(app, mine, team, poppy):
    path = f"/people/{poppy.id}/colleagues"
    post(mine, path, {"colleague": str(team.amy.id)}, path)
    with app.app_context():
        Link.create(user=team.ben, person=poppy, how="sen-team")
    html = page(mine, poppy)
    assert f"/colleagues/{team.ben.id}/remove" not in html
    assert post(mine, f"/people/{poppy.id}/colleagues/{team.ben.id}/remove", {},
                path).status_code == 404
    assert live_link(app, team.ben, poppy) is not None
    response = post(mine, f"/people/{poppy.id}/colleagues/{team.amy.id}/remove", {}, path)
    assert response.status_code == 303
    assert live_link(app, team.amy, poppy) is None
    assert actions_of(app, "colleague-access-removed")[-1].person_id == poppy.id
    # Given again later: the link is reopened.
    post(mine, path, {"colleague": str(team.amy.id)}, path)
    assert live_link(app, team.amy, poppy).how == "colleague"


def test_a_colleague_cannot_remove_access_i_gave(app, team, poppy, mine, signed_in):
    path = f"/people/{poppy.id}/colleagues"
    post(mine, path, {"colleague": str(team.amy.id)}, path)
    post(mine, path, {"colleague": str(team.ben.id)}, path)
    ben = app.test_client()
    signed_in(ben, team.ben)
    assert f"/colleagues/{team.amy.id}/remove" not in page(ben, poppy)
    assert post(ben, f"/people/{poppy.id}/colleagues/{team.amy.id}/remove", {},
                path).status_code == 404


# --- drafts -------------------------------------------------------------------------------------

def test_share_a_draft_with_a_colleague_who_has_access(app, mine, team, poppy, signed_in):
    draft = form_instance(app, team.me, poppy, key="generic-file-upload")
    path = f"/people/{poppy.id}/colleagues"
    # Not before they can see the child.
    response = post(mine, f"{path}/drafts", {"draft": str(draft.id),
                                             "colleague": str(team.amy.id)}, path)
    assert response.status_code == 422
    assert "Select a colleague who can see this child" in html_of(response)
    post(mine, path, {"colleague": str(team.amy.id)}, path)
    response = post(mine, f"{path}/drafts", {"draft": str(draft.id),
                                             "colleague": str(team.amy.id)}, path)
    assert response.status_code == 303
    with app.app_context():
        assert DraftAccess.select().where(DraftAccess.user == team.amy).count() == 1
    assert actions_of(app, "draft-shared")[-1].person_id == poppy.id
    assert "Zzamy Able can continue it." in page(mine, poppy)
    amy = app.test_client()
    signed_in(amy, team.amy)
    assert amy.get(f"/forms/{draft.id}/work-details").status_code == 200
    # Stop sharing.
    post(mine, f"{path}/drafts", {"draft": str(draft.id), "colleague": str(team.amy.id),
                                  "stop": "yes"}, path)
    assert amy.get(f"/forms/{draft.id}/work-details").status_code == 404
    assert actions_of(app, "draft-unshared")


def test_give_access_with_my_drafts(app, mine, team, poppy):
    draft = form_instance(app, team.me, poppy)
    submitted = form_instance(app, team.me, poppy, status="submitted")
    path = f"/people/{poppy.id}/colleagues"
    post(mine, path, {"colleague": str(team.amy.id), "drafts": "yes"}, path)
    with app.app_context():
        shared = [a.instance_id for a in DraftAccess.select()]
    assert shared == [draft.id] and submitted.id not in shared


def test_someone_elses_draft_cannot_be_shared(app, mine, team, poppy):
    with app.app_context():
        Link.create(user=team.amy, person=poppy, how="sen-team")
    hers = form_instance(app, team.amy, poppy)
    path = f"/people/{poppy.id}/colleagues"
    response = post(mine, f"{path}/drafts", {"draft": str(hers.id),
                                             "colleague": str(team.amy.id)}, path)
    assert response.status_code == 422
    with app.app_context():
        assert DraftAccess.select().count() == 0


def test_removing_access_removes_draft_access(app, mine, team, poppy):
    draft = form_instance(app, team.me, poppy)
    path = f"/people/{poppy.id}/colleagues"
    post(mine, path, {"colleague": str(team.amy.id), "drafts": "yes"}, path)
    post(mine, f"/people/{poppy.id}/colleagues/{team.amy.id}/remove", {}, path)
    with app.app_context():
        assert DraftAccess.select().where(DraftAccess.instance == draft).count() == 0


# --- hand over ----------------------------------------------------------------------------------

def test_handover_page_lists_colleagues_and_what_moves(app, mine, team, poppy):
    form_instance(app, team.me, poppy)
    html = html_of(mine.get("/people/handover"))
    assert "Hand over my children" in html
    assert "linked to 1 child and have 1 draft form" in html
    assert "Zzamy Able" in html and "Zzout" not in html


def test_hand_over_my_children_and_drafts(app, mine, team, poppy, signed_in):
    other = child(app, team.me, forename="Zzother")
    with app.app_context():
        Link.create(user=team.amy, person=other, how="sen-team")  # she already has this one
    draft = form_instance(app, team.me, poppy, key="generic-file-upload",
                          answers={"work-details": {"work_profile_id": "1"}, "upload": {}})
    with app.app_context():
        FormInstance.update(work_profile=1).where(FormInstance.id == draft.id).execute()
    sent = form_instance(app, team.me, poppy, status="submitted")
    response = post(mine, "/people/handover", {"colleague": str(team.amy.id)}, "/people/handover")
    assert response.status_code == 303 and response.headers["Location"] == "/people/"
    assert live_link(app, team.me, poppy) is None and live_link(app, team.me, other) is None
    assert live_link(app, team.amy, poppy).how == "handover"
    assert live_link(app, team.amy, poppy).linked_by_id == team.me.id
    assert live_link(app, team.amy, other).how == "sen-team"  # not duplicated
    with app.app_context():
        moved = FormInstance.get_by_id(draft.id)
        assert moved.author_id == team.amy.id and moved.work_profile_id is None
        assert "work-details" not in moved.answers and "upload" in moved.answers
        assert FormInstance.get_by_id(sent.id).author_id == team.me.id
        assert Message.get(Message.recipient == team.amy).kind == "general"
    changed = actions_of(app, "form-author-changed")
    assert [e.object_id for e in changed] == [str(draft.id)] and changed[0].person_id == poppy.id
    assert changed[0].detail["from_user"] == team.me.id and changed[0].detail["to_user"] == team.amy.id
    assert {e.person_id for e in actions_of(app, "person-handed-over")} == {poppy.id, other.id}
    assert actions_of(app, "handover")[-1].detail["children"] == 2
    # I no longer see the child; Amy does, with the draft to Continue.
    assert mine.get(f"/people/{poppy.id}/forms").status_code == 404
    assert mine.get(f"/forms/{draft.id}").status_code == 404
    amy = app.test_client()
    signed_in(amy, team.amy)
    html = html_of(amy.get(f"/people/{poppy.id}/forms?tab=assessment"))
    assert f'href="/forms/{draft.id}"' in html
    assert amy.get(f"/forms/{draft.id}/work-details").status_code == 200


@pytest.mark.parametrize("who", [None, "outsider", "left", "parent"])
def test_handover_needs_a_colleague(app, mine, team, poppy, who):
    data = {} if who is None else {"colleague": str(getattr(team, who).id)}
    response = post(mine, "/people/handover", data, "/people/handover")
    assert response.status_code == 422
    assert "Select a colleague to hand over to" in html_of(response)
    assert live_link(app, team.me, poppy) is not None
    assert actions_of(app, "handover") == []


def test_the_sen_team_sees_every_change_in_the_childs_audit_trail(app, mine, team, poppy):
    path = f"/people/{poppy.id}/colleagues"
    post(mine, path, {"colleague": str(team.amy.id)}, path)
    post(mine, "/people/handover", {"colleague": str(team.ben.id)}, "/people/handover")
    from services import audit
    with app.app_context():
        trail = [e.action for e in audit.recent(person_id=poppy.id)]
    assert "colleague-access-given" in trail and "person-handed-over" in trail


# --- access -------------------------------------------------------------------------------------

def test_colleague_pages_of_a_child_not_mine_are_not_found(app, mine, team):
    theirs = child(app, team.amy)
    ended = child(app, team.me, forename="Zzended")
    with app.app_context():
        Link.update(ended_at=models.utcnow()).where(Link.person == ended).execute()
    for person in (theirs, ended):
        assert mine.get(f"/people/{person.id}/colleagues").status_code == 404
        for path in (f"/people/{person.id}/colleagues",
                     f"/people/{person.id}/colleagues/{team.amy.id}/remove",
                     f"/people/{person.id}/colleagues/drafts"):
            assert post(mine, path, {"colleague": str(team.ben.id)},
                        "/people/handover").status_code == 404, path
    assert live_link(app, team.ben, theirs) is None


@pytest.mark.parametrize("role", ["citizen", "officer"])
def test_other_roles_get_not_found(app, make_user, signed_in, poppy, role):
    user = make_user(f"{role}@example.org", role=role)
    client = app.test_client()
    signed_in(client, user)
    for path in (f"/people/{poppy.id}/colleagues", "/people/handover"):
        assert client.get(path).status_code == 404


def test_posts_need_the_csrf_token(app, mine, team, poppy):
    response = mine.post(f"/people/{poppy.id}/colleagues", data={"colleague": str(team.amy.id)})
    assert response.status_code == 400
    assert live_link(app, team.amy, poppy) is None
