"""Issue 3 (the professional's SEND area), "Done when", in a browser with JavaScript and without.

A request message (red count on Home) -> "Go to form" -> the right child and tab -> the form
search -> tab switching (htmx swaps the panel and the URL follows; without JS plain links) ->
Start -> a saved draft shows Continue and Delete -> Continue, upload, Summary, Submit -> View
Details, Edit and PDF. Then Select Person: hide and unhide through the Person Filter, and Add
Person -> its Request tab -> Start "Primary Education Request for EHCP Assessment".
axe-core checks every page on the way.
"""
import io
import re

import pypdf
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

UPLOAD_FORM = "Generic File Upload Manager"
PRIMARY_FORM = "Primary Education Request for EHCP Assessment"
POPPY = {"forename": "Zzpoppy", "surname": "Zzthompson", "date_of_birth": "2012-10-08",
         "gender": "Female", "current_school": "Zz Bader Primary School"}
QUENTIN = {"forename": "Zzquentin", "surname": "Zzquince", "date_of_birth": "2015-04-01",
           "gender": "Male"}


def small_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_messages_forms_section_hide_and_add_person(any_page, portal, axe):
    page = any_page
    js = js_enabled(page)
    flavour = "js" if js else "nojs"
    pro = seed.professional(
        portal, f"zz.send.{flavour}@example.org", children=[POPPY, QUENTIN],
        messages=[{"kind": "request", "subject": "Request for information: Zzthompson, Zzpoppy",
                   "body": f"Please complete the {UPLOAD_FORM} for Zzpoppy.", "child": 0,
                   "form_key": "generic-file-upload", "due_in_days": 14, "tab": "assessment"}])
    poppy_id = pro["children"][0]["id"]
    forms_url = re.compile(rf"/people/{poppy_id}/forms\?")
    main = page.get_by_role("main")
    h1 = page.get_by_role("heading", level=1)
    seed.sign_in(page, portal, pro["email"])

    def loaded():
        """Wait for the page's load event: leaving (or using htmx on) a page whose scripts are
        still loading would abort them or find htmx missing."""
        page.wait_for_load_state("load")

    # --- Home: the Messages tile shows one unread (the red count) ---
    messages_tile = page.get_by_role("link", name=re.compile(r"^Messages"))
    expect(messages_tile.locator(".portal-count")).to_have_text("1 unread")
    axe(page, "Home with an unread message")
    messages_tile.click()
    expect(h1).to_have_text("Messages")
    axe(page, "Messages")
    page.get_by_role("link", name="Request for information: Zzthompson, Zzpoppy").click()
    expect(h1).to_have_text("Request for information: Zzthompson, Zzpoppy")
    expect(main).to_contain_text(UPLOAD_FORM)
    axe(page, "A request message")

    # --- "Go to form": the right child, the Assessment tab ---
    page.get_by_role("button", name="Go to form").click()
    expect(page).to_have_url(re.compile(rf"/people/{poppy_id}/forms\?tab=assessment$"))
    expect(h1).to_have_text("Zzthompson, Zzpoppy")
    tabs = page.get_by_role("navigation", name="Form sections")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Assessment")
    panel = page.locator("#forms-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Assessment")
    axe(page, "Forms section: Assessment tab")

    # --- The form search: as you type with JS, a GET without ---
    if js:
        page.evaluate("window.zzSamePage = true")  # gone if the whole page were reloaded
    page.get_by_role("searchbox", name="Search forms").fill("upload")
    if not js:
        page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#forms-search-result")).to_contain_text("upload")
    expect(panel.locator("tbody tr")).to_have_count(1)
    expect(panel).to_contain_text(UPLOAD_FORM)
    expect(page).to_have_url(re.compile(r"[?&]q=upload"))
    if js:
        assert page.evaluate("window.zzSamePage === true"), "the search reloaded the page"
    axe(page, "Forms section: search results")
    page.get_by_role("link", name="Clear search").click()
    expect(page.locator("#forms-search-result")).to_have_count(0)
    loaded()  # htmx must be there before a tab is clicked

    # --- Tab switching: htmx swaps the panel and pushes the URL; without JS real links ---
    if js:
        page.evaluate("window.zzSamePage = true")
    tabs.get_by_role("link", name="Request").click()
    expect(page).to_have_url(re.compile(rf"/people/{poppy_id}/forms\?tab=request$"))
    expect(panel.get_by_role("heading", level=2)).to_have_text("Request")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Request")
    expect(panel).to_contain_text(PRIMARY_FORM)
    expect(page.locator("#forms-search-tab")).to_have_value("request")
    if js:
        assert page.evaluate("window.zzSamePage === true"), "the tab link reloaded the page"
    axe(page, "Forms section: Request tab")
    tabs.get_by_role("link", name="Assessment").click()
    expect(page).to_have_url(re.compile(rf"/people/{poppy_id}/forms\?tab=assessment$"))
    expect(panel.get_by_role("heading", level=2)).to_have_text("Assessment")
    if js:
        assert page.evaluate("window.zzSamePage === true"), "the tab link reloaded the page"
        page.go_back()  # hx-push-url: Back returns to the Request tab
        expect(page).to_have_url(re.compile(r"tab=request$"))
        expect(tabs.locator("[aria-current=page]")).to_have_text("Request")
        page.go_forward()
        expect(tabs.locator("[aria-current=page]")).to_have_text("Assessment")

    # --- Start -> Work Details (Select) -> the draft on the tab: Continue and Delete ---
    row = panel.get_by_role("row").filter(has_text=UPLOAD_FORM)
    row.get_by_role("button", name=f"Start {UPLOAD_FORM}").click()
    expect(page.get_by_role("heading", level=2, name="1. Work Details")).to_be_visible()
    axe(page, f"{UPLOAD_FORM}: Work Details")
    page.get_by_role("button", name=re.compile(r"^Select SENCo at Zz Bader")).click()
    expect(page.get_by_role("heading", level=2, name="2. Upload Documents")).to_be_visible()
    axe(page, f"{UPLOAD_FORM}: Upload Documents")
    page.goto(f"/people/{poppy_id}/forms?tab=assessment")
    expect(row.get_by_text("Draft", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name=f"Continue {UPLOAD_FORM}")).to_be_visible()
    expect(row.get_by_role("button", name=f"Delete {UPLOAD_FORM}")).to_be_visible()
    axe(page, "Forms section: a draft")

    # --- Continue -> the step not done yet; upload; Summary; Submit ---
    row.get_by_role("button", name=f"Continue {UPLOAD_FORM}").click()
    expect(page.get_by_role("heading", level=2, name="2. Upload Documents")).to_be_visible()
    loaded()
    page.get_by_label("Type of document", exact=True).select_option("Professional report or advice")
    page.get_by_label("Description").fill("Zz report from the speech and language therapist.")
    page.get_by_label("Choose a file").set_input_files(
        {"name": "zz-report.pdf", "mimeType": "application/pdf", "buffer": small_pdf()})
    page.get_by_role("button", name="Upload file for Files").click()
    expect(page.get_by_role("link", name="zz-report.pdf")).to_be_visible()
    expect(page.get_by_label("Description")).to_have_value("Zz report from the speech and language therapist.")
    loaded()
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_role("heading", level=2, name="3. Summary")).to_be_visible()
    expect(main).to_contain_text("zz-report.pdf")
    axe(page, f"{UPLOAD_FORM}: Summary")
    page.get_by_label("I agree").nth(0).check()
    page.get_by_label("I agree").nth(1).check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Form submitted")).to_be_visible()
    loaded()

    # --- Submitted: View Details, Edit and PDF on the tab ---
    page.goto(f"/people/{poppy_id}/forms?tab=assessment")
    expect(row.get_by_text("Submitted", exact=True)).to_be_visible()
    for action in ("View Details", "Edit", "PDF"):
        expect(row.get_by_role("button", name=f"{action} {UPLOAD_FORM}")).to_be_visible()
    expect(row.get_by_role("button", name=f"Delete {UPLOAD_FORM}")).to_have_count(0)
    axe(page, "Forms section: a submitted form")
    row.get_by_role("button", name=f"View Details {UPLOAD_FORM}").click()
    expect(main).to_contain_text("Zz report from the speech and language therapist.")
    axe(page, f"{UPLOAD_FORM}: View Details")

    # --- Select Person: hide and unhide through the Person Filter ---
    page.goto("/people/")
    expect(h1).to_have_text("Select Person")
    results = page.locator("#people-results")
    expect(results).to_contain_text("2 records found")
    axe(page, "Select Person")
    quentin = results.get_by_role("row").filter(has_text="Zzquince, Zzquentin")
    quentin.get_by_role("button", name="Hide Person Zzquentin Zzquince").click()
    expect(results).to_contain_text("1 record found")
    expect(quentin).to_have_count(0)
    loaded()  # the filter below needs htmx

    def person_filter(value):
        page.get_by_label("Person Filter").select_option(value)
        if not js:
            page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(rf"show={value}"))

    person_filter("hidden")
    expect(results).to_contain_text("1 record found")
    expect(quentin.get_by_text("Hidden", exact=True)).to_be_visible()
    axe(page, "Select Person: Hidden")
    quentin.get_by_role("button", name="Unhide Zzquentin Zzquince").click()
    expect(results).to_contain_text("You have not hidden anyone.")
    loaded()
    person_filter("all")
    expect(results).to_contain_text("2 records found")
    expect(quentin.get_by_role("button", name="Hide Person Zzquentin Zzquince")).to_be_visible()

    # --- Add Person -> the new child -> Request tab -> Start the Primary request ---
    page.get_by_role("button", name="+ Add Person").click()
    expect(h1).to_have_text("Add Person")
    axe(page, "Add Person")
    page.get_by_label("Forename").fill("Zzrosie")
    page.get_by_label("Surname").fill("Zzradish")
    page.get_by_label("Gender").select_option("Female")
    page.get_by_label("Day").fill("9")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2016")
    page.get_by_role("button", name="Submit").click()
    expect(h1).to_have_text("Zzradish, Zzrosie")
    expect(main).to_contain_text("Zzrosie Zzradish has been added to your list")
    axe(page, "Child details of the new person")
    page.get_by_role("button", name="Continue").click()
    expect(h1).to_have_text("Zzradish, Zzrosie")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Request")
    axe(page, "Forms section of the new person")
    page.get_by_role("button", name=f"Start {PRIMARY_FORM}").click()
    expect(page.get_by_role("heading", level=2, name="1. Work Details")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text(PRIMARY_FORM)
    axe(page, f"{PRIMARY_FORM}: Work Details")
    page.goto("/people/")
    expect(results).to_contain_text("3 records found")
