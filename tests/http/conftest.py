"""Fixtures shared by the HTTP tests (the app-wide ones, ``app``, ``make_user``..., are in
tests/conftest.py; plain helpers are in tests/http/*_helpers.py and tests/helpers.py).

- ``world``: the form runner's world (forms_helpers.World); ``cw``: that world plus an officer
  and a parent (forms_helpers.Casework).
- ``family``: the citizen views' world (family_helpers.Family).
- ``officer``: a signed-in SEN team officer on ``client``; ``fixed_today``: the SEN team's today is
  team_helpers.TODAY (a module asks for it with ``pytestmark = pytest.mark.usefixtures(...)``).
"""
import datetime as dt

import pytest

from models import Link, Person
from services.kernel import clock
from tests.http import team_helpers
from tests.http.family_helpers import Family
from tests.http.forms_helpers import Casework, World


@pytest.fixture
def world(app, make_user, signed_in):
    return World(app, make_user, signed_in)


@pytest.fixture
def cw(app, make_user, signed_in):
    return Casework(app, make_user, signed_in)


@pytest.fixture
def family(app, make_user, signed_in):
    officer = make_user("officer@example.org", role="officer", forename="Zzolive",
                        surname="Zzofficer")
    parent = make_user("parent@example.org", role="citizen", forename="Zzpat",
                       surname="Zzparent", citizen_kind="parent")
    other_parent = make_user("other@example.org", role="citizen", forename="Zzoscar",
                             surname="Zzother", citizen_kind="parent")
    with app.app_context():
        child = Person.create(forename="Zzpoppy", surname="Zzthompson",
                              date_of_birth=dt.date(2016, 3, 27))
        other_child = Person.create(forename="Zzsecret", surname="Zzstranger",
                                    date_of_birth=dt.date(2015, 1, 2))
        Link.create(user=parent, person=child, how="parent", linked_by=officer)
        Link.create(user=other_parent, person=other_child, how="parent", linked_by=officer)
    return Family(app, make_user, signed_in, officer, parent, child, other_parent, other_child)


@pytest.fixture
def fixed_today(monkeypatch):
    noon = dt.datetime.combine(team_helpers.TODAY, dt.time(12), dt.timezone.utc)
    monkeypatch.setattr(clock, "_now", lambda: noon)


@pytest.fixture
def officer(app, client, make_user, signed_in):
    user = make_user("officer@example.org", role="officer", forename="Zzoliver",
                     surname="Zzofficer")
    signed_in(client, user)
    return user
