"""Issue 4's "Done when" (the SEN team's workspace): the advice loop in real browsers, JS on and off.

An officer asks an educational psychologist for E4 advice -> the psychologist gets the message,
fills in and submits the E4 -> the officer returns it with a reason -> the psychologist sees the
reason, edits and submits again -> the officer accepts it and shares it with the school -> the
school's SENCo sees "View Shared Form" and opens it.

Two browser contexts (officer, psychologist) plus a third for the SENCo; every officer page is
checked with axe-core (caseload, case page, request advice, review queue, review page, share page,
and their error states), and the main pages of the psychologist and the SENCo too.
Seeded (tests/browser/seed.py): the three accounts (Email two-step verification, work profiles)
and the child with a case. The officer links the SENCo and the psychologist through the UI.
"""
import datetime as dt
import re

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

E4 = "e4-educational-psychologist"
E4_TITLE = "E4 Request Advice Educational Psychologist Advice"
REASON = "Zz please give the dates you saw the child and quantify the provision."
NEW_NEEDS = "Zz working memory and processing speed, revised after the return."


def sign_in(page, portal, email, landing):
    """Login + emailed Verification Code; ``landing`` is the h1 of the page it ends on."""
    before = portal.emails(email)
    page.goto("/login")
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password", exact=True).fill(seed.PASSWORD)
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_label("Your Verification Code")).to_be_visible()
    page.wait_for_load_state("load")
    code = portal.last_email(email, newer_than=before[-1] if before else None).code
    page.get_by_label("Your Verification Code").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(landing)


def heading(page, text):
    """The page's h1, once the page has loaded (portal.js included: leaving a page before its
    script has arrived would abort that request, which the harness rightly reports)."""
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)
    page.wait_for_load_state("load")


def success(page, text):
    expect(page.get_by_role("main")).to_contain_text(text)
    page.wait_for_load_state("load")


def problem(page):
    """The GOV.UK error summary of a 422 re-render."""
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    page.wait_for_load_state("load")


def open_case(page, axe, surname, forename, *, check=True):
    """Caseload -> search by name (as-you-type with JS, Apply without) -> the child's case page."""
    heading(page, "Caseload")
    if check:
        axe(page, "Caseload")
    page.get_by_label("Search by name").fill(surname)
    if not js_enabled(page):
        page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text("1 case found")
    if check:
        axe(page, "Caseload filtered by name")
    page.get_by_role("link", name=f"{surname}, {forename}").click()
    heading(page, f"{surname}, {forename}")


def open_message(page, axe, subject, label):
    """Home -> Messages -> the newest message with this subject; returns nothing, stays on it."""
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name=re.compile(r"^Messages")).click()
    heading(page, "Messages")
    page.get_by_role("link", name=subject).first.click()
    heading(page, subject)
    axe(page, label)


def test_officer_requests_e4_return_resubmit_accept_share_senco_views(new_page, any_page, portal,
                                                                      axe):
    officer = any_page
    js = js_enabled(officer)
    flavour = "js" if js else "nojs"
    forename, surname = "Zzwren", f"Zzloop{flavour}"
    officer_email = f"zz.loop.officer.{flavour}@example.org"
    ep_email = f"zz.loop.ep.{flavour}@example.org"
    senco_email = f"zz.loop.senco.{flavour}@example.org"

    # --- Seed: three accounts (Email 2SV, work profiles) and a child with a case --------------
    today = dt.date.today()
    seed.case_officer_and_professionals(
        portal, officer_email=officer_email,
        professionals=[{"email": ep_email, "forename": "Zzpenny", "surname": "Zzpsych",
                        "professional_role": "Educational Psychologist",
                        "organisation": "Zz Educational Psychology Service"},
                       {"email": senco_email, "forename": "Zzsadie", "surname": "Zzsenco",
                        "professional_role": "SENCo", "organisation": "Zz Bader Primary School"}],
        child={"forename": forename, "surname": surname, "date_of_birth": "2016-04-01"},
        phase="assessment", request_received=today - dt.timedelta(days=50),
        decision_to_assess="yes", decision_date=today - dt.timedelta(days=20))
    full_name = f"{forename} {surname}"

    # --- Officer: caseload -> case page -> link the SENCo -> request E4 from the EP by email ---
    sign_in(officer, portal, officer_email, "Welcome")
    expect(officer.get_by_role("link", name=re.compile(r"^Messages"))).to_have_count(0)
    axe(officer, "Officer's Home")
    officer.get_by_role("link", name="Special Educational Needs and Disabilities").click()
    open_case(officer, axe, surname, forename)
    axe(officer, "Case page")
    officer.get_by_label("Link a professional").fill(senco_email)
    officer.get_by_role("button", name="Link a professional").click()
    expect(officer.get_by_role("table").filter(has_text=senco_email)).to_be_visible()
    success(officer, "Zzsadie Zzsenco")
    axe(officer, "Case page after linking the SENCo")

    officer.get_by_role("link", name="Request advice").click()
    heading(officer, "Request advice")
    axe(officer, "Request advice")
    officer.get_by_role("button", name="Request advice").click()  # nothing chosen: errors
    problem(officer)
    axe(officer, "Request advice with errors")
    officer.get_by_label("Or link a professional by email address").fill(ep_email)
    officer.get_by_label("Form", exact=True).select_option(label=E4_TITLE)
    officer.get_by_role("button", name="Request advice").click()
    heading(officer, f"{surname}, {forename}")
    success(officer, "Advice requested from Zzpenny Zzpsych")
    advice_row = officer.locator("#advice").get_by_role("row").filter(has_text="Zzpenny Zzpsych")
    expect(advice_row).to_contain_text("Requested")
    axe(officer, "Case page after requesting advice")

    # --- Psychologist: the message -> Go to form -> Start E4 -> every step -> Submit ----------
    ep = new_page(js=js)
    sign_in(ep, portal, ep_email, "Welcome")
    open_message(ep, axe, f"Request for information: {surname}, {forename}", "EP: request message")
    expect(ep.get_by_role("main")).to_contain_text(f"Please complete and submit the {E4_TITLE}")
    ep.get_by_role("button", name="Go to form").click()
    heading(ep, f"{surname}, {forename}")
    axe(ep, "EP: the child's Assessment forms")
    ep.get_by_role("button", name=f"Start {E4_TITLE}").click()

    def check_some_steps(page, key):
        if key in ("work-details", "involvement", "outcomes", "documents", "summary"):
            axe(page, f"EP: E4 step {key}")
    seed.complete_form(ep, E4, on_step=check_some_steps)
    axe(ep, "EP: Form submitted")

    # --- Officer: review queue -> review page -> Return (reason needed) ------------------------
    expect(advice_row).to_contain_text("Requested")  # the officer's page is not live
    officer.get_by_role("link", name="Caseload").first.click()
    heading(officer, "Caseload")
    officer.get_by_role("link", name="Forms awaiting review").click()
    heading(officer, "Forms awaiting review")
    axe(officer, "Review queue")
    review_link = officer.get_by_role("link", name=f"Review {E4_TITLE} for {full_name}")
    review_link.click()
    heading(officer, full_name)
    expect(officer.get_by_role("main")).to_contain_text("Submission 1")
    axe(officer, "Review page")
    officer.get_by_role("button", name="Return").click()  # no reason: 422
    problem(officer)
    axe(officer, "Review page: Return without a reason")
    officer.get_by_label("Reason for returning the form").fill(REASON)
    officer.get_by_role("button", name="Return").click()
    heading(officer, "Forms awaiting review")
    success(officer, f"{E4_TITLE} returned to Zzpenny Zzpsych")
    expect(review_link).to_have_count(0)
    axe(officer, "Review queue after returning")

    # --- Psychologist: the returned message with the reason -> edit -> submit again -------------
    open_message(ep, axe, f"Form returned: {surname}, {forename}", "EP: returned message")
    expect(ep.get_by_role("main")).to_contain_text(REASON)
    ep.get_by_role("button", name="Go to form").click()
    e4_row = ep.get_by_role("row").filter(has_text=E4_TITLE)
    expect(e4_row).to_contain_text("Returned")
    expect(e4_row).to_contain_text(f"Why it was returned: {REASON}")
    ep.wait_for_load_state("load")
    axe(ep, "EP: Assessment forms with the returned E4")
    e4_row.get_by_role("link", name=f"Continue {E4_TITLE}").or_(
        e4_row.get_by_role("button", name=f"Continue {E4_TITLE}")).click()
    heading(ep, full_name)
    if seed.step_key_of(ep) != "summary":  # Continue opens the first step still to do
        seed.complete_form(ep, E4, submit=False)
    ep.locator('a[href*="/cognition?return=summary"]').first.click()  # Change: Cognition
    expect(ep.get_by_role("heading", name="Cognition and Learning")).to_be_visible()
    ep.wait_for_load_state("load")
    seed.fill_step(ep, E4, answers={"cl_needs": NEW_NEEDS})
    seed.save_and_continue(ep)
    expect(ep.get_by_role("main")).to_contain_text(NEW_NEEDS)
    seed.agree_and_submit(ep)

    # --- Officer: the second submission -> Accept -> case page -> Share with the SENCo ---------
    officer.get_by_role("link", name="Forms awaiting review").click()
    heading(officer, "Forms awaiting review")
    review_link.click()
    heading(officer, full_name)
    expect(officer.get_by_role("main")).to_contain_text(REASON)  # the history keeps the reason
    expect(officer.get_by_role("main")).to_contain_text(NEW_NEEDS)
    axe(officer, "Review page, second submission")
    officer.get_by_role("button", name="Accept").click()
    heading(officer, "Forms awaiting review")
    success(officer, f"{E4_TITLE} accepted")

    officer.get_by_role("link", name="Caseload").first.click()
    open_case(officer, axe, surname, forename, check=False)
    expect(advice_row).to_contain_text("Received")
    forms_row = officer.get_by_role("row").filter(has_text=E4_TITLE).filter(has_text="Accepted")
    expect(forms_row).to_contain_text("Nobody yet")
    axe(officer, "Case page with accepted advice")
    forms_row.get_by_role("link", name=f"Share {E4_TITLE}").click()
    heading(officer, f"Share {E4_TITLE}")
    axe(officer, "Share page")
    officer.get_by_role("button", name="Share").click()  # nobody chosen: 422
    problem(officer)
    axe(officer, "Share page with an error")
    officer.get_by_label("Zzsadie Zzsenco").check()
    officer.get_by_role("button", name="Share").click()
    heading(officer, f"{surname}, {forename}")
    success(officer, "Shared with 1 person")
    expect(forms_row).to_contain_text("Zzsadie Zzsenco")
    axe(officer, "Case page after sharing")

    # --- SENCo: the message -> Go to form -> View Shared Form --------------------------------
    senco = new_page(js=js)
    sign_in(senco, portal, senco_email, "Welcome")
    open_message(senco, axe, f"Information shared with you: {surname}, {forename}",
                 "SENCo: shared message")
    senco.get_by_role("button", name="Go to form").click()
    shared_row = senco.get_by_role("row").filter(has_text=E4_TITLE).filter(has_text="Shared with you")
    expect(shared_row).to_be_visible()
    senco.wait_for_load_state("load")
    axe(senco, "SENCo: Assessment forms with the shared E4")
    shared_row.get_by_role("button", name=f"View Shared Form {E4_TITLE}").click()
    heading(senco, full_name)
    expect(senco.get_by_role("main")).to_contain_text(NEW_NEEDS)
    axe(senco, "SENCo: the shared E4")
