"""Issue 13: choosing a message template on Compose never loses what the officer typed.

JavaScript on (the template select swaps the fields through htmx) and off ("Use template"): with
typed text the page asks "Replace what I typed" / "Keep what I typed"; Keep leaves the text,
Replace fills the template. Checked with axe-core in the asking state.
"""
import re

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import js_enabled

TYPED_SUBJECT = "Zz my own subject"
TYPED_BODY = "Zz a message I typed myself"


def choose(page, template):
    page.get_by_label("Template").select_option(label=template)
    if not js_enabled(page):
        page.get_by_role("button", name="Use template").click()
    page.wait_for_load_state("load")


def test_a_template_over_typed_text_asks_first(any_page, portal, axe):
    page = any_page
    suffix = str(id(page))[-6:] + ("j" if js_enabled(page) else "n")
    made = seed.case_officer_and_family(
        portal, officer_email=f"zz.compose.officer.{suffix}@example.org",
        parent_email=f"zz.compose.parent.{suffix}@example.org",
        child={"forename": "Zzcompose", "surname": "Zzchild", "date_of_birth": "2016-05-04"})
    seed.sign_in(page, portal, f"zz.compose.officer.{suffix}@example.org")
    page.goto(f"/team/people/{made['child']}/messages/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a message")
    page.wait_for_load_state("load")
    page.get_by_label("Subject").fill(TYPED_SUBJECT)
    page.get_by_label("Message").fill(TYPED_BODY)

    choose(page, "Draft plan issued")
    expect(page.get_by_text("You have typed a subject or message")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value(TYPED_SUBJECT)
    expect(page.get_by_label("Message")).to_have_value(TYPED_BODY)
    axe(page, "Compose asking before a template replaces typed text")

    page.get_by_role("button", name="Keep what I typed").click()
    expect(page.get_by_text("You have typed a subject or message")).to_have_count(0)
    expect(page.get_by_label("Subject")).to_have_value(TYPED_SUBJECT)
    expect(page.get_by_label("Message")).to_have_value(TYPED_BODY)
    page.wait_for_load_state("load")

    choose(page, "Draft plan issued")
    page.get_by_role("button", name="Replace what I typed").click()
    expect(page.get_by_label("Subject")).to_have_value("Draft EHC plan for Zzcompose Zzchild")
    expect(page.get_by_label("Message")).to_have_value(
        re.compile(r"^The draft Education, Health and Care plan for Zzcompose"))
    page.wait_for_load_state("load")

    # Untouched template text: another template just replaces it, no question.
    choose(page, "General message")
    expect(page.get_by_label("Subject")).to_have_value("About Zzcompose Zzchild")
    expect(page.get_by_text("You have typed a subject or message")).to_have_count(0)
