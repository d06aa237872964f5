"""The SEN team's caseload (issue 4): every person with a case, searched by name, filtered by
phase, officer and deadline, paged 50 at a time; People to match; Home's SEND tile for officers.
"""
import datetime as dt
import re

import pytest

import models
from models import Case, Person
from services.cases import caseload
from services.kernel import paging
from tests.helpers import explain, sql_statements
from tests.http.team_helpers import TODAY, case_for, person

PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}
pytestmark = pytest.mark.usefixtures("fixed_today")


def names(response):
    return re.findall(r'href="/team/people/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_the_caseload_lists_cases_soonest_deadline_first(app, client, officer):
    late = person(app, "Zzlate", "Zzbravo")
    soon = person(app, "Zzsoon", "Zzalpha")
    person(app, "Zznocase", "Zzcharlie")
    case_for(app, late, officer=officer, request_received=TODAY - dt.timedelta(days=50))
    case_for(app, soon, request_received=TODAY - dt.timedelta(days=40))
    response = client.get("/team/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert names(response) == ["Zzbravo, Zzlate", "Zzalpha, Zzsoon"]
    assert "2 cases found" in html
    assert "Decision whether to assess" in html
    assert "overdue by 8 days" in html and "due in 2 days" in html
    assert "Zzoliver Zzofficer" in html and "Not assigned" in html
    assert "08/10/2012" in html and "Request" in html


def test_search_by_name_and_long_searches(app, client, officer):
    case_for(app, person(app, "Zzpoppy", "Zzthompson"))
    case_for(app, person(app, "Zzarlo", "Zzbeetroot"))
    assert names(client.get("/team/?q=thomp")) == ["Zzthompson, Zzpoppy"]
    assert names(client.get("/team/?q=zzbeetroot+zzarlo")) == ["Zzbeetroot, Zzarlo"]
    response = client.get("/team/?q=" + "x" * 10000)
    assert response.status_code == 200 and "No cases match these filters" in response.get_data(True)
    response = client.get("/team/?q=%3Cscript%3E")
    assert "<script>" not in response.get_data(True).split("</header>")[1].split("<footer")[0]


def test_filter_by_phase(app, client, officer):
    case_for(app, person(app, "Zzreq", "Zzone"), phase="request")
    case_for(app, person(app, "Zzplan", "Zztwo"), phase="plan",
             decision_to_assess="yes", decision_date=TODAY - dt.timedelta(days=5))
    assert names(client.get("/team/?phase=plan")) == ["Zztwo, Zzplan"]
    assert names(client.get("/team/?phase=request")) == ["Zzone, Zzreq"]
    # A phase not in the list shows everything rather than failing.
    assert len(names(client.get("/team/?phase=nonsense"))) == 2


def test_filter_by_officer_mine_and_not_assigned(app, client, officer, make_user):
    other = make_user("other.officer@example.org", role="officer", forename="Zzolga",
                      surname="Zzother")
    case_for(app, person(app, "Zzmine", "Zzone"), officer=officer)
    case_for(app, person(app, "Zztheirs", "Zztwo"), officer=other)
    case_for(app, person(app, "Zznobody", "Zzthree"))
    assert names(client.get("/team/?officer=mine")) == ["Zzone, Zzmine"]
    assert names(client.get(f"/team/?officer={other.id}")) == ["Zztwo, Zztheirs"]
    assert names(client.get("/team/?officer=none")) == ["Zzthree, Zznobody"]
    assert len(names(client.get("/team/?officer=999999"))) == 3  # unknown: all officers
    html = client.get("/team/").get_data(as_text=True)
    assert '<option value="mine">Mine</option>' in html and "Zzolga Zzother" in html


def test_filter_overdue_and_due_this_week(app, client, officer):
    # Decision whether to assess is due 6 weeks (42 days) after the request.
    case_for(app, person(app, "Zzover", "Zzone"), request_received=TODAY - dt.timedelta(days=43))
    case_for(app, person(app, "Zztoday", "Zztwo"), request_received=TODAY - dt.timedelta(days=42))
    case_for(app, person(app, "Zzweek", "Zzthree"),
             request_received=TODAY - dt.timedelta(days=36))
    case_for(app, person(app, "Zzlater", "Zzfour"),
             request_received=TODAY - dt.timedelta(days=35))
    case_for(app, person(app, "Zzclosed", "Zzfive"), phase="closed",
             request_received=TODAY - dt.timedelta(days=60))
    assert names(client.get("/team/?due=overdue")) == ["Zzone, Zzover"]
    assert names(client.get("/team/?due=week")) == ["Zztwo, Zztoday", "Zzthree, Zzweek"]
    assert len(names(client.get("/team/"))) == 5
    assert "due today" in client.get("/team/?due=week").get_data(as_text=True)


def _bulk_cases(app, count, officer=None):
    with app.app_context():
        with models.db.atomic():
            Person.insert_many([
                {"forename": f"Zzchild{n:05d}", "surname": f"Zzfamily{n:05d}",
                 "date_of_birth": dt.date(2015, 1, 1)} for n in range(count)]).execute()
            ids = [p.id for p in Person.select(Person.id).order_by(Person.id)]
            Case.insert_many([
                {"person": pid, "phase": "assessment", "request_received": TODAY,
                 "next_deadline": TODAY + dt.timedelta(days=n % 100), "officer": officer}
                for n, pid in enumerate(ids)]).execute()


def test_paging_fifty_per_page_and_odd_page_numbers(app, client, officer):
    _bulk_cases(app, 120)
    first = client.get("/team/")
    assert len(names(first)) == 50 and "120 cases found" in first.get_data(as_text=True)
    assert 'class="govuk-pagination' in first.get_data(as_text=True)
    assert len(names(client.get("/team/?page=3"))) == 20
    for page in ("-1", "0", "abc", "1000000000", "9" * 5000):
        response = client.get(f"/team/?page={page}")
        assert response.status_code == 200, page
        assert len(names(response)) in (50, 20)
    assert len(names(client.get("/team/?page=1000000000"))) == 20  # clamped to the last page
    html = client.get("/team/?phase=assessment&page=2").get_data(as_text=True)
    assert "phase=assessment&amp;page=3" in html or "page=3&amp;phase=assessment" in html


def test_ten_thousand_cases_take_one_count_and_one_select(app, client, officer):
    _bulk_cases(app, 10000, officer=officer.id)
    with app.app_context():
        database = models.db.obj
        with sql_statements(database) as events:
            filters = caseload.CaseloadFilters(search="Zzchild04", officer="mine", due="week")
            result = caseload.caseload(officer, filters, cursor=paging.Cursor(2), today=TODAY)
        selects = [e for e in events
                   if e.sql.lstrip().upper().startswith("SELECT") and '"case"' in e.sql.lower()]
        statements = [e.sql for e in selects]
        plan = explain(database, selects[-1].sql, selects[-1].params)
    assert result.total == 70 and len(result.rows) == 20  # days 0..6 of each 100
    assert len(statements) == 2 and "LIMIT" in statements[1].upper()
    assert result.rows[0].person.forename.startswith("Zzchild04")
    assert result.rows[0].officer.id == officer.id and result.rows[0].deadline is not None
    assert plan
    assert client.get("/team/?page=200").status_code == 200


def test_filters_as_you_type_return_only_the_results(app, client, officer):
    case_for(app, person(app))
    response = client.get("/team/?q=zzpoppy", headers=PARTIAL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<div id=\"caseload-results\"")
    assert "<html" not in html and "Zzthompson, Zzpoppy" in html


def test_an_empty_caseload_explains_itself(client, officer):
    assert "There are no cases yet" in client.get("/team/").get_data(as_text=True)


def test_send_home_takes_officers_to_the_caseload(client, officer):
    response = client.get("/send")
    assert response.status_code == 302 and response.headers["Location"].endswith("/team/")


def test_people_to_match_lists_people_added_by_professionals(app, client, officer, make_user):
    pro = make_user("senco@example.org", forename="Zzsally", surname="Zzsenco")
    person(app, "Zzadded", "Zzbyschool", needs_matching=True, created_by=pro)
    matched = person(app, "Zzmatched", "Zzalready")
    case_for(app, matched)
    response = client.get("/team/match")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert names(response) == ["Zzbyschool, Zzadded"]
    assert "Zzsally Zzsenco" in html and "Open a case" in html and "Merge" in html
    assert "1 person to match" in html
    assert names(client.get("/team/match?q=nobody")) == []
    assert client.get("/team/match?page=-1&q=" + "y" * 10000).status_code == 200
