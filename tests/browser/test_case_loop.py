"""Issue 12's "Done when": the whole statutory loop in a real browser, JavaScript on and off.

A school's SENCo sends a request for assessment through the portal -> the case opens by itself
(the team sees it on the caseload, phase Request, the decision due in 6 weeks; the school's key
dates say the request was received) -> the officer records the decision to assess -> issues the
draft plan to the parent -> the parent sends comments on the draft (their response is recorded by
sending it) -> the officer issues the final plan (allowed inside the 15 days because the response
is recorded) -> holds the annual review and decides to maintain the plan. At each step the
officer's case page (phase), the school's key dates and the parent's timeline are read.

Seeded: the officer, the SENCo (work profile, linked to the child), the parent (linked). No case:
the request opens it.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

DRAFT_PLAN = b"%PDF-1.4\n% Zzdraft EHC plan for the case loop\n%%EOF\n"


def seed_world(portal, flavour, born):
    return seed.run(portal, """
        officer = make_user(args["officer"], "Zzolive", "Zzofficer", role="officer",
                            password=args["password"], council_verified=True)
        senco = make_user(args["senco"], "Zzsally", "Zzsenco", password=args["password"],
                          council_verified=True, professional_role="SENCo",
                          organisation="Zz Bader Primary School")
        parent = make_user(args["parent"], "Zzpat", "Zzparent", role="citizen",
                           password=args["password"], citizen_kind="parent")
        from services.people import links
        child = Person.create(forename="Zzmia", surname=args["surname"], gender="Female",
                              date_of_birth=dt.date.fromisoformat(args["born"]),
                              current_school="Zz Bader Primary School",
                              address="1 Zz Street, Stockton-on-Tees", postcode="TS18 1ZZ")
        links.link(child, senco, how="sen-team", linked_by=officer)
        links.link(child, parent, how="parent", linked_by=officer)
        result.update(child=child.id)
    """, password=seed.PASSWORD, officer=f"zz.caseloop.officer.{flavour}@example.org",
        senco=f"zz.caseloop.senco.{flavour}@example.org",
        parent=f"zz.caseloop.parent.{flavour}@example.org", surname=f"Zzcycle{flavour.capitalize()}",
        born=born.isoformat())


def test_the_whole_loop(any_page, new_page, portal):
    flavour = "js" if js_enabled(any_page) else "nojs"
    today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    surname = f"Zzcycle{flavour.capitalize()}"
    child = seed_world(portal, flavour, today - dt.timedelta(days=8 * 365))["child"]
    js = js_enabled(any_page)

    # --- The school sends a request for assessment ---
    school = any_page
    seed.sign_in(school, portal, f"zz.caseloop.senco.{flavour}@example.org")
    school.goto(f"/people/{child}/forms?tab=request")
    school.get_by_role("button", name="Start Primary Education Request for EHCP Assessment").click()
    seed.complete_form(school, "primary-request")
    school.goto(f"/people/{child}/forms?tab=request")
    panel = school.get_by_role("main")
    expect(panel).to_contain_text("Request for an EHC needs assessment received")
    expect(panel).to_contain_text("Decision whether to assess")
    expect(panel).not_to_contain_text("has not recorded a request")
    expect(panel).to_contain_text("is already with the SEN Team")  # no second Start

    # --- The team sees the case it did not have to open ---
    officer = new_page(js=js)
    seed.sign_in(officer, portal, f"zz.caseloop.officer.{flavour}@example.org")
    expect(officer.locator("#new-requests + ul")).to_contain_text(surname)  # the team is told
    officer.goto(f"/team/?q={surname}")
    row = officer.locator("tr", has_text=surname)
    expect(row).to_contain_text("Request")
    expect(row).to_contain_text("Decision whether to assess")
    expect(row).to_contain_text("due in 42 days")

    def record(kind_label, outcome=None, **fields):
        officer.goto(f"/team/people/{child}")
        officer.get_by_role("button", name="Record what happened").click()
        officer.get_by_label(kind_label, exact=True).check()
        officer.get_by_role("button", name="Continue").click()
        officer.get_by_label("Day").fill(str(today.day))
        officer.get_by_label("Month").fill(str(today.month))
        officer.get_by_label("Year").fill(str(today.year))
        if outcome:
            officer.get_by_label(outcome).check()
        for label, value in fields.items():
            officer.get_by_label(label).fill(value)
        officer.get_by_role("button", name="Record").click()
        expect(officer.get_by_role("main")).to_contain_text(f"Recorded: {kind_label}")

    def phase(text):
        officer.goto(f"/team/people/{child}")
        expect(officer.locator("#phase")).to_contain_text(f"Phase: {text}")

    record("Decision whether to assess", "Yes, carry out an assessment")
    phase("Assessment")
    expect(officer.locator("#documents")).to_contain_text(
        "Decision to carry out an EHC needs assessment")  # the letter, made from the template
    school.goto(f"/people/{child}/forms?tab=request")
    expect(school.get_by_role("main")).to_contain_text("on time")

    record("Decision whether to issue an EHC plan", "Yes, issue an EHC plan")
    phase("EHC Plan")

    # --- The draft plan goes to the parent ---
    officer.get_by_role("link", name="Upload a document").click()
    officer.get_by_label("Draft EHC Plan").check()
    officer.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "Zz draft plan.pdf", "mimeType": "application/pdf", "buffer": DRAFT_PLAN}])
    officer.get_by_label("Issue to parents").check()
    officer.get_by_role("button", name="Upload").click()
    expect(officer.get_by_role("main")).to_contain_text("issued to the parents")

    # The final plan cannot go out inside the 15 days without the family's response.
    officer.goto(f"/team/people/{child}/key-dates?kind=final-plan")
    expect(officer.locator(".govuk-warning-text")).to_contain_text("can comment on the draft plan until")

    parent = new_page(js=js)
    seed.sign_in(parent, portal, f"zz.caseloop.parent.{flavour}@example.org")
    parent.goto(f"/family/children/{child}")
    expect(parent.get_by_role("main")).to_contain_text("sent you the draft EHC plan")
    expect(parent.get_by_role("main")).to_contain_text(
        "Decision to carry out an EHC needs assessment")  # the decision letter, shared
    parent.get_by_role("button", name="Start Comments on the Draft EHC Plan").click()
    seed.complete_form(parent, "draft-plan-comments", answers={"your_name": "Zzpat Zzparent"})

    # --- Their comments are the response: the final plan may go out now ---
    record("Final EHC plan issued")
    phase("Review")
    parent.goto(f"/family/children/{child}")
    expect(parent.get_by_role("main")).to_contain_text(
        f"The final EHC plan was issued on {today.day} {today:%B %Y}.")
    expect(parent.get_by_role("main")).to_contain_text("has an EHC plan")

    # --- The annual review ---
    record("Annual review meeting held")
    record("Annual review report received")
    record("Decision after the annual review", "Maintain the plan as it is")
    officer.goto(f"/team/?q={surname}")
    expect(officer.locator("tr", has_text=surname)).to_contain_text("Next annual review meeting")
    parent.goto(f"/family/children/{child}")
    expect(parent.get_by_role("main")).to_contain_text("The annual review meeting was held on")
