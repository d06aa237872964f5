"""services/people/codes.py, links.py and services/family/: reference codes, the plain-English
timeline, the comment window, link requests and what a family may see."""
import datetime as dt

import pytest

import models
from models import Case, Link, Person, ReferenceCode, User, utcnow
from services.cases import events, windows
from services.family import shared, timeline
from services.people import codes, links

DAY = dt.date(2026, 1, 5)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def _person(**kw):
    return Person.create(forename=kw.pop("forename", "Zzpoppy"), surname="Zzthompson",
                         date_of_birth=kw.pop("date_of_birth", dt.date(2016, 3, 27)), **kw)


def _case(steps, person=None, today=dt.date(2026, 6, 1)):
    """A case built through the event functions (services.cases.events)."""
    person = person or _person()
    events.record_all(None, person, steps, today=today)
    return Case.get(Case.person == person)


def _user(email, role="citizen"):
    return User.create(email=email, role=role, status="active")


# --- codes --------------------------------------------------------------------------------------

def test_new_codes_use_the_alphabet_and_differ():
    made = {codes.new_code() for _ in range(200)}
    assert len(made) == 200
    for code in made:
        assert len(code) == 12 and set(code) <= set(codes.CODE_ALPHABET)


def test_the_alphabet_has_no_characters_people_confuse():
    assert not set("0O1IL") & set(codes.CODE_ALPHABET)


def test_format_and_normalise_round_trip():
    assert codes.format_code("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
    for typed in ("ABCD-EFGH-JKMN", "abcd efgh jkmn", " abcd-efgh-jkmn ", "ABCDEFGHJKMN"):
        assert codes.normalise_code(typed) == "ABCDEFGHJKMN"


@pytest.mark.parametrize("typed", ["", None, "ABC", "ABCD-EFGH-JKM0", "ABCD-EFGH-JKMNP", "ÄBCD-EFGH-JKMN",
                                   "x" * 1000])
def test_normalise_refuses_what_cannot_be_a_code(typed):
    assert codes.normalise_code(typed) is None


def test_the_digest_depends_on_the_secret_key(ctx):
    digest = codes.code_digest("ABCDEFGHJKMN")
    assert len(digest) == 64 and "ABCDEFGHJKMN" not in digest
    ctx.config["SECRET_KEY"] = "another"
    assert codes.code_digest("ABCDEFGHJKMN") != digest


def test_redeem_outcomes(ctx):
    person = _person()
    officer = _user("o@example.org", "officer")
    parent = _user("p@example.org")
    code, row = codes.create_code(person, officer=officer)
    assert codes.redeem(parent, "WRONGWRONGWR", relationship="Mother") == "bad"
    assert codes.redeem(parent, code, relationship="Mother") == "ok"
    assert ReferenceCode.get_by_id(row.id).status == "pending"
    assert codes.redeem(_user("q@example.org"), code, relationship="Mother") == "bad"  # used
    assert [r.id for r in codes.my_requests(parent)] == [row.id]


def test_an_expired_code_is_bad(ctx):
    person = _person()
    code, _row = codes.create_code(person, officer=None, now=utcnow() - dt.timedelta(days=31))
    assert codes.redeem(_user("p@example.org"), code, relationship="Mother") == "bad"


def test_a_code_that_expires_tomorrow_works(ctx):
    code, _row = codes.create_code(_person(), officer=None, now=utcnow() - dt.timedelta(days=29))
    assert codes.redeem(_user("p@example.org"), code, relationship="Mother") == "ok"


def test_a_young_person_under_sixteen_is_refused_but_the_code_is_kept(ctx):
    child = _person(date_of_birth=DAY.replace(year=DAY.year - 16) + dt.timedelta(days=1))
    code, row = codes.create_code(child, officer=None)
    young = _user("y@example.org")
    assert codes.redeem(young, code, relationship=codes.MYSELF, today=DAY) == "too-young"
    assert ReferenceCode.get_by_id(row.id).status == "unused"
    assert codes.redeem(young, code, relationship=codes.MYSELF,
                        today=DAY + dt.timedelta(days=1)) == "ok"


def test_confirm_links_and_refuse_does_not(ctx):
    person = _person()
    officer = _user("o@example.org", "officer")
    first, second = _user("a@example.org"), _user("b@example.org")
    for user in (first, second):
        code, _ = codes.create_code(person, officer=officer)
        codes.redeem(user, code, relationship="Mother")
    pending = codes.pending_requests()
    assert [r.used_by_id for r in pending] == [first.id, second.id]
    assert codes.confirm(pending[0], officer=officer) is None
    assert codes.refuse(pending[1], officer=officer) is None
    assert codes.confirm(pending[1], officer=officer) == "This request has already been dealt with."
    assert Link.get(Link.user == first).how == "parent"
    assert not Link.select().where(Link.user == second).exists()
    assert [r.status for r in codes.recent_decisions()] in (["confirmed", "refused"],
                                                            ["refused", "confirmed"])


def test_confirm_reopens_an_ended_link(ctx):
    person = _person()
    officer = _user("o@example.org", "officer")
    parent = _user("p@example.org")
    old = Link.create(user=parent, person=person, how="parent", ended_at=utcnow())
    code, _ = codes.create_code(person, officer=officer)
    assert codes.redeem(parent, code, relationship="Father") == "ok"
    codes.confirm(codes.pending_requests()[0], officer=officer)
    assert Link.get_by_id(old.id).ended_at is None


def test_end_family_link_only_ends_family_links(ctx):
    person = _person()
    officer = _user("o@example.org", "officer")
    pro = _user("pro@example.org", "professional")
    parent = _user("p@example.org")
    pro_link = Link.create(user=pro, person=person, how="sen-team")
    parent_link = Link.create(user=parent, person=person, how="parent")
    assert not links.end_family_link(person, pro_link.id, officer=officer)
    assert links.end_family_link(person, parent_link.id, officer=officer)
    assert not links.end_family_link(person, parent_link.id, officer=officer)
    assert [link.id for link in links.recently_ended()] == [parent_link.id]
    assert [link.id for link in links.family_links(person)] == [parent_link.id]


# --- the timeline --------------------------------------------------------------------------------

def test_no_case_no_timeline(ctx):
    assert timeline.timeline(None, DAY) == ([], [])
    assert "has not opened a case yet" in timeline.stage_text(_person(), None)


def test_timeline_before_the_decision(ctx):
    case = _case([("request", dt.date(2026, 1, 5))], today=dt.date(2026, 2, 4))
    done, upcoming = timeline.timeline(case, dt.date(2026, 2, 4))
    assert [m.text for m in done] == [
        "The council received the request for an EHC needs assessment on 5 January 2026."]
    assert upcoming[0].text == ("The council must decide whether to carry out an assessment by "
                                "16 February 2026 (due in 12 days).")
    assert upcoming[0].when == "due in 12 days"


def test_timeline_when_late_and_overdue(ctx):
    case = _case([("request", dt.date(2026, 1, 5)),
                  ("assess-decision", dt.date(2026, 2, 20), "yes")])
    done, upcoming = timeline.timeline(case, dt.date(2026, 6, 1))
    assert "That was 4 days after the legal deadline." in done[1].text
    overdue = [m for m in upcoming if m.status == "overdue"]
    assert overdue and "overdue by" in overdue[0].text


def test_timeline_comment_window_text(ctx):
    case = _case([("request", dt.date(2026, 1, 5)), ("assess-decision", dt.date(2026, 2, 1), "yes"),
                  ("issue-decision", dt.date(2026, 4, 1), "yes"),
                  ("draft-plan", dt.date(2026, 4, 10))])
    _done, upcoming = timeline.timeline(case, dt.date(2026, 4, 20))
    comments = next(m for m in upcoming if m.key == "comments")
    assert comments.text == ("You can send your comments on the draft plan until 25 April 2026 "
                             "(due in 5 days).")
    _done, upcoming = timeline.timeline(case, dt.date(2026, 4, 26))
    comments = next(m for m in upcoming if m.key == "comments")
    assert comments.text == "The time for comments on the draft plan ended on 25 April 2026."


def test_every_key_date_has_plain_words(ctx):
    case = _case([("request", dt.date(2025, 1, 6)), ("assess-decision", dt.date(2025, 2, 1), "yes"),
                  ("issue-decision", dt.date(2025, 4, 1), "yes"),
                  ("draft-plan", dt.date(2025, 4, 10)),
                  ("family-response", dt.date(2025, 4, 20), "comments"),
                  ("final-plan", dt.date(2025, 5, 20)), ("review-meeting", dt.date(2026, 5, 1))])
    done, upcoming = timeline.timeline(case, dt.date(2026, 5, 10))
    texts = [m.text for m in done + upcoming]
    assert all(not t.startswith(("Decision", "Draft", "Final", "Annual")) for t in texts), texts
    assert any("annual review" in t for t in texts)


R = dt.date(2025, 1, 6)
W = dt.timedelta(weeks=1)
STEPS = [("request", R), ("assess-decision", R + 5 * W, "yes"), ("issue-decision", R + 14 * W, "yes"),
         ("draft-plan", R + 16 * W), ("family-response", R + 17 * W, "no-comments"),
         ("final-plan", R + 19 * W)]


@pytest.mark.parametrize("steps, words", [
    (STEPS[:1], "looking at the request"), (STEPS[:2], "assessing Zzpoppy's needs"),
    (STEPS[:3], "decided to write an EHC plan for Zzpoppy"),
    (STEPS[:4], "sent you the draft EHC plan"), (STEPS, "has an EHC plan"),
    ([STEPS[0], ("assess-decision", R + 5 * W, "no")], "decided not to carry out"),
    ([*STEPS[:2], ("issue-decision", R + 14 * W, "no")], "decided not to issue"),
    ([*STEPS, ("plan-ceased", R + 30 * W, "", {"reason": "Moved to adult services"})],
     "plan has ended"),
])
def test_stage_text(ctx, steps, words):
    case = _case(steps)
    assert words in timeline.stage_text(case.person, case)


# --- the comment window --------------------------------------------------------------------------

def test_window_problem_applies_only_to_comments(ctx):
    person = _person()
    assert windows.window_problem("parent-carer-views", person, DAY) is None
    assert "once the SEN Team has sent you the draft" in windows.window_problem(
        windows.COMMENTS_FORM, person, DAY)
    _case([("request", DAY - 20 * W), ("assess-decision", DAY - 15 * W, "yes"),
           ("issue-decision", DAY - 2 * W, "yes"), ("draft-plan", DAY)], person=person)
    assert windows.window_problem(windows.COMMENTS_FORM, person, DAY + dt.timedelta(days=15)) is None
    closed = windows.window_problem(windows.COMMENTS_FORM, person, DAY + dt.timedelta(days=16))
    assert closed.startswith("The time for comments on the draft plan ended on 20 January 2026.")
    assert windows.window_problem(windows.COMMENTS_FORM, person.id, DAY) is None  # an id works too


def test_family_forms_are_the_citizen_startable_ones(ctx):
    keys = [f.key for f in shared.family_forms(ctx.extensions["forms"])]
    assert keys[0] == "parent-request" or keys[0] == "parental-consent"
    assert set(keys) >= {"parent-request", "parental-consent", "ehc9c-child-views",
                         "ehc9c-easy-read", "parent-carer-views", "draft-plan-comments"}
    assert "primary-request" not in keys


def test_add_child_links_the_family_member(ctx):
    young = User.create(email="y@example.org", role="citizen", status="active",
                        citizen_kind="young-person")
    person = shared.add_child(young, {"forename": "Zzme", "surname": "Zzself",
                                      "date_of_birth": dt.date(2008, 1, 1)})
    assert person.needs_matching
    assert Link.get(Link.person == person).how == "young-person"


def test_the_model_is_registered():
    assert models.ReferenceCode in models.ALL_MODELS
