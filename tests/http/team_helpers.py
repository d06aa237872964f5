"""Helpers for the SEN team's HTTP tests (test_team_*.py): invented children and their cases on a
fixed day. The ``officer`` and ``fixed_today`` fixtures are in tests/http/conftest.py."""
import datetime as dt

import models
from models import Case, Person
from tests.helpers import legacy_case

TODAY = dt.date(2026, 3, 16)  # a Monday; the fixed_today fixture sets services.kernel.clock to its noon


def person(app, forename="Zzpoppy", surname="Zzthompson", born="2012-10-08", **fields):
    """An invented child (nobody linked)."""
    with app.app_context():
        return Person.create(forename=forename, surname=surname,
                             date_of_birth=dt.date.fromisoformat(born), **fields)


def case_for(app, who, *, officer=None, phase="request", **facts):
    """A case as an older release recorded it (``phase`` and date columns; request_received
    defaults to 10 days before TODAY), upgraded to events the way ``flask init-db`` does."""
    facts.setdefault("request_received", TODAY - dt.timedelta(days=10))
    with app.app_context():
        return legacy_case(who, TODAY, officer=officer, phase=phase, **facts)
