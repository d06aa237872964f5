"""Issue 17, "Done when": an officer with the Form designer permission builds "Zz Speech Therapy
Update" in the browser (two steps, a select with options, a question shown for one answer, an
Add More group, a file question), previews it, publishes it; a professional starts, fills and
submits it and its PDF renders; the officer relabels a question and publishes version 2; the
version 1 submission keeps the old label while a new start shows the new one. Once with
JavaScript (htmx swaps #designer-main) and once without (plain posts). axe-core checks every
designer page on the way. Each run retires its form at the end, so the other run's professional
sees only its own.
"""
import re

import pypdf
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

TITLE = "Zz Speech Therapy Update"
CHILD = {"forename": "Zzmilo", "surname": "Zzpebble", "date_of_birth": "2019-05-02",
         "gender": "Male", "current_school": "Zz Meadow Primary"}


def designer_officer(portal, email):
    return seed.run(portal, """
        from services.forms_design import store
        officer = make_user(args["email"], "Zzdora", "Zzdesigner", role="officer",
                            password=args["password"])
        store.grant_designer(None, officer)
        result["id"] = officer.id
    """, email=email, password=seed.PASSWORD)["id"]


def test_design_publish_fill_and_version_a_form(any_page, new_page, portal, axe):
    page = any_page
    js = js_enabled(page)
    flavour = "js" if js else "nojs"
    key = f"zz-speech-therapy-update-{flavour}"
    officer_email = f"zz.designer.{flavour}@example.org"
    designer_officer(portal, officer_email)
    pro = seed.professional(portal, f"zz.slt.{flavour}@example.org", children=[CHILD],
                            organisation=f"Zz Speech Service {flavour}")
    child_id = pro["children"][0]["id"]

    def done(words):
        expect(page.get_by_text(words).first).to_be_visible()
        page.wait_for_load_state("load")

    def swapped(button, url_ends):
        """With JS the action is an htmx post whose answer is swapped in (no page load) and the
        address becomes the page shown; without, a plain post and a new page."""
        if js:
            page.evaluate("window.zzSamePage = true")
            # the htmx post answers 303; fetch follows it to the page's fragment (HX-Push-Url)
            with page.expect_response(lambda r: r.request.method == "POST"
                                      and r.request.headers.get("hx-request") == "true"):
                button.click()
            expect(page).to_have_url(re.compile(re.escape(url_ends) + "$"))
            assert page.evaluate("window.zzSamePage === true"), "the page was reloaded"
        else:
            button.click()
            expect(page).to_have_url(re.compile(re.escape(url_ends) + "$"))

    # --- The designer, from the officer's home ---
    seed.sign_in(page, portal, officer_email)
    page.get_by_role("link", name="Form designer").click()
    expect(page.get_by_role("heading", level=1, name="Form designer")).to_be_visible()
    axe(page, "Designer: list")

    # A mistake is shown at its control, then the form is created.
    page.get_by_role("button", name="Create the draft").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the form's title")
    axe(page, "Designer: create refused")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Key", exact=True).fill(key)
    page.get_by_label("Tab", exact=True).select_option("assessment")
    page.get_by_role("button", name="Create the draft").click()
    done("has been created as a draft")
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    axe(page, "Designer: draft")

    # Step 1: retitled; a select with options; a question shown for one answer.
    page.get_by_role("link", name="Details", exact=True).click()
    page.get_by_label("Step title").fill("Therapy")
    page.get_by_role("button", name="Save the step").click()
    done("The step has been saved")
    axe(page, "Designer: step")
    page.get_by_label("Type of the new question").select_option("select")
    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Question", exact=True).fill("Therapy type")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("needs options")
    axe(page, "Designer: question refused")
    page.get_by_label("Options", exact=True).fill("Speech\nLanguage\nFeeding")
    page.get_by_label("Name of the answer").fill("therapy")
    page.get_by_label("An answer is required").check()
    swapped(page.get_by_role("button", name="Save the question"), "/draft/steps/details")
    done("The question has been saved")
    page.get_by_label("Type of the new question").select_option("textarea")
    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Question", exact=True).fill("Feeding plan")
    page.get_by_label("When is it shown?").select_option(label="Only when “Therapy type” is Feeding")
    axe(page, "Designer: question")
    page.get_by_role("button", name="Save the question").click()
    done("The question has been saved")
    page.get_by_role("button", name="Remove Details").click()  # the blank form's placeholder
    done("The question has been removed")

    # Step 2: an Add More group with a file question.
    page.get_by_role("link", name="Back to the draft").click()
    page.get_by_text("Add a step").click()
    page.get_by_label("Step title").fill("Sessions")
    page.get_by_label("Its first question").fill("Where the session took place")
    page.get_by_label("Yes, rows of answers").check()
    page.get_by_label("Most rows").fill("3")
    page.get_by_label("What one row is called (optional)").fill("Session")
    page.get_by_role("button", name="Add the step").click()
    done("The step has been added")
    page.get_by_label("Type of the new question").select_option("file")
    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Question", exact=True).fill("Session notes")
    page.get_by_label("File types (optional)").fill("pdf")
    page.get_by_role("button", name="Save the question").click()
    done("The question has been saved")

    # --- Preview: every step, the condition, Add More, the summary and the PDF ---
    page.get_by_role("link", name="Back to the draft").click()
    page.get_by_role("link", name="Preview").click()
    expect(page.get_by_text("This is a preview of the draft")).to_be_visible()
    axe(page, "Designer: preview step")
    page.get_by_label("Therapy type").select_option("Feeding")
    page.get_by_label("Feeding plan").fill("Zz soft food at lunch")
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_role("heading", level=2, name="2. Sessions")).to_be_visible()
    page.get_by_role("button", name="Add More").click()
    expect(page.get_by_label("Where the session took place")).to_have_count(2)
    page.get_by_label("Where the session took place").first.fill("Zz clinic")
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_role("heading", level=2, name="3. Summary")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Zz soft food at lunch")
    axe(page, "Designer: preview summary")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the PDF it would make").click()
    assert pdf_text(download.value).count("Zz soft food at lunch") == 1

    # --- Publish: the diff first, then version 1 ---
    page.goto(f"/team/designer/{key}/draft/publish")
    expect(page.get_by_role("list").filter(has_text="A new form: 2 steps")).to_be_visible()
    axe(page, "Designer: publish")
    swapped(page.get_by_role("button", name="Publish version 1"), f"/team/designer/{key}")
    done("Version 1 of")
    axe(page, "Designer: form and history")

    # The other designer pages pass axe too: the permission, the question bank, the type picker.
    page.get_by_role("link", name="Back to the form designer").click()
    page.get_by_role("link", name="Who can design forms").click()
    expect(page.get_by_role("heading", level=1, name="Who can design forms")).to_be_visible()
    axe(page, "Designer: who can design forms")
    page.goto(f"/team/designer/{key}")
    page.get_by_role("button", name="Change this form").click()
    done("A draft of the next version is open")
    page.get_by_role("link", name="Sessions", exact=True).click()
    page.get_by_role("link", name="Copy a question from another form (question bank)").click()
    page.get_by_label("Find a question").fill("communication strengths")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="Communication strengths", exact=True)).to_be_visible()
    axe(page, "Designer: question bank")
    page.goto(f"/team/designer/{key}/draft/steps/sessions/fields/new")
    axe(page, "Designer: the type of a new question")
    page.goto(f"/team/designer/{key}")

    # --- A professional starts, fills and submits version 1; its PDF renders ---
    pro_page = new_page(js=js)
    seed.sign_in(pro_page, portal, pro["email"])
    submitted_v1 = fill_and_submit(pro_page, child_id, "Therapy type")
    with pro_page.expect_download() as download:
        pro_page.get_by_role("link", name=re.compile(r"^PDF")).click()
    text = pdf_text(download.value)
    assert "Therapy type" in text and "Zz soft food at lunch" in text, text[:2000]

    # --- The officer relabels the question and publishes version 2 ---
    page.get_by_role("link", name="Continue the draft").click()
    page.get_by_role("link", name="Therapy", exact=True).click()
    page.get_by_role("link", name="Therapy type").click()
    page.get_by_label("Question", exact=True).fill("Kind of therapy")
    page.get_by_role("button", name="Save the question").click()
    done("The question has been saved")
    page.get_by_role("link", name="Back to the draft").click()
    page.get_by_role("link", name="Publish").click()
    expect(page.locator("#changes")).to_contain_text("Kind of therapy")
    page.get_by_role("button", name="Publish version 2").click()
    done("Version 2 of")

    # --- Version 1's submission keeps the old label; a new start shows the new one ---
    pro_page.goto(submitted_v1)
    expect(pro_page.get_by_role("main")).to_contain_text("Therapy type")
    expect(pro_page.get_by_role("main")).not_to_contain_text("Kind of therapy")
    pro_page.goto(f"/people/{child_id}/forms?tab=assessment")
    pro_page.get_by_role("button", name=f"Start {TITLE}").click()
    expect(pro_page.get_by_label("Kind of therapy")).to_be_visible()

    # --- Retired: no new starts (and the other run sees only its own form) ---
    page.goto(f"/team/designer/{key}")
    page.get_by_role("button", name="Retire").click()
    done("The form is retired")
    pro_page.goto(f"/people/{child_id}/forms?tab=assessment")
    expect(pro_page.get_by_role("button", name=f"Start {TITLE}")).to_have_count(0)


def fill_and_submit(page, child_id, label):
    """Start the form, answer both steps, submit; returns the submitted form's View address."""
    page.goto(f"/people/{child_id}/forms?tab=assessment")
    page.get_by_role("button", name=f"Start {TITLE}").click()
    page.get_by_label(label).select_option("Feeding")
    page.get_by_label("Feeding plan").fill("Zz soft food at lunch")
    seed.save_and_continue(page)
    page.get_by_label("Where the session took place").first.fill("Zz clinic")
    seed.save_and_continue(page)
    seed.agree_and_submit(page)
    page.get_by_role("link", name=re.compile(r"^View")).first.wait_for()
    view = page.get_by_role("link", name=re.compile(r"^View")).first.get_attribute("href")
    return view


def pdf_text(download):
    return re.sub(r"\s+", " ", " ".join((p.extract_text() or "")
                                        for p in pypdf.PdfReader(download.path()).pages))
