"""Issue 5's "Done when": the citizen view in a real browser, on a phone, with and without JavaScript.

An officer links a parent to a child (team case page, "Link a parent or carer") and issues the
Draft EHC Plan to the parents (Upload a document, "Issue to parents": the 15-day comment window
opens today). The parent, on a 360x740 phone, signs in with the emailed code, sees the child's
timeline in plain English ("due in N days"), downloads the shared draft plan, sends "Comments on
the Draft EHC Plan" inside the window (the deadline is shown), and fills in EHC9c (the child's
views) with the child.

axe-core checks every page on the way (WCAG 2.2 A and AA), and every phone page is checked for
sideways scrolling at 360 CSS pixels. Seeded beforehand (no web page for them): the officer, the
parent's account (both with two-step verification by email) and the child's case at the point
where the council has decided to write a plan.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

PHONE = {"width": 360, "height": 740}
DRAFT_PLAN = b"%PDF-1.4\n% Zzdraft EHC plan for a browser test\n%%EOF\n"


def test_officer_links_parent_who_follows_the_case_and_comments_on_a_phone(any_page, new_page,
                                                                            portal, axe):
    flavour = "js" if js_enabled(any_page) else "nojs"
    today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    received = today - dt.timedelta(weeks=17)
    officer_email = f"zz.officer.citizen.{flavour}@example.org"
    parent_email = f"zz.parent.citizen.{flavour}@example.org"
    surname = f"Zzjourney{flavour.capitalize()}"
    child_id = seed.case_officer_and_family(
        portal, officer_email=officer_email, parent_email=parent_email,
        child={"forename": "Zzmia", "surname": surname,
               "date_of_birth": today - dt.timedelta(days=9 * 365)},
        phase="plan", request_received=received, decision_to_assess="yes",
        decision_date=received + dt.timedelta(weeks=5), decision_to_issue="yes",
        decision_to_issue_date=received + dt.timedelta(weeks=12))["child"]
    child_name = f"Zzmia {surname}"

    # --- The officer links the parent and issues the draft plan (desktop) ---
    officer = any_page
    sign_in(officer, portal, officer_email, check=lambda label: axe(officer, f"Officer: {label}"))
    heading(officer, "Welcome")
    axe(officer, "Officer: Home")
    officer.goto(f"/team/people/{child_id}")
    heading(officer, f"{surname}, Zzmia")
    axe(officer, "Team case page")
    officer.get_by_label("Link a parent or carer").fill(parent_email)
    officer.get_by_role("button", name="Link a parent or carer").click()
    expect(officer.get_by_role("main")).to_contain_text("Zzpat Zzparent has been linked")
    expect(officer.locator("#linked + table")).to_contain_text(parent_email)
    axe(officer, "Team case page: parent linked")

    officer.get_by_role("link", name="Upload a document").click()
    heading(officer, "Upload a document")
    axe(officer, "Upload a document")
    officer.get_by_label("Draft EHC Plan").check()
    officer.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "Zz draft plan.pdf", "mimeType": "application/pdf", "buffer": DRAFT_PLAN}])
    officer.get_by_label("Issue to parents").check()
    officer.get_by_role("button", name="Upload").click()
    expect(officer.get_by_role("main")).to_contain_text("issued to the parents")
    expect(officer.locator("#comment-window")).to_contain_text("is open until")
    axe(officer, "Team case page: draft plan issued")

    # --- The parent, on a phone, signs in with the emailed code ---
    phone = new_page(js=js_enabled(any_page), viewport=PHONE)
    sign_in(phone, portal, parent_email, check=lambda label: check_phone(phone, axe, label))
    heading(phone, "Welcome")
    check_phone(phone, axe, "Home")
    phone.get_by_role("link", name="My children").click()
    heading(phone, "My children")
    check_phone(phone, axe, "My children")
    child_entry = phone.locator(".portal-child", has_text=child_name)
    expect(child_entry).to_contain_text("due in")

    # --- The child's timeline, in plain English ---
    child_entry.get_by_role("link", name=child_name).click()
    heading(phone, child_name)
    closes = show_date(today + dt.timedelta(days=15))
    expect(phone.locator("#what-has-happened + ul")).to_contain_text(
        f"The council sent you the draft EHC plan on {show_date(today)}.")
    upcoming = phone.locator("#what-happens-next + ul")
    expect(upcoming).to_contain_text(
        f"You can send your comments on the draft plan until {closes} (due in 15 days).")
    expect(upcoming).to_contain_text("The council must issue the final EHC plan by")
    check_phone(phone, axe, "Child's page")

    # --- The shared draft plan downloads ---
    with phone.expect_download() as downloading:
        phone.get_by_role("link", name="Draft EHC Plan (download)").click()
    download = downloading.value
    assert download.suggested_filename == "Zz draft plan.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == DRAFT_PLAN

    # --- Comments on the draft plan, inside the window (the deadline is shown) ---
    expect(phone.locator("#forms-to-fill-in + ul")).to_contain_text(
        f"Send your comments by {closes} (due in 15 days).")
    phone.get_by_role("button", name="Start Comments on the Draft EHC Plan").click()
    fill_in(phone, axe, "draft-plan-comments", {
        "your_name": "Zzpat Zzparent", "who": "A parent or carer",
        "agree": "Section B describes Zzmia well.",
        "change": "Section F should name the speech and language support.",
        "school_request": "No", "meeting": "Yes"})
    phone.get_by_role("link", name="Back to Zzmia’s page").click()
    heading(phone, child_name)
    expect(phone.locator("#your-forms + ul")).to_contain_text("Comments on the Draft EHC Plan")
    check_phone(phone, axe, "Child's page with the comments sent")

    # --- EHC9c, the child's views, filled in with the child ---
    phone.get_by_role("button", name="Start EHC9c Child or Young Person Views").click()
    fill_in(phone, axe, "ehc9c-child-views", {
        "call_me": "Mia", "like_admire": "I am kind and I make people laugh.",
        "important_now": "My dog Zzbiscuit and my nan.",
        "important_future": "I want to work with animals.",
        "find_hard": "Noisy classrooms.", "best_support": "Let me have a break when it gets noisy.",
        "helped_by": "My parent or carer", "helper_name": "Zzpat Zzparent", "helper_role": "Mum"})


# --- helpers ---------------------------------------------------------------------------------------

def heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def show_date(day):
    return f"{day.day} {day:%B %Y}"


def check_phone(page, axe, label):
    """axe, and no sideways scrolling at 360 CSS pixels (WCAG 1.4.10 Reflow)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{label}: the page scrolls sideways ({width}px wide at 360px)"
    axe(page, f"{label} (phone)")


def sign_in(page, portal, email, check=None):
    """Email Address, Password, Login; then the emailed Verification Code."""
    page.goto("/login")
    if check:
        check("Login")
    before = portal.emails(email)
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password", exact=True).fill(seed.PASSWORD)
    page.get_by_role("button", name="Login").click()
    heading(page, "Verification Code")
    if check:
        check("Verification Code sent")
    code = portal.last_email(email, newer_than=before[-1] if before else None).code
    page.get_by_label("Your Verification Code").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("banner").get_by_role("button", name="Sign Out")).to_be_visible()


def fill_in(page, axe, form_key, answers):
    """Every step of a started form (phone and axe checks on each), the Summary showing every
    answer, then "I agree" and Submit. Answers by input name (see seed.complete_form)."""
    seed.complete_form(page, form_key, answers=answers, submit=False,
                       on_step=lambda page, step: check_phone(page, axe, f"{form_key}: {step}"))
    main = page.get_by_role("main")
    for value in answers.values():
        expect(main).to_contain_text(value)
    seed.agree_and_submit(page)
    title = seed.form_schema(form_key).title
    expect(main).to_contain_text(title)
    check_phone(page, axe, f"Submitted: {title}")
