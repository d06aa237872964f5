"""LinkTally (issue 14, Scale): Select Person's "N records found" is read from one row the
database's triggers keep, not counted over every link. Whatever changes links — adding, hiding,
unhiding, ending, moving, deleting a link, a person or a user, many rows in one statement — the
row equals the count, on both engines; an existing database gets the triggers and its numbers."""
import datetime as dt

import pytest

import models
from models import Link, LinkTally, Person, User
from services.people import people
from tests.helpers import sql_statements
from tests.http.test_people_select import child

FILTERS = ("active", "hidden", "all")


def counted(user, show):
    where = (Link.user == user.id) & Link.ended_at.is_null()
    if show == "active":
        where &= Link.hidden == False  # noqa: E712
    elif show == "hidden":
        where &= Link.hidden == True  # noqa: E712
    return Link.select().where(where).count()


def assert_tallies(app, *users):
    """Each user's tallied numbers equal their counted links; returns the last user's."""
    with app.app_context():
        for user in users:
            numbers = {show: people.linked_count(user, show) for show in FILTERS}
            assert numbers == {show: counted(user, show) for show in FILTERS}, user.email
    return numbers


@pytest.fixture
def two(make_user):
    return make_user("tally.one@example.org"), make_user("tally.two@example.org")


def test_every_change_to_links_moves_the_numbers(app, two):
    one, other = two
    a = child(app, one, "Zza", "Zztally")
    b = child(app, one, "Zzb", "Zztally", hidden=True)
    c = child(app, one, "Zzc", "Zztally", ended=True)
    assert assert_tallies(app, one, other) == {"active": 0, "hidden": 0, "all": 0}  # other's
    assert assert_tallies(app, one) == {"active": 1, "hidden": 1, "all": 2}
    with app.app_context():
        Link.update(hidden=True).where(Link.person == a.id).execute()  # hide
        assert_tallies(app, one)
        Link.update(hidden=False).where(Link.person == b.id).execute()  # unhide
        assert_tallies(app, one)
        Link.update(ended_at=models.utcnow()).where(Link.person == b.id).execute()  # end
        assert_tallies(app, one)
        Link.update(ended_at=None).where(Link.person == c.id).execute()  # re-open
        assert_tallies(app, one)
        Link.update(user=other.id).where(Link.person == a.id).execute()  # move to another user
        assert_tallies(app, one, other)
        Link.create(user=other, person=c, hidden=True)
        Link.insert_many([{"user": other.id, "person": p.id, "hidden": n % 2 == 0}
                          for n, p in enumerate([b])]).execute()
        assert_tallies(app, one, other)
        Link.delete().where(Link.person == c.id).execute()  # two users' links in one statement
        assert_tallies(app, one, other)


def test_deleting_a_person_or_a_user_cascades_into_the_numbers(app, two, make_user):
    one, other = two
    kids = [child(app, one, f"Zzk{n}", "Zzcascade", hidden=n % 3 == 0) for n in range(7)]
    with app.app_context():
        for kid in kids:
            Link.create(user=other, person=kid)
    assert_tallies(app, one, other)
    with app.app_context():
        Person.delete_by_id(kids[0].id)
        Person.delete_by_id(kids[1].id)
    assert assert_tallies(app, one, other)["all"] == 5
    with app.app_context():
        User.delete_by_id(one.id)
        assert not Link.select().where(Link.user == one.id).exists()
        tally = LinkTally.get_or_none(LinkTally.user_id == one.id)
        assert tally is None or (tally.shown, tally.hidden) == (0, 0)
    assert_tallies(app, other)


def test_select_person_says_the_tallied_number_in_one_read(app, client, make_user, signed_in):
    pro = make_user("tally.pro@example.org")
    signed_in(client, pro)
    for n in range(3):
        child(app, pro, f"Zzshown{n}", "Zzfound")
    child(app, pro, "Zzhid", "Zzfound", hidden=True)
    assert "3 records found" in client.get("/people/").get_data(as_text=True)
    assert "1 record found" in client.get("/people/?show=hidden").get_data(as_text=True)
    assert "4 records found" in client.get("/people/?show=all").get_data(as_text=True)
    with app.app_context():
        with sql_statements(models.db.obj) as events:
            people.linked_people(pro)
    assert not any("COUNT" in e.sql.upper() for e in events), [e.sql for e in events]
    assert any('"link_tally"' in e.sql for e in events)


def test_converge_schema_adds_the_triggers_and_counts_an_existing_database(app, two):
    one, other = two
    for n in range(4):
        child(app, one, f"Zzold{n}", "Zzbefore", hidden=n == 0)
    with app.app_context():
        database = models.db.obj
        if isinstance(database, models.PostgresqlDatabase):
            database.execute_sql("DROP TRIGGER link_tally ON link")
        else:
            for name in ("insert", "delete", "update_old", "update_new"):
                database.execute_sql(f"DROP TRIGGER link_tally_{name}")
        LinkTally.delete().execute()
        Link.create(user=other, person=Person.create(forename="Zznew", surname="Zzuntallied",
                                                     date_of_birth=dt.date(2015, 1, 1)))
        assert not models.link_tally_kept()
        models.converge_schema()
        assert models.link_tally_kept()
        models.converge_schema()  # again: nothing counted twice
    assert_tallies(app, one, other)
    with app.app_context():
        assert (people.linked_count(one, "all"), people.linked_count(other)) == (4, 1)


def test_without_its_triggers_the_number_is_counted_not_read(app, two):
    one, _other = two
    child(app, one, "Zzfirst", "Zzcounted")
    with app.app_context():
        database = models.db.obj
        try:
            if isinstance(database, models.PostgresqlDatabase):
                database.execute_sql("DROP TRIGGER link_tally ON link")
            else:
                database.execute_sql("DROP TRIGGER link_tally_insert")
            database.portal_link_tally = None  # a process started on such a database
            child(app, one, "Zzsecond", "Zzcounted")  # not tallied
            assert people.linked_count(one) == 2 == counted(one, "active")
        finally:
            models.converge_schema()
        assert models.link_tally_trusted() and people.linked_count(one) == 2
