"""The forms section (Stockton guide pp. 9-12): each tab's actions by status, shared forms and
documents, the form search, the key-dates panel, and who may see any of it."""
import datetime as dt
import re

import pytest

import models
from models import (AuditEvent, Case, Document, FormInstance, FormReview, Link, Organisation,
                    Person, Share, Submission, WorkProfile)
from services.kernel import clock
from tests.helpers import csrf_from, legacy_case

EARLY = "early-years-request"
PRIMARY = "primary-request"
E4 = "e4-educational-psychologist"
PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}


# --- set-up -------------------------------------------------------------------------------------

def child(app, *users, forename="Zzpoppy", surname="Zzthompson"):
    with app.app_context():
        person = Person.create(forename=forename, surname=surname, gender="Female",
                               date_of_birth=dt.date(2019, 10, 8))
        for user in users:
            Link.create(user=user, person=person, how="sen-team")
        return person


def form_instance(app, author, person, key=EARLY, status="draft", *, rounds=None, answers=None):
    """A FormInstance in ``status`` (with Submission rounds when it was ever submitted)."""
    with app.app_context():
        submitted = status in ("submitted", "accepted", "returned", "amending")
        instance = FormInstance.create(
            person=person, form_key=key, schema_version=app.extensions["forms"].get(key).version,
            author=author, status=status, answers=answers or {},
            submitted_at=models.utcnow() if submitted else None)
        for number in range(1, (rounds if rounds is not None else int(submitted)) + 1):
            Submission.create(instance=instance, round=number, answers={},
                              schema_version=instance.schema_version, submitted_by=author)
        return instance


@pytest.fixture
def pro(app, client, make_user, signed_in):
    user = make_user("senco@example.org", forename="Lesley", surname="Harris")
    with app.app_context():
        org = Organisation.create(name="Zz Primary", name_key="zz primary")
        WorkProfile.create(user=user, professional_role="SENCo", organisation=org)
    signed_in(client, user)
    return user


@pytest.fixture
def poppy(app, pro):
    return child(app, pro)


def html_of(response):
    return response.get_data(as_text=True)


def tab(client, person, name="request", **params):
    response = client.get(f"/people/{person.id}/forms", query_string={"tab": name, **params})
    assert response.status_code == 200
    return html_of(response)


def row(html, anchor):
    """The <tr> with id ``anchor``."""
    match = re.search(rf'<tr class="govuk-table__row" id="{re.escape(anchor)}">(.*?)</tr>', html,
                      re.S)
    assert match, f"no row {anchor}"
    return match.group(1)


def actions(row_html):
    """The action labels of a row, in order."""
    return re.findall(r'data-module="govuk-button">([^<]+)<span', row_html)


def status_of(row_html):
    return re.search(r'<strong class="govuk-tag [^"]*">([^<]+)</strong>', row_html).group(1)


# --- the action rules, status by status --------------------------------------------------------

def test_no_instance_shows_not_started_and_a_start_form(client, pro, poppy):
    html = tab(client, poppy)
    early = row(html, f"form-{EARLY}")
    assert status_of(early) == "Not started" and actions(early) == ["Start"]
    assert (f'<form method="post" action="/people/{poppy.id}/forms/{EARLY}/start" '
            'class="portal-inline-form">') in early
    assert 'name="csrf_token"' in early
    # The seed's order, every request form startable.
    assert [a for a in re.findall(r'id="form-([a-z0-9-]+)"', html)] == [
        EARLY, PRIMARY, "secondary-request", "post16-request"]


def test_start_posts_to_the_runner(client, pro, poppy):
    html = tab(client, poppy)
    response = client.post(f"/people/{poppy.id}/forms/{EARLY}/start",
                           data={"csrf_token": csrf_from(client.get(f"/people/{poppy.id}/forms"))})
    assert response.status_code == 303
    assert "Start" in html


def test_draft_shows_continue_and_delete_and_no_start(app, client, pro, poppy):
    draft = form_instance(app, pro, poppy)
    html = tab(client, poppy)
    mine = row(html, f"form-{draft.id}")
    assert status_of(mine) == "Draft"
    assert actions(mine) == ["Continue", "Delete"]
    assert f'href="/forms/{draft.id}"' in mine and f'href="/forms/{draft.id}/delete"' in mine
    assert f'id="form-{EARLY}"' not in html  # no second "Not started" row while a draft is open
    assert "/start" not in mine and "PDF" not in mine


def test_submitted_shows_view_details_edit_pdf_and_start_another(app, client, pro, poppy):
    sent = form_instance(app, pro, poppy, status="submitted")
    mine = row(tab(client, poppy), f"form-{sent.id}")
    assert status_of(mine) == "Submitted"
    assert actions(mine) == ["View Details", "Edit", "PDF", "Start"]
    assert f'href="/forms/{sent.id}/view"' in mine and f'href="/forms/{sent.id}/pdf"' in mine
    assert f'action="/forms/{sent.id}/edit"' in mine
    assert f'name="version" value="{sent.version}"' in mine


def test_edit_from_the_tab_works(app, client, pro, poppy):
    sent = form_instance(app, pro, poppy, status="submitted")
    html = tab(client, poppy)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"/forms/{sent.id}/edit",
                           data={"csrf_token": token, "version": str(sent.version)})
    assert response.status_code == 303
    with app.app_context():
        assert FormInstance.get_by_id(sent.id).status == "amending"
    assert status_of(row(tab(client, poppy), f"form-{sent.id}")) == "Being amended"


def test_accepted_shows_view_details_and_pdf_but_no_edit(app, client, pro, poppy):
    done = form_instance(app, pro, poppy, status="accepted")
    mine = row(tab(client, poppy), f"form-{done.id}")
    assert status_of(mine) == "Accepted"
    assert actions(mine) == ["View Details", "PDF", "Start"]
    assert "/edit" not in mine


def test_returned_shows_continue_with_the_reason(app, client, pro, poppy, make_user):
    officer = make_user("officer@example.org", role="officer")
    back = form_instance(app, pro, poppy, status="returned")
    with app.app_context():
        FormReview.create(instance=back, round=1, decision="returned", officer=officer,
                          reason="Please attach the <b>consent</b> form")
    mine = row(tab(client, poppy), f"form-{back.id}")
    assert status_of(mine) == "Returned"
    assert actions(mine) == ["Continue"]  # never Delete: it was submitted once
    assert "Please attach the &lt;b&gt;consent&lt;/b&gt; form" in mine


def test_being_amended_shows_continue(app, client, pro, poppy):
    amending = form_instance(app, pro, poppy, status="amending")
    mine = row(tab(client, poppy), f"form-{amending.id}")
    assert status_of(mine) == "Being amended" and actions(mine) == ["Continue"]


def test_each_of_my_instances_is_its_own_row(app, client, pro, poppy):
    first = form_instance(app, pro, poppy, status="accepted")
    second = form_instance(app, pro, poppy, status="draft")
    html = tab(client, poppy)
    assert actions(row(html, f"form-{first.id}")) == ["View Details", "PDF"]
    assert actions(row(html, f"form-{second.id}")) == ["Continue", "Delete"]


def test_forms_of_other_tabs_and_other_people_are_not_listed(app, client, pro, poppy, make_user):
    e4 = form_instance(app, pro, poppy, key=E4, status="submitted")
    other_child = child(app, pro, forename="Zzother")
    elsewhere = form_instance(app, pro, other_child)
    html = tab(client, poppy)
    assert f"form-{e4.id}" not in html and f"form-{elsewhere.id}" not in html
    assert f'id="form-{e4.id}"' in tab(client, poppy, "assessment")


# --- shared forms and documents -----------------------------------------------------------------

@pytest.fixture
def other_pro(app, make_user, poppy):
    user = make_user("ep@example.org", forename="Zzed", surname="Psych")
    with app.app_context():
        Link.create(user=user, person=poppy, how="sen-team")
    return user


def share(app, person, recipient, *, instance=None, document=None):
    with app.app_context():
        return Share.create(person=person, recipient=recipient, instance=instance,
                            document=document)


def test_a_form_shared_by_another_professional(app, client, pro, poppy, other_pro):
    theirs = form_instance(app, other_pro, poppy, key=E4, status="submitted")
    assert f"form-{theirs.id}" not in tab(client, poppy, "assessment")
    assert client.get(f"/forms/{theirs.id}/view").status_code == 404
    share(app, poppy, pro, instance=theirs)
    shared = row(tab(client, poppy, "assessment"), f"form-{theirs.id}")
    assert actions(shared) == ["View Shared Form", "PDF"]
    assert "Shared with you: from Zzed Psych" in shared
    assert f'href="/forms/{theirs.id}/view"' in shared
    view = client.get(f"/forms/{theirs.id}/view")
    assert view.status_code == 200
    assert ">Edit<" not in html_of(view)
    pdf = client.get(f"/forms/{theirs.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with app.app_context():
        seen = [e.action for e in AuditEvent.select().where(
            (AuditEvent.user == pro) & (AuditEvent.object_id == str(theirs.id)))]
    assert "form-viewed" in seen and "form-pdf-downloaded" in seen
    # Shared is read-only: no editing, no Edit, no delete.
    assert client.get(f"/forms/{theirs.id}/work-details").status_code == 404
    token = csrf_from(view)
    assert client.post(f"/forms/{theirs.id}/edit", data={"csrf_token": token,
                                                         "version": "1"}).status_code == 404


def test_a_shared_form_is_gone_when_my_link_ends_or_it_is_being_amended(app, client, pro, poppy,
                                                                         other_pro):
    theirs = form_instance(app, other_pro, poppy, key=E4, status="submitted")
    share(app, poppy, pro, instance=theirs)
    with app.app_context():
        FormInstance.update(status="amending").where(FormInstance.id == theirs.id).execute()
    assert f"form-{theirs.id}" not in tab(client, poppy, "assessment")
    assert client.get(f"/forms/{theirs.id}/view").status_code == 404
    with app.app_context():
        FormInstance.update(status="accepted").where(FormInstance.id == theirs.id).execute()
    assert client.get(f"/forms/{theirs.id}/view").status_code == 200
    with app.app_context():
        Link.update(ended_at=models.utcnow()).where(Link.user == pro).execute()
    assert client.get(f"/forms/{theirs.id}/view").status_code == 404
    assert client.get(f"/forms/{theirs.id}/pdf").status_code == 404


def test_a_share_for_another_child_grants_nothing(app, client, pro, poppy, other_pro):
    theirs = form_instance(app, other_pro, poppy, key=E4, status="submitted")
    other_child = child(app, pro, forename="Zzother")
    share(app, other_child, pro, instance=theirs)  # forged: names the wrong child
    assert client.get(f"/forms/{theirs.id}/view").status_code == 404


def _document(app, person, *, kind="final-plan", tab_name="plan", title="Final EHC Plan",
              content=b"%PDF-1.4 final plan", removed=False):
    upload_dir = app.config["UPLOAD_DIR"]
    import os
    import secrets
    os.makedirs(upload_dir, exist_ok=True)
    stored = secrets.token_hex(24)
    with open(os.path.join(upload_dir, stored), "wb") as handle:
        handle.write(content)
    with app.app_context():
        return Document.create(person=person, kind=kind, tab=tab_name, title=title,
                               filename="Final plan <Zz>.pdf", stored_name=stored,
                               content_type="application/pdf", size=len(content),
                               issued_on=dt.date(2026, 1, 5),
                               removed_at=models.utcnow() if removed else None)


def test_a_shared_document_on_the_ehc_plan_tab(app, client, pro, poppy):
    plan = _document(app, poppy)
    assert f"document-{plan.id}" not in tab(client, poppy, "plan")
    assert client.get(f"/people/{poppy.id}/documents/{plan.id}").status_code == 404
    share(app, poppy, pro, document=plan)
    shared = row(tab(client, poppy, "plan"), f"document-{plan.id}")
    assert "Final EHC Plan" in shared and "Issued 5 January 2026" in shared
    assert actions(shared) == ["View Shared Form"]
    assert f'href="/people/{poppy.id}/documents/{plan.id}"' in shared
    response = client.get(f"/people/{poppy.id}/documents/{plan.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 final plan"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        event = AuditEvent.get(AuditEvent.action == "document-downloaded")
    assert event.person_id == poppy.id and event.user_id == pro.id and event.object_id == str(plan.id)


def test_letters_are_on_the_assessment_tab(app, client, pro, poppy):
    letter = _document(app, poppy, kind="letter", tab_name="assessment",
                       title="Decision to assess letter")
    share(app, poppy, pro, document=letter)
    shared = row(tab(client, poppy, "assessment"), f"document-{letter.id}")
    assert "Decision to assess letter" in shared and ">Letter</strong>" in shared
    assert f"document-{letter.id}" not in tab(client, poppy, "plan")


def test_documents_removed_or_of_another_child_are_not_found(app, client, pro, poppy):
    removed = _document(app, poppy, removed=True)
    share(app, poppy, pro, document=removed)
    other_child = child(app, pro, forename="Zzother")
    theirs = _document(app, other_child)
    share(app, other_child, pro, document=theirs)
    assert f"document-{removed.id}" not in tab(client, poppy, "plan")
    for path in (f"/people/{poppy.id}/documents/{removed.id}",
                 f"/people/{poppy.id}/documents/{theirs.id}",  # right doc, wrong child
                 f"/people/{poppy.id}/documents/0", f"/people/{poppy.id}/documents/abc",
                 f"/people/{poppy.id}/documents/" + "9" * 30):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/people/{other_child.id}/documents/{theirs.id}").status_code == 200


def test_a_missing_file_is_not_found(app, client, pro, poppy):
    plan = _document(app, poppy)
    share(app, poppy, pro, document=plan)
    import os
    os.remove(os.path.join(app.config["UPLOAD_DIR"], plan.stored_name))
    assert client.get(f"/people/{poppy.id}/documents/{plan.id}").status_code == 404


# --- tabs with and without htmx -----------------------------------------------------------------

def test_tabs_are_links_with_htmx_attributes(client, pro, poppy):
    html = tab(client, poppy)
    link = re.search(r'<a class="govuk-tabs__tab" href="([^"]+)" hx-get="([^"]+)" '
                     r'hx-target="#forms-panel" hx-swap="outerHTML" hx-push-url="true"[^>]*>'
                     r'Assessment</a>', html)
    assert link and link.group(1) == link.group(2) == f"/people/{poppy.id}/forms?tab=assessment"


def test_the_partial_panel_refreshes_the_tab_list_out_of_band(client, pro, poppy):
    response = client.get(f"/people/{poppy.id}/forms?tab=assessment", headers=PARTIAL)
    html = html_of(response)
    assert response.status_code == 200 and "<html" not in html
    # the panel, after the <title> htmx applies to the page (issue 13: the title follows the tab)
    assert re.match(r'\s*<title>Assessment forms: Zzthompson, Zzpoppy - [^<]+</title>'
                    r'<div class="govuk-tabs__panel" id="forms-panel">', html)
    assert 'id="forms-tabs" hx-swap-oob="true"' in html
    assert re.search(r'list-item--selected">\s*<a[^>]*tab=assessment', html)
    assert 'id="forms-search-tab" value="assessment" hx-swap-oob="true"' in html
    assert "Key dates" not in html
    assert "hx-swap-oob" not in tab(client, poppy, "assessment")  # the full page has none


# --- search -------------------------------------------------------------------------------------

def test_search_as_a_plain_get(client, pro, poppy):
    html = tab(client, poppy, q="primary")
    assert re.findall(r'id="form-([a-z0-9-]+)"', html) == [PRIMARY]
    assert 'value="primary"' in html and "Search forms" in html
    assert 'action="/people/' in html and 'method="get"' in html


def test_search_with_htmx_returns_the_panel(client, pro, poppy):
    response = client.get(f"/people/{poppy.id}/forms", query_string={"tab": "request",
                                                                       "q": "SECONDARY"},
                          headers=PARTIAL)
    html = html_of(response)
    assert "<html" not in html and re.findall(r'id="form-([a-z0-9-]+)"', html) == [
        "secondary-request"]
    # The tab links keep the search.
    assert f'href="/people/{poppy.id}/forms?tab=assessment&amp;q=SECONDARY"' in html


def test_search_form_has_htmx_attributes(client, pro, poppy):
    html = tab(client, poppy)
    form = re.search(r'<form method="get"[^>]*role="search"[^>]*>', html, re.S).group(0)
    assert 'hx-get="/people/' in form and 'hx-target="#forms-panel"' in form
    assert "input changed delay:300ms" in form
    assert '<label class="govuk-label" for="forms-q">' in html


def test_no_forms_match_points_to_other_tabs(client, pro, poppy):
    html = tab(client, poppy, q="psychologist")
    assert "No forms match “psychologist” in Request." in html
    assert f'href="/people/{poppy.id}/forms?tab=assessment&amp;q=psychologist"' in html
    assert "1 form in Assessment" in html


def test_search_for_a_document_title(app, client, pro, poppy):
    plan = _document(app, poppy)
    share(app, poppy, pro, document=plan)
    assert f"document-{plan.id}" in tab(client, poppy, "plan", q="final")
    assert f"document-{plan.id}" not in tab(client, poppy, "plan", q="draft")


@pytest.mark.parametrize("query", ["x" * 10000, "<script>alert(1)</script>", "\x00\x1f%", "   ",
                                   "a b c d e f g h", "😀", "' OR 1=1 --"])
def test_odd_searches_never_fail(client, pro, poppy, query):
    for headers in ({}, PARTIAL):
        response = client.get(f"/people/{poppy.id}/forms", query_string={"q": query},
                              headers=headers)
        html = html_of(response)
        assert response.status_code == 200
        assert "<script>alert" not in html


def test_script_in_the_search_is_escaped(client, pro, poppy):
    html = tab(client, poppy, q="<script>alert(1)</script>")
    assert "No forms match" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("value", ["nonsense", "<b>", "x" * 10000, "PLAN "])
def test_a_tab_not_in_the_list_is_the_request_tab(client, pro, poppy, value):
    html = tab(client, poppy, value)
    if value == "PLAN ":
        assert "EHC Plan</h2>" in html  # normalised, not refused
    else:
        assert f'id="form-{EARLY}"' in html


# --- key dates ----------------------------------------------------------------------------------

def key_dates(html):
    return dict(re.findall(r'<dt class="govuk-summary-list__key">([^<]+)</dt>\s*'
                           r'<dd class="govuk-summary-list__value">(.*?)</dd>', html, re.S))


def _today(monkeypatch, day):
    noon = dt.datetime.combine(day, dt.time(12), dt.timezone.utc)
    monkeypatch.setattr(clock, "_now", lambda: noon)


def test_no_case_yet(client, pro, poppy):
    html = tab(client, poppy)
    assert "The SEN Team has not recorded a request for this child yet." in html
    assert key_dates(html) == {}


def test_a_request_received_is_due_a_decision(app, client, pro, poppy, monkeypatch):
    with app.app_context():
        legacy_case(today=dt.date(2026, 6, 30), person=poppy, request_received=dt.date(2026, 1, 5))
    _today(monkeypatch, dt.date(2026, 1, 20))
    dates = key_dates(tab(client, poppy))
    assert "5 January 2026" in dates["Request for an EHC needs assessment received"]
    decision = dates["Decision whether to assess"]
    assert "Due by 16 February 2026" in decision and "due in 27 days" in decision
    _today(monkeypatch, dt.date(2026, 2, 20))
    decision = key_dates(tab(client, poppy))["Decision whether to assess"]
    assert "overdue by 4 days" in decision


def test_an_assessment_under_way_and_the_final_plan(app, client, pro, poppy, monkeypatch):
    with app.app_context():
        legacy_case(today=dt.date(2026, 6, 30), person=poppy, request_received=dt.date(2026, 1, 5), decision_to_assess="yes",
                    decision_date=dt.date(2026, 2, 2), assessment_start=dt.date(2026, 2, 3))
    _today(monkeypatch, dt.date(2026, 5, 1))
    dates = key_dates(tab(client, poppy, "plan"))
    assert "2 February 2026" in dates["Decision whether to assess"]
    assert "on time" in dates["Decision whether to assess"]
    assert "Assessment started" not in dates  # the decision to assess is the start
    assert "Due by 25 May 2026" in dates["Final EHC plan issued"]
    assert "due in 24 days" in dates["Final EHC plan issued"]


def test_a_plan_issued_has_its_annual_review_due(app, client, pro, poppy, monkeypatch):
    with app.app_context():
        legacy_case(today=dt.date(2026, 6, 30), person=poppy, request_received=dt.date(2025, 1, 6), decision_to_assess="yes",
                    decision_date=dt.date(2025, 2, 3), assessment_start=dt.date(2025, 2, 4),
                    decision_to_issue="yes", decision_to_issue_date=dt.date(2025, 4, 1),
                    draft_plan_issued=dt.date(2025, 4, 10), final_plan_issued=dt.date(2025, 6, 2))
    _today(monkeypatch, dt.date(2026, 6, 12))
    dates = key_dates(tab(client, poppy, "review"))
    assert "2 June 2025" in dates["Final EHC plan issued"]
    assert "days after the statutory date" in dates["Final EHC plan issued"]
    assert "Due by 2 June 2026" in dates["Next annual review meeting"]
    assert "overdue by 10 days" in dates["Next annual review meeting"]


def test_a_case_without_a_request_date_says_so(app, client, pro, poppy):
    with app.app_context():
        legacy_case(today=dt.date(2026, 6, 30), person=poppy)
    assert "has not recorded a request for this child yet" in tab(client, poppy)


# --- access -------------------------------------------------------------------------------------

def _routes(person, instance, document):
    return [f"/people/{person.id}/forms", f"/people/{person.id}/forms?tab=plan&q=plan",
            f"/people/{person.id}/documents/{document.id}", f"/people/{person.id}/colleagues",
            f"/forms/{instance.id}/view", f"/forms/{instance.id}/pdf", f"/forms/{instance.id}"]


@pytest.fixture
def shared_things(app, pro, poppy, other_pro):
    theirs = form_instance(app, other_pro, poppy, key=E4, status="submitted")
    share(app, poppy, pro, instance=theirs)
    plan = _document(app, poppy)
    share(app, poppy, pro, document=plan)
    return theirs, plan


def test_the_owner_sees_every_route(client, pro, poppy, shared_things):
    for path in _routes(poppy, *shared_things):
        assert client.get(path).status_code in (200, 302), path


@pytest.mark.parametrize("who", ["professional", "parent", "linked-unshared"])
def test_nobody_else_sees_anything(app, make_user, signed_in, poppy, shared_things, who):
    if who == "parent":
        user = make_user("parent@example.org", role="citizen")
        with app.app_context():
            Link.create(user=user, person=poppy, how="parent")
    else:
        user = make_user(f"{who}@example.org")
        if who == "linked-unshared":  # linked to the child, but nothing was shared with them
            with app.app_context():
                Link.create(user=user, person=poppy, how="sen-team")
    client = app.test_client()
    signed_in(client, user)
    for path in _routes(poppy, *shared_things):
        if who == "linked-unshared" and ("/forms?" in path or path.endswith("/forms")
                                         or path.endswith("/colleagues")):
            continue  # they may see the child; the shared things are what must stay hidden
        response = client.get(path)
        assert response.status_code == 404, (who, path)
        assert "Zzthompson" not in html_of(response)
    if who == "linked-unshared":
        html = tab(client, poppy, "plan")
        assert "document-" not in html


def test_anonymous_users_are_sent_to_sign_in(app, poppy, shared_things):
    client = app.test_client()
    for path in _routes(poppy, *shared_things) + ["/people/handover"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_viewing_the_forms_section_is_audited(app, client, pro, poppy):
    tab(client, poppy, "plan", q="plan")
    with app.app_context():
        event = AuditEvent.select().where(AuditEvent.action == "person-viewed").order_by(
            AuditEvent.id.desc()).first()
    assert event.person_id == poppy.id and event.detail == {"page": "forms: plan"}


@pytest.mark.parametrize("path", ["/people/{p}/documents/-1", "/people/{p}/documents/1.5",
                                  "/people/99999/forms", "/people/{p}/documents/99999",
                                  "/people/{p}/forms/../documents/1"])
def test_forged_ids_are_not_found(client, pro, poppy, path):
    assert client.get(path.format(p=poppy.id)).status_code == 404


# --- a colleague continues a draft shared with them -----------------------------------------

def test_a_draft_shared_with_a_colleague(app, client, pro, poppy, make_user, signed_in):
    from models import DraftAccess
    colleague = make_user("colleague@example.org", forename="Zzcol", surname="League")
    with app.app_context():
        Link.create(user=colleague, person=poppy, how="colleague", linked_by=pro)
    draft = form_instance(app, pro, poppy, key="generic-file-upload")
    theirs = app.test_client()
    signed_in(theirs, colleague)
    assert f"form-{draft.id}" not in tab(theirs, poppy, "assessment")
    assert theirs.get(f"/forms/{draft.id}/work-details").status_code == 404
    with app.app_context():
        DraftAccess.create(instance=draft, user=colleague, granted_by=pro)
    shared = row(tab(theirs, poppy, "assessment"), f"form-{draft.id}")
    assert actions(shared) == ["Continue"] and "Draft by Lesley Harris" in shared
    assert theirs.get(f"/forms/{draft.id}").status_code == 302
    page = theirs.get(f"/forms/{draft.id}/work-details")
    assert page.status_code == 200
    # Only the author submits or deletes.
    token = csrf_from(page)
    assert theirs.post(f"/forms/{draft.id}/submit", data={"csrf_token": token,
                                                         "version": "1"}).status_code == 404
    assert theirs.get(f"/forms/{draft.id}/delete").status_code == 404
    # Without a live Link to the child, nothing.
    with app.app_context():
        Link.update(ended_at=models.utcnow()).where(Link.user == colleague).execute()
    assert theirs.get(f"/forms/{draft.id}/work-details").status_code == 404


def test_files_of_a_shared_form_download_for_the_recipient_only(app, client, pro, poppy, other_pro,
                                                                make_user, signed_in):
    import os
    from models import Attachment
    theirs = form_instance(app, other_pro, poppy, key=E4, status="submitted")
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    with open(os.path.join(app.config["UPLOAD_DIR"], "a" * 48), "wb") as handle:
        handle.write(b"%PDF-1.4 report")
    with app.app_context():
        attachment = Attachment.create(instance=theirs, field="upload.files",
                                       filename="report.pdf", stored_name="a" * 48,
                                       content_type="application/pdf", size=15)
        # the file belongs to the submitted round that names it (what a share shows)
        Submission.update(answers={"upload": {"files": [attachment.id]}}).where(
            Submission.instance == theirs).execute()
    path = f"/forms/{theirs.id}/files/{attachment.id}"
    assert client.get(path).status_code == 404
    share(app, poppy, pro, instance=theirs)
    response = client.get(path)
    assert response.status_code == 200 and response.data == b"%PDF-1.4 report"
    assert response.headers["Content-Disposition"].startswith("attachment")
    stranger = make_user("stranger@example.org")
    with app.app_context():
        Link.create(user=stranger, person=poppy, how="sen-team")
    theirs_client = app.test_client()
    signed_in(theirs_client, stranger)
    assert theirs_client.get(path).status_code == 404
