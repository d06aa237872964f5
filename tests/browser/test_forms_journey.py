"""Issue 2 (the form engine), "Done when": the Early Years request filled end to end in a browser.

From the child's forms section (Request tab -> Start), all 14 steps: Work Details (Select), the
child's details, two parents via Add More, every required answer, the Parental Consent form
uploaded as a real PDF, Summary (both parents and the file listed), both "I agree", Submit, then
the PDF downloaded and its text read with pypdf. Once with JavaScript (autosave on: every step is
autosaved before Save & Continue, and one answer survives a reload without Save & Continue) and
once without. axe-core checks every page on the way.
"""
import io
import re
import time

import pypdf
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

FORM_TITLE = "Early Years Setting Request for EHCP Assessment"
CHILD = {"forename": "Zzarlo", "surname": "Zzbeetroot", "date_of_birth": "2021-03-15",
         "gender": "Male", "current_school": "Zz Little Acorns Nursery"}
CONSENT_FILE = "zz-parental-consent.pdf"


def minimal_pdf(text: str) -> bytes:
    """A small valid one-page PDF showing ``text`` (so the upload's magic-byte check is real)."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def slow_by(seconds):
    """A page.route handler that holds each request back, as a slow connection would."""
    def handler(route):
        time.sleep(seconds)
        route.continue_()
    return handler


def is_autosave(request):
    return (request.method == "POST" and "/forms/" in request.url
            and "autosave" in (request.post_data or ""))


def test_early_years_request_end_to_end(any_page, portal, axe):
    page = any_page
    js = js_enabled(page)
    flavour = "js" if js else "nojs"
    pro = seed.professional(portal, f"zz.eyfs.{flavour}@example.org", children=[CHILD],
                            organisation=f"Zz Little Acorns Nursery {flavour}")
    child_id = pro["children"][0]["id"]
    seed.sign_in(page, portal, pro["email"])

    # --- The forms section, Request tab: Start ---
    page.goto(f"/people/{child_id}/forms?tab=request")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zzbeetroot, Zzarlo")
    axe(page, "Forms section: Request tab")
    page.get_by_role("button", name=f"Start {FORM_TITLE}").click()

    status = page.locator("#autosave-status")

    def at_step(number, title):
        expect(page.get_by_role("heading", level=2, name=f"{number}. {title}")).to_be_visible()
        expect(page.get_by_role("navigation", name="Form steps")
               .locator("[aria-current=step]")).to_contain_text(title)
        axe(page, f"Step {number}: {title}")

    def save_and_continue(last_filled=None):
        """With JS, first let autosave catch up with the last answer (leaving the field fires
        change; the autosave after it must answer "Saved") - so every step proves autosave and no
        request is still in flight when the page moves on."""
        if js and last_filled is not None:
            with page.expect_request(is_autosave) as sent:
                last_filled.blur()
            assert sent.value.response().status == 200
            expect(status).to_contain_text(re.compile(r"Saved \d\d:\d\d"))
        page.get_by_role("button", name="Save & Continue").click()

    # 1. Work Details: the seeded work profile, chosen with Select.
    at_step(1, "Work Details")
    expect(page.get_by_role("table")).to_contain_text("Zz Little Acorns Nursery")
    page.get_by_role("button", name=re.compile(r"^Select SENCo at Zz Little Acorns")).click()

    # 2. Additional Child Details: shown from the child's record; add the first language.
    at_step(2, "Additional Child Details")
    expect(page.get_by_label("Forename")).to_have_value("Zzarlo")
    expect(page.get_by_label("Surname")).to_have_value("Zzbeetroot")
    language = page.get_by_label("First Language")
    language.fill("English")
    save_and_continue(language)

    # 3. Parent/Carer Details: one parent, Add More, a second parent.
    at_step(3, "Parent/Carer Details")
    page.locator("#name-0").fill("Zzpenny Zzbeetroot")
    page.locator("#relationship-0").select_option("Mother")
    page.locator("#phone-0").fill("07700 900001")
    if js:  # a slow line: leaving the phone field autosaves while Add More is still on its way
        page.route("**/forms/*/parents", slow_by(0.8))
    page.get_by_role("button", name="Add More").click()
    expect(page.locator("#row-parents-1")).to_be_visible()
    if js:
        # The autosave waited for Add More (hx-sync) and went with the version Add More brought
        # back (portal.js): "Saved", not a false "changed in another window" (409).
        expect(status).to_contain_text(re.compile(r"Saved \d\d:\d\d"))
        page.unroute("**/forms/*/parents")
    expect(page.get_by_role("group", name="Parent/Carer 2")).to_be_visible()
    if not js:  # the step reloaded (303 to #row-parents-1) with the first parent kept
        expect(page.locator("#name-0")).to_have_value("Zzpenny Zzbeetroot")
    axe(page, "Step 3 with a second parent row")
    page.locator("#name-1").fill("Zzpeter Zzbeetroot")
    page.locator("#relationship-1").select_option("Father")
    address = page.locator("#address-1")
    address.fill("1 Zz Street\nStockton-on-Tees")
    save_and_continue(address)

    # 4. Setting Details and Background
    at_step(4, "Setting Details and Background")
    page.get_by_label("How many hours a week does the child attend?").fill("30")
    page.locator("input[name=known_to_social_care][value=No]").check()
    background = page.get_by_label("Relevant background and family circumstances")
    background.fill("Zzarlo was born at 30 weeks.")
    save_and_continue(background)

    # 5. Other Professionals Involved
    at_step(5, "Other Professionals Involved")
    page.locator("#professional_name-0").fill("Zzhelen Zzvisitor")
    page.locator("#service-0").select_option("Health visitor")
    contact = page.locator("#contact-0")
    contact.fill("zz.visitor@example.org")
    save_and_continue(contact)

    # 6. Communication and Interaction - with JS, autosave alone keeps an answer over a reload.
    at_step(6, "Communication and Interaction")
    strengths = page.get_by_label("What is the child good at when communicating and playing with others?")
    strengths.fill("Zzarlo loves action songs.")
    if js:
        with page.expect_request(is_autosave) as sent:
            strengths.blur()
        assert sent.value.response().status == 200
        expect(status).to_contain_text("Saved")
        page.reload()
        expect(strengths).to_have_value("Zzarlo loves action songs.")
        expect(status).to_be_empty()
    concerns = page.get_by_label("What are your main concerns about the child's communication and interaction?")
    concerns.fill("Few words; uses pointing.")
    save_and_continue(concerns)

    # 7. Cognition and Learning
    at_step(7, "Cognition and Learning")
    page.get_by_label("What does the child enjoy learning and what can they do well?").fill("Puzzles.")
    concerns = page.get_by_label("What are your main concerns about the child's learning and development?")
    concerns.fill("Short attention at group times.")
    save_and_continue(concerns)

    # 8. Social, Emotional and Mental Health
    at_step(8, "Social, Emotional and Mental Health")
    page.get_by_label("What helps the child feel happy, settled and safe?").fill("A familiar adult.")
    concerns = page.get_by_label("What are your main concerns about the child's social, emotional and mental health?")
    concerns.fill("Distress at transitions.")
    save_and_continue(concerns)

    # 9. Sensory and/or Physical Needs, and Health
    at_step(9, "Sensory and/or Physical Needs, and Health")
    page.locator("input[name=diagnosis][value=No]").check()
    concerns = page.get_by_label("What are your main concerns about the child's sensory, physical or health needs?")
    concerns.fill("Covers ears when it is noisy.")
    save_and_continue(concerns)

    # 10. Views of the Child and Family
    at_step(10, "Views of the Child and Family")
    page.get_by_label("What does the child like and enjoy? What are they good at?").fill("Trains.")
    page.get_by_label("How has the child shown you what they like and dislike, and what helps them?").fill("By leading adults to the train set.")
    page.get_by_label("What are the parents' or carers' views about the child's needs and this request?").fill("They support the request.")
    page.locator("input[name=parents_involved][value=Yes]").check()
    hopes = page.get_by_label("What do the parents or carers hope the child will achieve in the next year and in the future?")
    hopes.fill("To talk with friends.")
    save_and_continue(hopes)

    # 11. Early Years Provision and Outcomes So Far
    at_step(11, "Early Years Provision and Outcomes So Far")
    page.get_by_label("How many cycles of assess, plan, do, review have been completed?").fill("3")
    page.get_by_label("What support has been put in place?").fill("Makaton and a visual timetable.")
    page.get_by_label("What outcomes were set and what progress has the child made towards them?").fill("Some progress.")
    page.get_by_label("Why do you believe the child may need an Education, Health and Care plan?").fill("Needs exceed SEN support.")
    next_setting = page.get_by_label("School or setting the child is expected to move to next, if known")
    next_setting.fill("Zz Bader Primary School")
    save_and_continue(next_setting)

    # 12. Parental Consent: upload a real PDF, then the date it was signed.
    at_step(12, "Parental Consent")
    page.get_by_label("Choose a file").set_input_files(
        {"name": CONSENT_FILE, "mimeType": "application/pdf", "buffer": minimal_pdf("Zz consent")})
    page.get_by_role("button", name="Upload file for Parental Consent form").click()
    expect(page.get_by_role("link", name=CONSENT_FILE)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("File uploaded")
    axe(page, "Step 12 with the consent form uploaded")
    page.locator("#consent_date-day").fill("2")
    page.locator("#consent_date-month").fill("1")
    year = page.locator("#consent_date-year")
    year.fill("2026")
    save_and_continue(year)

    # 13. Supporting Documents (nothing required)
    at_step(13, "Supporting Documents")
    note = page.get_by_label("Anything else you would like the SEN Team to know")
    note.fill("Zz: nothing more.")
    save_and_continue(note)

    # 14. Summary: both parents, the file; both "I agree"; Submit.
    expect(page.get_by_role("heading", level=2, name="14. Summary")).to_be_visible()
    main = page.get_by_role("main")
    parents = page.locator("#section-parents ~ .govuk-summary-card")
    expect(main).to_contain_text("Zzpenny Zzbeetroot")
    expect(main).to_contain_text("Zzpeter Zzbeetroot")
    expect(parents.filter(has_text="Zzpeter Zzbeetroot")).to_have_count(1)
    expect(main).to_contain_text(CONSENT_FILE)
    expect(main).to_contain_text("Zz Little Acorns Nursery")  # the chosen work profile
    axe(page, "Step 14: Summary")
    agree = page.get_by_label("I agree")
    expect(agree).to_have_count(2)
    agree.nth(0).check()
    agree.nth(1).check()
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Form submitted")).to_be_visible()
    expect(main).to_contain_text(f"{FORM_TITLE} for Zzarlo Zzbeetroot")
    axe(page, "Form submitted")

    # --- The PDF: downloaded, and its text names the child, a parent and the consent file ---
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^PDF")).click()
    assert download.value.suggested_filename.startswith(FORM_TITLE)
    assert download.value.suggested_filename.endswith(".pdf")
    text = " ".join((p.extract_text() or "") for p in
                    pypdf.PdfReader(download.value.path()).pages)
    text = re.sub(r"\s+", " ", text)
    for expected in ("Zzarlo", "Zzbeetroot", "Zzpenny Zzbeetroot", "Zzpeter Zzbeetroot", CONSENT_FILE):
        assert expected in text, f"{expected!r} not in the PDF text: {text[:2000]}"

    # --- The forms section now offers View Details, Edit and PDF ---
    page.goto(f"/people/{child_id}/forms?tab=request")
    row = page.get_by_role("row").filter(has_text=FORM_TITLE)
    expect(row.get_by_text("Submitted", exact=True)).to_be_visible()
    for action in ("View Details", "Edit", "PDF"):
        # links styled as buttons (role=button) and the Edit form's button alike
        expect(row.get_by_role("button", name=f"{action} {FORM_TITLE}")).to_be_visible()
