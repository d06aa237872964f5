"""The SEN2 pages (blueprints/sen2.py): an officer fills a child's SEN2 details and placements
(bad input: error summary and message at the field, same page, nothing lost or saved), the fix
list links each child to its case, and the return downloads (and comes from `flask sen2`)."""
import datetime as dt

import pytest
from lxml import etree

from models import AuditEvent, Sen2Need, Sen2Placement, Sen2Record
from services.cases import events
from tests.helpers import csrf_from
from tests.http.team_helpers import person

pytestmark = pytest.mark.usefixtures("fixed_today")  # 16 March 2026
D = dt.date


def url(child, tail=""):
    return f"/team/sen2/people/{child.id}{tail}"


def post(client, path, data):
    token = csrf_from(client.get("/team/"))
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def child(app):
    return person(app, gender="Male", ethnicity="Chinese", postcode="TS18 1AU")


def test_the_case_page_links_to_the_sen2_details(app, client, officer, child):
    with app.app_context():
        events.record_all(officer, child, [("request", D(2026, 3, 2), "", {"how": "post"})])
    page = client.get(f"/team/people/{child.id}").get_data(as_text=True)
    assert f'href="/team/sen2/people/{child.id}"' in page
    page = client.get(url(child)).get_data(as_text=True)
    assert "CHNE" in page  # the ethnicity's DfE code, from the child's details
    assert '<option value="M" selected' in page  # sex from the child's gender until saved


def test_saving_the_details(app, client, officer, child):
    response = post(client, url(child), {"upn": "f8012 0010 0001", "sex": "M", "request_source": "2",
                                         "personal_budget": "yes", "need_1": "SLCN", "need_2": "ASD"})
    assert response.status_code == 303
    with app.app_context():
        record = Sen2Record.get(Sen2Record.person == child.id)
        assert (record.upn, record.sex, record.request_source) == ("F801200100001", "M", "2")
        assert record.personal_budget and not record.direct_payments
        assert [(n.code, n.rank) for n in Sen2Need.select().order_by(Sen2Need.rank)] == [
            ("SLCN", 1), ("ASD", 2)]
        assert AuditEvent.get(AuditEvent.action == "sen2.details").person_id == child.id


def test_a_bad_upn_and_a_bad_code_are_shown_at_their_fields(app, client, officer, child):
    response = post(client, url(child), {"upn": "G801200100001", "sex": "Q", "uln": "1234567899",
                                         "need_1": "ASD"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and 'href="#upn"' in page and 'href="#sex"' in page
    assert 'id="upn-error"' in page and "check letter" in page
    assert 'value="G801200100001"' in page and 'value="1234567899"' in page  # nothing lost
    with app.app_context():
        assert Sen2Record.select().count() == 0 and Sen2Need.select().count() == 0


def test_the_rest_of_the_return_is_captured_and_checked_at_entry(app, client, officer, child):
    fields = {"sex": "M", "rya": "yes", "other_mediation": "yes", "other_tribunal": "yes",
              "plan_res": "b", "plan_wbp": "yes", "transfer_la": "80"}
    response = post(client, url(child), {**fields, "plan_res": "C"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#transfer_la"' in page and 'href="#plan_res"' in page and "3 numbers" in page
    assert 'value="80"' in page  # nothing lost
    with app.app_context():
        assert Sen2Record.select().count() == 0
    assert post(client, url(child), {**fields, "transfer_la": "807"}).status_code == 303
    with app.app_context():
        record = Sen2Record.get(Sen2Record.person == child.id)
        assert (record.rya, record.other_mediation, record.other_tribunal, record.plan_wbp) == (
            True, True, True, True)
        assert (record.plan_res, record.transfer_la) == ("B", "807")
    page = client.get(url(child)).get_data(as_text=True)
    assert '<option value="B" selected' in page and 'value="807"' in page


def test_a_residential_placement(app, client, officer, child):
    data = {"urn": "123456", "rank": "1", "entry-day": "1", "entry-month": "9", "entry-year": "2025"}
    response = post(client, url(child, "/placements"), {**data, "res": "Z"})
    assert response.status_code == 422 and 'href="#res"' in response.get_data(as_text=True)
    assert post(client, url(child, "/placements"), {**data, "res": "A", "wbp": "yes"}).status_code == 303
    with app.app_context():
        placement = Sen2Placement.get(Sen2Placement.person == child.id)
        assert (placement.res, placement.wbp) == ("A", True)
    assert "residential up to 38 weeks a year, work-based learning" in client.get(url(child)).get_data(as_text=True)


def test_adding_and_removing_a_placement(app, client, officer, child):
    response = post(client, url(child, "/placements"), {
        "urn": "123456", "rank": "1", "entry-day": "1", "entry-month": "9", "entry-year": "2025",
        "leaving-day": "20", "leaving-month": "7", "leaving-year": "2026", "sen_unit": "yes"})
    assert response.status_code == 303
    with app.app_context():
        placement = Sen2Placement.get(Sen2Placement.person == child.id)
        assert (placement.urn, placement.entry_date, placement.leaving_date, placement.sen_unit) == (
            "123456", D(2025, 9, 1), D(2026, 7, 20), True)  # a leaving date may be in the future
    assert "URN 123456" in client.get(url(child)).get_data(as_text=True)
    assert post(client, url(child, "/placements"), {"remove": str(placement.id)}).status_code == 303
    with app.app_context():
        assert Sen2Placement.select().count() == 0


def test_a_bad_placement_stays_on_the_page(app, client, officer, child):
    response = post(client, url(child, "/placements"), {
        "urn": "12345", "rank": "1", "entry-day": "31", "entry-month": "2", "entry-year": "2025"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and 'href="#entry-day"' in page
    assert 'value="12345"' in page
    response = post(client, url(child, "/placements"), {"urn": "12345", "rank": "1"})
    assert response.status_code == 422 and 'href="#urn"' in response.get_data(as_text=True)
    with app.app_context():
        assert Sen2Placement.select().count() == 0


def test_another_childs_placement_cannot_be_removed(app, client, officer, child):
    other = person(app, forename="Zzother")
    with app.app_context():
        theirs = Sen2Placement.create(person=other, urn="123456", rank=1)
    post(client, url(child, "/placements"), {"remove": str(theirs.id)})
    with app.app_context():
        assert Sen2Placement.select().count() == 1


def test_the_fix_list_and_the_download(app, client, officer, child):
    with app.app_context():
        events.record_all(officer, child, [("request", D(2026, 3, 2), "", {"how": "post"})])
    page = client.get("/team/sen2/?census=2027-01-21").get_data(as_text=True)
    assert f'href="/team/people/{child.id}"' in page
    assert "UPN is missing" in page and "Request source is missing" in page
    post(client, url(child), {"upn": "F801200100001", "request_source": "1", "sex": "M"})
    page = client.get("/team/sen2/?census=2027-01-21").get_data(as_text=True)
    assert "UPN is missing" not in page and "0 with something to fix" in page
    response = client.get("/team/sen2/return.xml?census=2027-01-21")
    assert response.mimetype == "application/xml"
    document = etree.fromstring(response.data)
    assert document.findtext("Persons/Person/UPN") == "F801200100001"
    assert document.findtext("Persons/Person/Requests/RequestSource") == "1"


def test_a_bad_census_date_falls_back_to_the_next_census(client, officer):
    page = client.get("/team/sen2/?census=2027-13-45").get_data(as_text=True)
    assert 'value="2027-01-21"' in page


def test_the_sen2_command_writes_the_return(app, tmp_path, child):
    with app.app_context():
        events.record_all(None, child, [("request", D(2026, 3, 2), "", {"how": "post"})])
    out = tmp_path / "sen2.xml"
    result = app.test_cli_runner().invoke(args=["sen2", "--census", "2027-01-21", str(out)])
    assert result.exit_code == 0 and "Wrote 1 children" in result.output
    assert etree.parse(str(out)).findtext("Persons/Person/Forename") == "Zzpoppy"
    bad = app.test_cli_runner().invoke(args=["sen2", "--census", "21/01/2027", str(out)])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
