"""The published figures (services/sen2/figures.py, /team/sen2/figures): each measure from cases
built through the event functions, the 20-week rate computed from events agreeing with a table
worked out by hand, links from each number to its cases, the CSV and bad dates."""
import csv
import datetime as dt
import io

import pytest

from models import Person, Sen2Record
from services.cases import events
from services.sen2 import figures

D = dt.date
TODAY = D(2027, 1, 10)
YEAR = (D(2026, 1, 1), D(2026, 12, 31))


def plan(forename, request, final, *, exception=None, before_final=()):
    """A child whose plan was requested and issued on the given days (decisions in between)."""
    person = Person.create(forename=forename, surname="Zzfigures", date_of_birth=D(2015, 1, 1))
    steps = [("request", request), ("assess-decision", request + dt.timedelta(weeks=4), "yes")]
    if exception:
        steps.append(("exception", request + dt.timedelta(weeks=5), exception, {"reason": "Zz"}))
    steps += [("issue-decision", final - dt.timedelta(weeks=3), "yes"),
              ("draft-plan", final - dt.timedelta(weeks=3)), ("final-plan", final), *before_final]
    events.record_all(None, person, steps, today=TODAY)
    return person


# The hand table: request, final plan, exception? -> within 20 weeks?  (20 weeks = 140 days)
HAND = [
    ("Zza", D(2026, 1, 5), D(2026, 5, 25), None, True),     # exactly 140 days: on time
    ("Zzb", D(2026, 1, 5), D(2026, 5, 26), None, False),    # 141 days: late
    ("Zzc", D(2026, 3, 2), D(2026, 6, 1), None, True),      # 91 days
    ("Zzd", D(2026, 3, 2), D(2026, 9, 7), "family-delay", False),  # 189 days, an exception
    ("Zze", D(2026, 6, 1), D(2026, 10, 12), "family-absent", True),  # 133 days, an exception
    ("Zzf", D(2025, 8, 25), D(2026, 1, 12), None, True),    # 140 days, requested the year before
    ("Zzg", D(2026, 9, 7), D(2027, 1, 4), None, True),      # issued after the range: not counted
]


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_the_20_week_rate_agrees_with_the_hand_table(ctx):
    for forename, request, final, exception, _on_time in HAND:
        plan(forename, request, final, exception=exception)
    found, _ceased = figures.figures(*YEAR)
    counted = [row for row in HAND if YEAR[0] <= row[2] <= YEAR[1]]
    assert len(counted) == 6
    # Including exceptions: on time 4 (a, c, e, f) of 6 -> 66.7%.
    assert (found["rate"].within.count, found["rate"].of.count) == (4, 6)
    assert found["rate"].percent == 66.7
    # Excluding exceptions (d and e out): on time 3 (a, c, f) of 4 -> 75%.
    assert (found["rate-no-exception"].within.count, found["rate-no-exception"].of.count) == (3, 4)
    assert found["rate-no-exception"].percent == 75.0
    assert sorted(p.forename for p in found["in-20"].people) == ["Zza", "Zzc", "Zze", "Zzf"]
    assert all(figures.within_20_weeks(r, f) == on_time for _n, r, f, _e, on_time in HAND)


# Mediation or a tribunal appeal takes a plan out of the "excluding exceptions" measure too:
# request, final plan, exception?, mediation/tribunal? -> within 20 weeks?
DISPUTED = [
    ("Zzh", D(2026, 2, 2), D(2026, 6, 15), None, None, True),                   # 133 days
    ("Zzi", D(2026, 2, 2), D(2026, 8, 3), None, "assessment_tribunal", False),  # 182 days, appeal
    ("Zzj", D(2026, 3, 2), D(2026, 7, 13), None, "request_mediation", True),    # 133 days, mediation
    ("Zzk", D(2026, 3, 2), D(2026, 9, 7), None, None, False),                   # 189 days
    ("Zzl", D(2026, 4, 6), D(2026, 10, 5), "family-delay", "request_tribunal", False),
]


def by_hand(rows, *, excluding):
    kept = [r for r in rows if not (excluding and (r[3] or r[4]))]
    return sum(r[5] for r in kept), len(kept)


def test_the_rate_excluding_exceptions_leaves_out_mediation_and_tribunal(ctx):
    for forename, request, final, exception, dispute, _on_time in DISPUTED:
        person = plan(forename, request, final, exception=exception)
        if dispute:
            Sen2Record.create(person=person, **{dispute: True})
    found, _ceased = figures.figures(*YEAR)
    assert by_hand(DISPUTED, excluding=False) == (2, 5)  # h and j on time
    assert (found["rate"].within.count, found["rate"].of.count) == (2, 5)
    assert by_hand(DISPUTED, excluding=True) == (1, 2)  # h on time, k late
    assert (found["rate-no-exception"].within.count, found["rate-no-exception"].of.count) == (1, 2)
    assert sorted(p.forename for p in found["new-plans-no-exception"].people) == ["Zzh", "Zzk"]
    assert all(figures.within_20_weeks(r, f) == on_time for _n, r, f, _e, _d, on_time in DISPUTED)


def test_requests_assessments_reviews_and_ceased(ctx):
    reviewed = plan("Zzrev", D(2025, 1, 6), D(2025, 5, 19), before_final=[
        ("review-meeting", D(2026, 5, 19)), ("review-decision", D(2026, 6, 1), "cease"),
        ("plan-ceased", D(2026, 7, 1), "", {"reason": "Zz"})])
    late = plan("Zzlate", D(2025, 1, 6), D(2025, 5, 19), before_final=[("review-meeting", D(2026, 5, 20))])
    Sen2Record.create(person=reviewed, cease_reason="2")
    refused = Person.create(forename="Zzno", surname="Zzfigures", date_of_birth=D(2015, 1, 1))
    events.record_all(None, refused, [("request", D(2026, 2, 2)), ("assess-decision", D(2026, 3, 2), "no")],
                      today=TODAY)
    found, ceased = figures.figures(*YEAR)
    assert [p.forename for p in found["requests"].people] == ["Zzno"]
    assert found["assessments"].count == 0 and found["refusals"].count == 1
    assert found["reviews"].count == 2
    assert [p.forename for p in found["reviews-on-time"].people] == ["Zzrev"]  # 12 months to the day
    by_reason = {c.key: [p.forename for p in c.people] for c in ceased}
    assert by_reason["ceased-2"] == ["Zzrev"] and by_reason["ceased-9"] == []
    assert late.id not in {p.id for c in ceased for p in c.people}


def test_the_page_links_each_number_to_its_cases_and_downloads_csv(app, client, officer):
    with app.app_context():
        person = plan("Zza", D(2026, 1, 5), D(2026, 5, 25))
    query = {"from-day": "1", "from-month": "1", "from-year": "2026",
             "to-day": "31", "to-month": "12", "to-year": "2026"}
    page = client.get("/team/sen2/figures", query_string=query).get_data(as_text=True)
    assert 'href="#new-plans">1</a>' in page and 'id="new-plans"' in page
    assert f'href="/team/people/{person.id}"' in page
    assert "100.0%" in page
    response = client.get("/team/sen2/figures.csv", query_string=query)
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert ["New EHC plans issued", "1", ""] in rows
    assert ["Issued within 20 weeks, including exceptions", "1", "100.0"] in rows


def test_bad_dates_are_shown_at_the_field(client, officer):
    response = client.get("/team/sen2/figures", query_string={
        "from-day": "31", "from-month": "2", "from-year": "2026",
        "to-day": "1", "to-month": "1", "to-year": "2026"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and 'href="#from-day"' in page
    assert 'value="31"' in page  # nothing lost
    response = client.get("/team/sen2/figures", query_string={
        "from-day": "1", "from-month": "2", "from-year": "2026",
        "to-day": "1", "to-month": "1", "to-year": "2026"})
    assert response.status_code == 422 and "on or after the start date" in response.get_data(as_text=True)
