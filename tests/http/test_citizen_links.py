"""Reference codes and link requests: the officer makes a code (shown once, stored hashed), the
family enters it, an officer confirms or refuses; officers end family links. Wrong, used,
withdrawn and expired codes all get one message that names no child."""
import datetime as dt
import re

import pytest

import models
from models import AuditEvent, Link, Message, Person, ReferenceCode
from services.people import codes
from tests.helpers import last_email

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def _html(response):
    return response.get_data(as_text=True)


def _bad(family):
    with family.app.app_context():
        return codes.bad_code_message()


def _new_code(family, person=None):
    officer = family.client_for(family.officer)
    person = person or family.child
    response = family.post(officer, f"/team/people/{person.id}/codes")
    assert response.status_code == 201
    return CODE.search(_html(response)).group(0)


def _enter(family, client, code, relationship="Mother"):
    return family.post(client, "/family/link", {"code": code, "relationship": relationship})


@pytest.fixture
def newcomer(family):
    """A registered parent not yet linked to anyone."""
    user = family.make_user("newcomer@example.org", role="citizen", forename="Zznew",
                            surname="Zzcomer")
    return user, family.client_for(user)


# --- the officer's code page --------------------------------------------------------------------

def test_officer_creates_a_code_shown_once_and_stored_hashed(family):
    officer = family.client_for(family.officer)
    page = officer.get(f"/team/people/{family.child.id}/codes")
    assert page.status_code == 200 and "Create a reference code for this family" in _html(page)
    made = family.post(officer, f"/team/people/{family.child.id}/codes")
    html = _html(made)
    code = CODE.search(html).group(0)
    assert "shown only once" in html
    with family.app.app_context():
        row = ReferenceCode.get(ReferenceCode.person == family.child)
        assert row.code_hash != code and code.replace("-", "") not in row.code_hash
        assert row.code_hash == codes.code_digest(code.replace("-", ""))
        assert row.status == "unused" and row.created_by_id == family.officer.id
        assert (row.expires_at - row.created_at) == dt.timedelta(days=30)
        assert AuditEvent.get(AuditEvent.action == "reference-code-created").person_id == family.child.id
    # Shown once: the page afterwards lists the code without it.
    again = _html(officer.get(f"/team/people/{family.child.id}/codes"))
    assert code not in again and "unused" in again and "Withdraw" in again


def test_codes_are_twelve_characters_from_an_unambiguous_alphabet(family):
    code = _new_code(family).replace("-", "")
    assert len(code) == 12 and not set(code) & set("01OIL")


def test_officer_pages_are_for_officers_only(family):
    for user in (family.parent, family.make_user("pro@example.org")):
        client = family.client_for(user)
        assert client.get(f"/team/people/{family.child.id}/codes").status_code == 404
        assert family.post(client, f"/team/people/{family.child.id}/codes").status_code == 404
        assert client.get("/team/link-requests").status_code == 404
        assert family.post(client, "/team/link-requests/1", {"action": "confirm"}).status_code == 404
    anonymous = family.app.test_client()
    assert anonymous.get("/team/link-requests").status_code == 302


def test_the_old_family_urls_of_officer_pages_redirect_to_the_team_area(family):
    officer, child = family.client_for(family.officer), family.child.id
    for old, new in ((f"/family/codes/{child}", f"/team/people/{child}/codes"),
                     ("/family/requests", "/team/link-requests")):
        response = officer.get(old)
        assert response.status_code == 301 and response.headers["Location"] == new, old
    for old, new in ((f"/family/codes/{child}", f"/team/people/{child}/codes"),
                     (f"/family/codes/{child}/7/withdraw", f"/team/people/{child}/codes/7/withdraw"),
                     (f"/family/links/{child}/8/end", f"/team/people/{child}/family-links/8/end"),
                     ("/family/requests/9", "/team/link-requests/9")):
        response = family.post(officer, old, {"action": "confirm"})
        assert response.status_code == 308 and response.headers["Location"] == new, old
    # Who may use them is unchanged: others get 404, anonymous visitors the sign-in page.
    assert family.client_for(family.parent).get("/family/requests").status_code == 404
    assert family.app.test_client().get(f"/family/codes/{child}").status_code == 302
    assert officer.get(f"/family/codes/{2 ** 70}").status_code == 404


@pytest.mark.parametrize("person_id", [999999, 2 ** 70])
def test_codes_for_an_unknown_person_is_404(family, person_id):
    officer = family.client_for(family.officer)
    assert officer.get(f"/team/people/{person_id}/codes").status_code == 404


def test_an_officer_can_withdraw_an_unused_code(family, newcomer):
    code = _new_code(family)
    with family.app.app_context():
        row = ReferenceCode.get(ReferenceCode.person == family.child)
    officer = family.client_for(family.officer)
    done = family.post(officer, f"/team/people/{family.child.id}/codes/{row.id}/withdraw")
    assert done.status_code == 303
    assert family.reload(ReferenceCode, row.id).status == "withdrawn"
    assert family.post(officer, f"/team/people/{family.child.id}/codes/{row.id}/withdraw").status_code == 404
    _user, client = newcomer
    refused = _enter(family, client, code)
    assert refused.status_code == 422 and _bad(family) in _html(refused)


def test_the_home_page_offers_officers_the_queue(family):
    html = _html(family.client_for(family.officer).get("/"))
    assert "Family link requests" in html and "/team/link-requests" in html


# --- the family enters the code ---------------------------------------------------------------------

def test_entering_a_code_makes_a_pending_request_and_the_officer_confirms(family, newcomer):
    user, client = newcomer
    code = _new_code(family)
    page = client.get("/family/link")
    assert page.status_code == 200 and "Reference code" in _html(page)
    sent = _enter(family, client, code.lower().replace("-", " "), "Father")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/family/")
    assert "The SEN Team will check" in _html(client.get("/family/"))
    # Not linked until an officer confirms.
    assert client.get(f"/family/children/{family.child.id}").status_code == 404
    with family.app.app_context():
        request = ReferenceCode.get(ReferenceCode.used_by == user)
        assert (request.status, request.how, request.relationship) == ("pending", "parent", "Father")
    officer = family.client_for(family.officer)
    queue = _html(officer.get("/team/link-requests"))
    assert "Zznew Zzcomer" in queue and "Zzthompson, Zzpoppy" in queue and "Father" in queue
    confirmed = family.post(officer, f"/team/link-requests/{request.id}", {"action": "confirm"})
    assert confirmed.status_code == 303
    with family.app.app_context():
        link = Link.get((Link.user == user) & (Link.person == family.child))
        assert link.how == "parent" and link.ended_at is None and link.linked_by_id == family.officer.id
        message = Message.get(Message.recipient == user)
        assert message.person_id == family.child.id
    assert client.get(f"/family/children/{family.child.id}").status_code == 200
    # Dealt with: a second decision is 404, the code cannot be used again.
    assert family.post(officer, f"/team/link-requests/{request.id}", {"action": "refuse"}).status_code == 404
    assert "confirmed" in _html(officer.get("/team/link-requests"))


def test_refusing_spends_the_code_and_tells_the_family(family, newcomer):
    user, client = newcomer
    code = _new_code(family)
    _enter(family, client, code)
    with family.app.app_context():
        request = ReferenceCode.get(ReferenceCode.used_by == user)
    officer = family.client_for(family.officer)
    assert family.post(officer, f"/team/link-requests/{request.id}", {"action": "refuse"}).status_code == 303
    assert family.reload(ReferenceCode, request.id).status == "refused"
    with family.app.app_context():
        assert not Link.select().where(Link.user == user).exists()
        assert "could not confirm" in Message.get(Message.recipient == user).subject
    again = _enter(family, client, code)
    assert again.status_code == 422 and _bad(family) in _html(again)


def test_a_decision_needs_a_known_action(family, newcomer):
    _user, client = newcomer
    _enter(family, client, _new_code(family))
    with family.app.app_context():
        request = ReferenceCode.get(ReferenceCode.status == "pending")
    officer = family.client_for(family.officer)
    assert family.post(officer, f"/team/link-requests/{request.id}", {"action": "delete"}).status_code == 404
    assert family.post(officer, "/team/link-requests/99999", {"action": "confirm"}).status_code == 404


def _expire(family):
    with family.app.app_context():
        ReferenceCode.update(expires_at=models.utcnow() - dt.timedelta(seconds=1)).execute()


@pytest.mark.parametrize("how", ["wrong", "used", "expired", "another-format"])
def test_wrong_used_and_expired_codes_get_one_message_naming_no_child(family, newcomer, how):
    _user, client = newcomer
    code = _new_code(family)
    if how == "wrong":
        code = "ABCD-EFGH-JKMN" if code != "ABCD-EFGH-JKMN" else "NMKJ-HGFE-DCBA"
    elif how == "used":
        second = family.make_user("second@example.org", role="citizen")
        assert _enter(family, family.client_for(second), code).status_code == 303
    elif how == "expired":
        _expire(family)
    else:
        code = code.lower()  # still the right code: case is ignored
    response = _enter(family, client, code)
    if how == "another-format":
        assert response.status_code == 303
        return
    html = _html(response)
    assert response.status_code == 422
    assert _bad(family) in html
    assert "Zzpoppy" not in html and "Zzthompson" not in html


@pytest.mark.parametrize("typed", ["ABC", "ABCD-EFGH-JKM0", "<script>alert(1)</script>", "x" * 200])
def test_a_code_that_cannot_be_one_asks_for_the_format(family, newcomer, typed):
    _user, client = newcomer
    response = _enter(family, client, typed)
    html = _html(response)
    assert response.status_code == 422 and codes.CODE_FORMAT in html
    assert "<script>alert(1)</script>" not in html


def test_code_and_relationship_are_required(family, newcomer):
    _user, client = newcomer
    response = family.post(client, "/family/link", {"code": "", "relationship": "Queen"})
    html = _html(response)
    assert response.status_code == 422
    assert "Enter the reference code" in html and "Select who you are to the child" in html


def test_entering_codes_is_rate_limited(family, newcomer):
    _user, client = newcomer
    statuses = [_enter(family, client, "ABCD-EFGH-JKMN").status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


def test_a_parent_already_linked_is_told_so(family):
    client = family.client_for(family.parent)
    response = _enter(family, client, _new_code(family))
    assert response.status_code == 422 and "already see this child" in _html(response)
    with family.app.app_context():
        assert ReferenceCode.get().status == "unused"  # not spent


def test_a_young_person_needs_to_be_sixteen(family):
    young = family.make_user("young@example.org", role="citizen", citizen_kind="young-person")
    client = family.client_for(young)
    assert 'value="I am the young person" checked' in _html(client.get("/family/link"))
    too_young = _enter(family, client, _new_code(family), codes.MYSELF)
    assert too_young.status_code == 422 and "from age 16" in _html(too_young)
    with family.app.app_context():
        older = Person.create(forename="Zzyoung", surname="Zzadult",
                              date_of_birth=dt.date.today().replace(year=dt.date.today().year - 17))
    assert _enter(family, client, _new_code(family, older), codes.MYSELF).status_code == 303
    with family.app.app_context():
        request = ReferenceCode.get(ReferenceCode.used_by == young)
        assert request.how == "young-person"
    officer = family.client_for(family.officer)
    family.post(officer, f"/team/link-requests/{request.id}", {"action": "confirm"})
    with family.app.app_context():
        assert Link.get(Link.user == young).how == "young-person"


def test_the_link_page_is_for_citizens(family):
    officer = family.client_for(family.officer)
    assert officer.get("/family/link").status_code == 404
    pro = family.client_for(family.make_user("pro@example.org"))
    assert pro.get("/family/link").status_code == 404


# --- ending a family link --------------------------------------------------------------------------

def test_an_officer_ends_a_parents_link_and_it_shows_in_the_queue(family):
    with family.app.app_context():
        link = Link.get((Link.user == family.parent) & (Link.person == family.child))
    officer = family.client_for(family.officer)
    page = _html(officer.get(f"/team/people/{family.child.id}/codes"))
    assert "Zzpat Zzparent" in page and "End link" in page
    ended = family.post(officer, f"/team/people/{family.child.id}/family-links/{link.id}/end")
    assert ended.status_code == 303
    assert family.reload(Link, link.id).ended_at is not None
    parent = family.client_for(family.parent)
    assert parent.get(f"/family/children/{family.child.id}").status_code == 404
    assert "Zzpoppy" not in _html(parent.get("/family/"))
    assert "Links that have ended" in _html(officer.get(f"/team/people/{family.child.id}/codes"))
    queue = _html(officer.get("/team/link-requests"))
    assert "Family links ended recently" in queue and "Zzpat Zzparent" in queue
    with family.app.app_context():
        assert Message.select().where(Message.recipient == family.parent).count() == 1
    # Already ended, another child's link, a professional's link: 404.
    assert family.post(officer, f"/team/people/{family.child.id}/family-links/{link.id}/end").status_code == 404
    assert family.post(officer, f"/team/people/{family.other_child.id}/family-links/{link.id}/end").status_code == 404


def test_a_confirmed_family_member_gets_a_message_and_an_email_without_the_childs_name(family, newcomer):
    user, client = newcomer
    _enter(family, client, _new_code(family))
    with family.app.app_context():
        request = ReferenceCode.get(ReferenceCode.used_by == user)
    family.post(family.client_for(family.officer), f"/team/link-requests/{request.id}", {"action": "confirm"})
    email = last_email(family.app, to="newcomer@example.org")
    assert email.kind == "new-message"
    assert "Zzpoppy" not in email.text_body and "Zzthompson" not in email.text_body
    inbox = _html(client.get("/messages/"))
    assert "You can now see information about Zzpoppy" in inbox
