"""Issue 13, steps as fragments and the keyboard, in a real browser.

With JavaScript, Save & Continue, Back and the step bar are htmx requests (HX-Request on the
network log) that swap #form-step; the address follows, the title changes and focus lands on the
step heading (an error: on the error summary). Enter in a field presses Save & Continue (JS on
and off), never Back or a file's Remove.
"""
import re

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled
from tests.browser.test_forms_files import CONSENT, PDF, _seed


def _active(page):
    return page.evaluate("() => document.activeElement.id || document.activeElement.className")


def test_step_navigation_is_htmx_swaps_with_the_url_title_and_focus(page, portal, axe):
    emails, made = _seed(portal, page)
    seed.sign_in(page, portal, emails["pro"])
    step_url = f"/forms/{made['draft']}/upload"
    page.goto(step_url)
    page.wait_for_load_state("load")
    requests = []
    page.on("request", lambda r: requests.append(r) if "/forms/" in r.url else None)

    # An error: 422, the step swapped back with its error summary focused
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Upload Documents - Generic File Upload Manager"))
    axe(page, "Step swapped back with errors")

    page.get_by_label("Type of document", exact=True).select_option("Consent form")
    page.get_by_label("Description", exact=True).fill("Zz consent")
    page.get_by_label("Choose a file").set_input_files(
        {"name": CONSENT, "mimeType": "application/pdf", "buffer": PDF})
    seed.save_and_continue(page)
    expect(page).to_have_url(re.compile(rf"/forms/{made['draft']}/summary$"))
    expect(page).to_have_title(re.compile(r"^Summary - Generic File Upload Manager"))
    assert _active(page) == "step-heading"
    expect(page.get_by_role("link", name=CONSENT)).to_be_visible()
    axe(page, "Summary swapped in")

    # The step bar: a GET for the fragment, the address follows
    page.get_by_role("navigation", name="Form steps").get_by_role(
        "link", name=re.compile("Upload Documents")).click()
    expect(page).to_have_url(re.compile(rf"{step_url}$"))
    expect(page.get_by_role("heading", level=2, name="2. Upload Documents")).to_be_focused()
    # Back: the previous step
    page.get_by_role("button", name="Back").click()
    expect(page).to_have_url(re.compile(rf"/forms/{made['draft']}/work-details$"))
    expect(page).to_have_title(re.compile(r"^Work Details - Generic File Upload Manager"))

    steps = [r for r in requests if "autosave" not in (r.post_data or "")]
    assert len(steps) >= 4
    for r in steps:
        assert r.headers.get("hx-request") == "true", r.url
        assert r.headers.get("hx-request-type") == "partial", r.url
    assert [r.method for r in steps][:2] == ["POST", "POST"] and "GET" in [r.method for r in steps]
    assert not [r for r in requests if r.resource_type == "document"]  # never a whole page


def test_enter_in_a_field_presses_save_and_continue(any_page, portal):
    page = any_page
    emails, made = _seed(portal, page)
    seed.sign_in(page, portal, emails["pro"])
    page.goto(f"/forms/{made['draft']}/upload")
    page.get_by_label("Choose a file").set_input_files(
        {"name": CONSENT, "mimeType": "application/pdf", "buffer": PDF})
    with page.expect_navigation():
        page.get_by_role("button", name=f"Upload file for Files").click()
    expect(page.get_by_role("button", name=re.compile(f"Remove {CONSENT}"))).to_be_visible()
    page.get_by_label("Type of document", exact=True).select_option("Consent form")
    page.get_by_label("Description", exact=True).fill("Zz consent")
    day = page.locator("#document_date-day")
    day.fill("2")
    page.locator("#document_date-month").fill("1")
    year = page.locator("#document_date-year")
    year.fill("2026")
    if js_enabled(page):
        expect(page.locator("#autosave-status")).to_contain_text("Saved")
    year.press("Enter")
    expect(page).to_have_url(re.compile(rf"/forms/{made['draft']}/summary$"))
    expect(page.get_by_role("link", name=CONSENT)).to_be_visible()  # Remove was not pressed


_EARLY_YEARS = """
    pro = make_user(args["pro"], "Zzsally", "Zzsenco", password=args["password"],
                    two_step="email", council_verified=True, professional_role="SENCo",
                    organisation="Zz Bader Primary School")
    profile = pro.work_profiles.get()
    child = Person.create(forename="Zzrow", surname="Zzfocus", date_of_birth=dt.date(2021, 5, 1))
    Link.create(user=pro, person=child, how="added")
    draft = FormInstance.create(person=child, form_key="early-years-request", schema_version=1,
                                author=pro, work_profile=profile, status="draft",
                                answers={"work-details": {"work_profile_id": profile.id}})
    result.update(draft=draft.id, child=child.id)
"""


def test_add_more_and_remove_move_focus_and_say_what_happened(page, portal):
    email = f"zz.rows.{id(page)}@example.org"
    made = seed.run(portal, _EARLY_YEARS, password=seed.PASSWORD, pro=email)
    seed.sign_in(page, portal, email)
    page.goto(f"/forms/{made['draft']}/child-details")
    seed.fill_step(page, "early-years-request")
    seed.save_and_continue(page)
    expect(page.get_by_role("heading", level=2, name="3. Parent/Carer Details")).to_be_focused()
    page.get_by_role("button", name="Add More").click()
    legend = page.locator("#row-parents-1 > legend")
    expect(legend).to_be_focused()
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Parent/Carer 2"
    status = page.locator("#autosave-status")
    expect(status).to_have_text("Parent/Carer 2 added")
    page.get_by_role("button", name="Remove Parent/Carer 2").click()
    expect(page.locator("#row-parents-1")).to_have_count(0)
    expect(page.get_by_role("button", name="Add More")).to_be_focused()
    expect(status).to_have_text("Parent/Carer 2 removed")


def test_a_tab_switch_focuses_the_panel_heading_and_updates_the_title(page, portal):
    email = f"zz.tabs.{id(page)}@example.org"
    made = seed.run(portal, _EARLY_YEARS, password=seed.PASSWORD, pro=email)
    seed.sign_in(page, portal, email)
    page.goto(f"/people/{made['child']}/forms")
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Assessment", exact=True).click()
    heading = page.locator("#forms-panel h2")
    expect(heading).to_have_text("Assessment")
    expect(heading).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Assessment forms: Zzfocus, Zzrow"))


def test_a_follow_up_question_shows_when_its_condition_holds(any_page, portal, axe):
    page = any_page
    emails, made = _seed(portal, page)
    seed.sign_in(page, portal, emails["pro"])
    page.goto(f"/forms/{made['draft']}/upload")
    page.wait_for_load_state("load")
    other = page.get_by_label("Please say what type of document this is")
    expect(page.get_by_text("Questions marked with an asterisk")).to_be_visible()
    if js_enabled(page):
        expect(other).to_be_hidden()
        page.get_by_label("Type of document", exact=True).select_option("Other")
        expect(other).to_be_visible()
        expect(page.get_by_text("Only needed if")).to_be_hidden()
        page.get_by_label("Type of document", exact=True).select_option("Correspondence")
        expect(other).to_be_hidden()
    else:
        expect(other).to_be_visible()
        expect(page.get_by_text("Only needed if your answer to “Type of document” is Other.")).to_be_visible()
    axe(page, "Upload step with its follow-up question")
