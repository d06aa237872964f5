"""My children and a child's page: where things stand, the statutory dates in plain English, what
has been shared (documents and submitted forms only), downloads — and the access matrix: a
parent sees only their own child, never a draft, never another family's document."""
import datetime as dt

import pytest

import models
from models import AuditEvent, Document
from services.kernel.clock import long_date
from tests.http.family_helpers import TODAY


def _html(response):
    return response.get_data(as_text=True)


# --- home -----------------------------------------------------------------------------------------

def test_send_home_and_the_home_tile_lead_a_citizen_to_my_children(family):
    client = family.client_for(family.parent)
    home = _html(client.get("/"))
    assert "My children" in home and "Special Educational Needs and Disabilities" not in home
    assert "Citizen Portal" in home and "Professional Portal" not in home
    send = client.get("/send")
    assert send.status_code == 302 and send.headers["Location"].endswith("/family/")


def test_my_children_lists_only_my_children(family):
    family.case(request_received=TODAY - dt.timedelta(days=30))
    html = _html(family.client_for(family.parent).get("/family/"))
    assert "Zzpoppy Zzthompson" in html and f"/family/children/{family.child.id}" in html
    assert "Zzsecret" not in html and "Zzstranger" not in html
    assert "Decision whether to assess" in html and "due in 12 days" in html


def test_my_children_without_children_offers_the_code_and_a_request(family):
    lonely = family.make_user("lonely@example.org", role="citizen")
    html = _html(family.client_for(lonely).get("/family/"))
    assert "No children are linked to your account yet" in html
    assert "Link my child with a reference code" in html
    assert "Ask for an assessment for a child who is not listed here" in html


def test_an_ended_link_hides_the_child(family):
    with family.app.app_context():
        models.Link.update(ended_at=models.utcnow()).where(models.Link.user == family.parent).execute()
    client = family.client_for(family.parent)
    assert "Zzpoppy" not in _html(client.get("/family/"))
    assert client.get(f"/family/children/{family.child.id}").status_code == 404


# --- the child page ---------------------------------------------------------------------------------

def test_the_child_page_without_a_case_says_so(family):
    response = family.client_for(family.parent).get(f"/family/children/{family.child.id}")
    html = _html(response)
    assert response.status_code == 200
    assert "Where things stand" in html and "has not opened a case yet" in html
    assert "Nothing has been shared with you yet" in html
    with family.app.app_context():
        event = AuditEvent.get(AuditEvent.action == "person-viewed")
        assert event.person_id == family.child.id and event.user_id == family.parent.id


def test_the_timeline_in_plain_english_with_due_in_n_days(family):
    received = TODAY - dt.timedelta(days=30)
    family.case(request_received=received)
    html = _html(family.client_for(family.parent).get(f"/family/children/{family.child.id}"))
    assert f"The council received the request for an EHC needs assessment on {long_date(received)}." in html
    decide_by = received + dt.timedelta(weeks=6)
    assert (f"The council must decide whether to carry out an assessment by {long_date(decide_by)} "
            "(due in 12 days).") in html
    assert "What happens next" in html and "What has happened" in html


def test_the_timeline_after_a_draft_plan_shows_the_comment_window(family):
    received = TODAY - dt.timedelta(weeks=18)
    family.case(phase="plan", request_received=received, decision_to_assess="yes",
                decision_date=received + dt.timedelta(weeks=5), assessment_start=received + dt.timedelta(weeks=5),
                decision_to_issue="yes", decision_to_issue_date=received + dt.timedelta(weeks=12),
                draft_plan_issued=TODAY - dt.timedelta(days=3))
    html = _html(family.client_for(family.parent).get(f"/family/children/{family.child.id}"))
    closes = TODAY + dt.timedelta(days=12)
    assert f"You can send your comments on the draft plan until {long_date(closes)} (due in 12 days)." in html
    assert "The council has sent you the draft EHC plan." in html
    assert "decided to carry out an EHC needs assessment" in html
    assert "The council sent you the draft EHC plan on" in html
    assert f"Send your comments by {long_date(closes)} (due in 12 days)" in html


def test_an_overdue_date_says_so_and_who_to_ask(family):
    family.case(request_received=TODAY - dt.timedelta(weeks=8))
    html = _html(family.client_for(family.parent).get(f"/family/children/{family.child.id}"))
    assert "(overdue by 14 days)" in html and "This date has passed" in html


def test_a_decision_not_to_assess_explains_the_letter(family):
    family.case(request_received=TODAY - dt.timedelta(weeks=7), decision_to_assess="no",
                decision_date=TODAY - dt.timedelta(weeks=1))
    html = _html(family.client_for(family.parent).get(f"/family/children/{family.child.id}"))
    assert "decided not to carry out an assessment" in html and "how to appeal" in html


# --- shared documents --------------------------------------------------------------------------------

def test_a_shared_document_is_listed_and_downloads_as_an_attachment(family):
    document = family.document(share_with=family.parent, body=b"%PDF-1.4 draft plan")
    client = family.client_for(family.parent)
    html = _html(client.get(f"/family/children/{family.child.id}"))
    assert "Draft EHC Plan" in html and f"/documents/{document.id}" in html
    response = client.get(f"/family/children/{family.child.id}/documents/{document.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 draft plan"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "draft%20plan.pdf" in response.headers["Content-Disposition"] or \
        "draft plan.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    with family.app.app_context():
        assert AuditEvent.get(AuditEvent.action == "document-downloaded").object_id == str(document.id)


def test_documents_not_shared_with_me_are_404(family):
    unshared = family.document()  # on my child's case, but not shared with me
    theirs = family.document(person=family.other_child, share_with=family.other_parent)
    removed = family.document(share_with=family.parent)
    with family.app.app_context():
        Document.update(removed_at=models.utcnow()).where(Document.id == removed.id).execute()
    client = family.client_for(family.parent)
    html = _html(client.get(f"/family/children/{family.child.id}"))
    assert f"/documents/{unshared.id}" not in html and f"/documents/{removed.id}" not in html
    for person_id, document_id in ((family.child.id, unshared.id), (family.child.id, theirs.id),
                                   (family.other_child.id, theirs.id), (family.child.id, removed.id),
                                   (family.child.id, 999999)):
        response = client.get(f"/family/children/{person_id}/documents/{document_id}")
        assert response.status_code == 404, (person_id, document_id)
        assert "Zzsecret" not in _html(response)


def test_a_shared_document_whose_file_is_missing_is_404(family):
    document = family.document(share_with=family.parent)
    from pathlib import Path
    (Path(family.app.config["UPLOAD_DIR"]) / document.stored_name).unlink()
    response = family.client_for(family.parent).get(
        f"/family/children/{family.child.id}/documents/{document.id}")
    assert response.status_code == 404


# --- shared forms ------------------------------------------------------------------------------------

def test_a_shared_submitted_form_can_be_viewed_and_downloaded(family):
    pro = family.make_user("pro@example.org", forename="Zzedward", surname="Zzpsych")
    family.link(pro, family.child, how="sen-team")
    instance = family.instance(pro, share_with=family.parent)
    client = family.client_for(family.parent)
    html = _html(client.get(f"/family/children/{family.child.id}"))
    assert "View Shared Form" in html and f"/forms/{instance.id}/view" in html
    assert "E4 Request Advice Educational Psychologist" in html and "Zzedward Zzpsych" in html
    assert client.get(f"/forms/{instance.id}/view").status_code == 200
    pdf = client.get(f"/forms/{instance.id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # A shared form is read-only: no Edit for the parent.
    assert family.post(client, f"/forms/{instance.id}/edit", {"version": "1"}).status_code == 404


@pytest.mark.parametrize("status", ["draft", "amending", "returned"])
def test_drafts_never_appear_even_when_shared(family, status):
    pro = family.make_user("pro@example.org")
    family.link(pro, family.child, how="sen-team")
    instance = family.instance(pro, status=status, share_with=family.parent)
    client = family.client_for(family.parent)
    html = _html(client.get(f"/family/children/{family.child.id}"))
    assert f"/forms/{instance.id}" not in html and "View Shared Form" not in html
    assert client.get(f"/forms/{instance.id}/view").status_code == 404
    assert client.get(f"/forms/{instance.id}/pdf").status_code == 404


def test_forms_not_shared_with_me_are_not_shown(family):
    pro = family.make_user("pro@example.org")
    family.link(pro, family.child, how="sen-team")
    unshared = family.instance(pro)
    shared_elsewhere = family.instance(pro, person=family.other_child, share_with=family.other_parent)
    client = family.client_for(family.parent)
    html = _html(client.get(f"/family/children/{family.child.id}"))
    assert f"/forms/{unshared.id}" not in html
    for instance in (unshared, shared_elsewhere):
        assert client.get(f"/forms/{instance.id}/view").status_code == 404
        assert client.get(f"/forms/{instance.id}/pdf").status_code == 404


def test_a_share_dies_with_the_link(family):
    pro = family.make_user("pro@example.org")
    instance = family.instance(pro, share_with=family.parent)
    document = family.document(share_with=family.parent)
    with family.app.app_context():
        models.Link.update(ended_at=models.utcnow()).where(models.Link.user == family.parent).execute()
    client = family.client_for(family.parent)
    assert client.get(f"/forms/{instance.id}/view").status_code == 404
    assert client.get(f"/family/children/{family.child.id}/documents/{document.id}").status_code == 404


# --- the access matrix ------------------------------------------------------------------------------

def test_another_familys_child_is_404_and_names_nobody(family):
    client = family.client_for(family.parent)
    for person_id in (family.other_child.id, 999999, 2 ** 70):
        response = client.get(f"/family/children/{person_id}")
        assert response.status_code == 404
        assert "Zzsecret" not in _html(response)


@pytest.mark.parametrize("role", ["professional", "officer"])
def test_citizen_pages_are_for_citizens(family, role):
    user = family.make_user(f"{role}2@example.org", role=role)
    family.link(user, family.child, how="sen-team")
    client = family.client_for(user)
    document = family.document(share_with=user)
    for url in ("/family/", f"/family/children/{family.child.id}", "/family/link", "/family/children/add",
                f"/family/children/{family.child.id}/documents/{document.id}"):
        assert client.get(url).status_code == 404, url
    assert family.post(client, f"/family/children/{family.child.id}/forms/parent-carer-views/start"
                       ).status_code == 404


def test_citizen_pages_need_two_step_verification(family):
    client = family.client_for(family.parent, two_step_passed=False)
    for url in ("/family/", f"/family/children/{family.child.id}", "/family/link"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/"), url


def test_anonymous_visitors_are_sent_to_sign_in(family):
    client = family.app.test_client()
    for url in ("/family/", f"/family/children/{family.child.id}", "/family/link",
                f"/family/codes/{family.child.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_the_child_page_works_on_a_phone_without_javascript(family):
    """No tables on the family pages (they overflow a 360px screen); every action is a real form
    or a link."""
    family.case(request_received=TODAY - dt.timedelta(days=3))
    family.document(share_with=family.parent)
    html = _html(family.client_for(family.parent).get(f"/family/children/{family.child.id}"))
    assert "<table" not in html
    assert 'name="viewport"' in html
    assert html.count('method="post"') >= 5  # Start buttons (and Sign Out) are real forms
