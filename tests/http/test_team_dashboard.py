"""The SEN team's dashboard: open requests, decisions due this week, overdue advice and the
share of final plans issued within 20 weeks over the last 12 months (fixtures with known dates)."""
import datetime as dt
import re

import pytest

from models import AdviceRequest
from services.cases import dashboard
from tests.http.team_helpers import TODAY, case_for, person

pytestmark = pytest.mark.usefixtures("fixed_today")

D = dt.timedelta


def number(html, element_id):
    return int(re.search(rf'id="{element_id}">(\d+)<', html).group(1))


@pytest.fixture
def caseload(app, make_user):
    pro = make_user("psych@example.org", forename="Zzpeter", surname="Zzpsych")
    # Open requests (no decision yet); two of them are due a decision this week.
    case_for(app, person(app, "Zzdue", "Zztoday"), request_received=TODAY - D(weeks=6))
    case_for(app, person(app, "Zzdue", "Zzsunday"), request_received=TODAY - D(weeks=6) + D(days=6))
    case_for(app, person(app, "Zznot", "Zzyet"), request_received=TODAY - D(days=3))
    case_for(app, person(app, "Zzover", "Zzdue"), request_received=TODAY - D(weeks=6, days=1))
    # Decided: not open, not due.
    case_for(app, person(app, "Zzdecided", "Zzyes"), phase="assessment",
             request_received=TODAY - D(weeks=6), decision_to_assess="yes",
             decision_date=TODAY - D(days=1))
    # Final plans in the last 12 months: 2 of 3 within 20 weeks (exactly 20 weeks counts).
    for name, weeks, issued_ago in (("Zzontime", 20, 10), ("Zzearly", 18, 100),
                                    ("Zzlate", 22, 200), ("Zzolder", 19, 400)):
        issued = TODAY - D(days=issued_ago)
        case_for(app, person(app, name, "Zzplan"), phase="plan",
                 request_received=issued - D(weeks=weeks), decision_to_assess="yes",
                 decision_date=issued - D(weeks=weeks - 5), decision_to_issue="yes",
                 decision_to_issue_date=issued - D(weeks=3), draft_plan_issued=issued - D(weeks=2),
                 final_plan_issued=issued)
    child = person(app, "Zzadvice", "Zzchild")
    with app.app_context():
        for status, due in (("requested", TODAY - D(days=1)), ("in-progress", TODAY - D(days=20)),
                            ("requested", TODAY), ("received", TODAY - D(days=5)),
                            ("cancelled", TODAY - D(days=5))):
            AdviceRequest.create(person=child, recipient=pro, form_key="e4-educational-psychologist",
                                 due_date=due, status=status)


def test_dashboard_numbers(app, client, officer, caseload):
    response = client.get("/team/dashboard")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert number(html, "open-requests") == 4
    assert number(html, "decisions-due") == 2
    assert "Zztoday, Zzdue" in html and "Zzsunday, Zzdue" in html
    assert number(html, "overdue-advice") == 2
    assert "Zzpeter Zzpsych" in html and "overdue by 20 days" in html
    assert "2 of 3 (67%)" in html


def test_dashboard_service_counts_with_a_given_today(app, caseload):
    with app.app_context():
        numbers = dashboard.dashboard(TODAY)
        later = dashboard.dashboard(TODAY + D(days=7))
    assert (numbers["plans_on_time"], numbers["plans_total"], numbers["plans_percent"]) == (2, 3, 67)
    assert numbers["decisions_due"] == 2 and numbers["open_requests"] == 4
    # A week on, no request is 6 weeks old in the coming week (the newest is due in 32 days).
    assert later["decisions_due"] == 0
    assert later["overdue_advice"] == 3  # the one due TODAY is now late too


def test_no_final_plans_in_the_last_twelve_months(client, officer):
    html = client.get("/team/dashboard").get_data(as_text=True)
    assert "No final plans issued in the last 12 months" in html
    assert number(html, "open-requests") == 0 and number(html, "overdue-advice") == 0
