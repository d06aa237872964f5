"""One clock: at 00:30 UK summer time (23:30 UTC the day before) every "today" is the UK date.

Messages ("due in N days"), the caseload's next deadline, the key dates panel and the family's
timeline all read services/kernel/clock.py, so freezing ``clock._now`` moves them together.
"""
import datetime as dt

import pytest

import models
from models import Link, Person
from services.cases import events, statutory
from services.casework import messages
from services.kernel import clock

LATE_EVENING_UTC = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.timezone.utc)  # 00:30 BST on 2 July
UK_TODAY = dt.date(2026, 7, 2)
RECEIVED = UK_TODAY - statutory.DECISION_TO_ASSESS  # the decision to assess is due today


@pytest.fixture(autouse=True)
def half_past_midnight(monkeypatch):
    monkeypatch.setattr(clock, "_now", lambda: LATE_EVENING_UTC)


@pytest.fixture
def world(app, make_user):
    officer = make_user("officer@example.org", role="officer")
    pro = make_user("senco@example.org")
    parent = make_user("parent@example.org", role="citizen")
    with app.app_context(), models.db.atomic():
        person = Person.create(forename="Zzpoppy", surname="Zzthompson",
                               date_of_birth=dt.date(2019, 4, 1))
        Link.create(user=pro, person=person, how="sen-team", linked_by=officer)
        Link.create(user=parent, person=person, how="parent", linked_by=officer)
        events.record(officer, person, "request", RECEIVED, today=UK_TODAY)
    with app.test_request_context(), models.db.atomic():
        message = messages.send_message(pro, "request", "Request for information", "Please.",
                                        person=person, due_date=UK_TODAY + dt.timedelta(days=10))
    return officer, pro, parent, person, message


def test_the_clock_reads_uk_time():
    assert clock.uk_today() == UK_TODAY
    assert (clock.uk_now().hour, clock.uk_now().minute) == (0, 30)


def test_messages_count_days_from_the_uk_date(client, signed_in, world):
    _officer, pro, _parent, _person, message = world
    signed_in(client, pro)
    html = client.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "due in 10 days" in html


def test_the_caseload_and_key_dates_use_the_uk_date(app, client, signed_in, world):
    officer, pro, _parent, person, _message = world
    signed_in(client, officer)
    assert "due today" in client.get("/team/").get_data(as_text=True)
    signed_in(client, pro)
    assert "due today" in client.get(f"/people/{person.id}/forms").get_data(as_text=True)


def test_the_family_timeline_uses_the_uk_date(app, client, signed_in, world):
    _officer, _pro, parent, person, _message = world
    signed_in(client, parent)
    html = client.get(f"/family/children/{person.id}").get_data(as_text=True)
    assert "due today" in html
