"""The officer's home (issue 12): tiles counting the work waiting — each the length of the list it
links to — and the statutory deadlines due this week. Professionals keep their welcome page."""
import datetime as dt
import re

import pytest

from models import FormInstance, utcnow
from tests.helpers import html
from tests.http import team_helpers
from tests.http.team_helpers import TODAY

pytestmark = pytest.mark.usefixtures("fixed_today")


def count(page, tile):
    found = re.search(rf'id="{tile}".*?data-count="(\d+)"', page, re.S)
    return int(found.group(1))


def href(page, tile):
    return re.search(rf'id="{tile}">\s*<a class="govuk-link portal-tile__link" href="([^"]+)"',
                     page).group(1).replace("&amp;", "&")


@pytest.fixture
def work(app, make_user):
    """Three open requests (decision due in 2 days, 8 days overdue, due in 32 days), a case past
    its decision, two forms waiting for review and a draft."""
    pro = make_user("senco@example.org", forename="Zzsally", surname="Zzsenco")
    soon = team_helpers.person(app, "Zzsoon", "Zzdue")
    late = team_helpers.person(app, "Zzlate", "Zzover")
    fresh = team_helpers.person(app, "Zzfresh", "Zznew")
    assessing = team_helpers.person(app, "Zzbusy", "Zzassess")
    team_helpers.case_for(app, soon, request_received=TODAY - dt.timedelta(days=40))
    team_helpers.case_for(app, late, request_received=TODAY - dt.timedelta(days=50))
    team_helpers.case_for(app, fresh, request_received=TODAY - dt.timedelta(days=10))
    team_helpers.case_for(app, assessing, phase="assessment",
                          request_received=TODAY - dt.timedelta(days=30),
                          decision_to_assess="yes", decision_date=TODAY - dt.timedelta(days=5))
    with app.app_context():
        for who, status in ((soon, "submitted"), (late, "submitted"), (fresh, "draft")):
            FormInstance.create(person=who, form_key="primary-request", schema_version=1,
                                author=pro, status=status,
                                submitted_at=utcnow() if status == "submitted" else None)
    return soon


def test_officer_home_counts_the_work_waiting(client, officer, work):
    page = html(client.get("/"))
    assert count(page, "awaiting-review") == 2
    assert count(page, "due-week") == 1
    assert count(page, "overdue") == 1
    assert count(page, "requests") == 3
    assert href(page, "awaiting-review") == "/team/review"
    assert href(page, "due-week") == "/team/?due=week"
    assert href(page, "overdue") == "/team/?due=overdue"
    assert href(page, "requests") == "/team/?phase=request"
    # The deadlines due this week, with what is due and when.
    due = page.split('id="due-this-week"')[1].split("</ul>")[0]
    deadline = TODAY - dt.timedelta(days=40) + dt.timedelta(weeks=6)
    assert "Zzdue, Zzsoon" in due and "Decision whether to assess" in due
    assert deadline.strftime("%d/%m/%Y") in due and "due in 2 days" in due
    assert "Zzover" not in due and "Zznew" not in due
    assert "Special Educational Needs and Disabilities tile" not in page  # not the pros' text


def test_each_tile_counts_what_its_list_shows(client, officer, work):
    page = html(client.get("/"))
    for tile in ("due-week", "overdue", "requests"):
        listing = html(client.get(href(page, tile)))
        children = set(re.findall(r'href="/team/people/(\d+)"', listing))
        assert len(children) == count(page, tile), tile
    review = html(client.get(href(page, "awaiting-review")))
    assert review.count("Zzsally Zzsenco") == count(page, "awaiting-review")


def test_nothing_waiting_says_so(client, officer):
    page = html(client.get("/"))
    assert count(page, "overdue") == 0 and count(page, "awaiting-review") == 0
    assert "No statutory deadlines in the next 7 days." in page


def test_a_new_request_appears_in_the_team_inbox_on_home(app, client, officer, work):
    from services.casework import messages
    with app.test_request_context():
        messages.send_message(officer, "new-request", "New request for assessment: Zzdue, Zzsoon",
                              "Zz body", person=work, email=False)
    page = html(client.get("/"))
    inbox = page.split('id="new-requests"')[1]
    assert "New request for assessment: Zzdue, Zzsoon" in inbox
    assert f'href="/team/people/{work.id}"' in inbox


def test_professionals_keep_their_welcome_page(app, make_user, signed_in):
    pro = make_user("senco@example.org")
    client = app.test_client()
    signed_in(client, pro)
    page = html(client.get("/"))
    assert "awaiting-review" not in page and "Messages" in page
