"""DESIGN.md §12 in a real browser (JavaScript on: without it there is no htmx request).

A form step's autosave that fails says so in the step's status line, "Not saved — why", and
never swaps a page into the page: a form sent meanwhile from another tab (409), an expired CSRF
token (403), a session that ended (401), no network at all. What was typed stays on the page.
"""
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import _PROBLEMS_KEY
from tests.browser.test_forms_files import _seed

_SET_STATUS = """
    FormInstance.update(status=args["status"]).where(FormInstance.id == args["id"]).execute()
"""
_SIGN_OUT = """
    UserSession.delete().where(UserSession.user == User.get(User.email == args["email"])).execute()
"""


def _at_step(page, portal):
    emails, made = _seed(portal, page)
    seed.sign_in(page, portal, emails["pro"])
    page.goto(f"/forms/{made['draft']}/upload")
    page.wait_for_load_state("load")
    return emails, made


def _type_and_leave(page, text):
    description = page.get_by_label("Description", exact=True)
    description.fill(text)
    description.blur()  # "change": the autosave goes


def _no_page_inside_the_page(page):
    expect(page.locator("main .govuk-header, main .govuk-footer, main main")).to_have_count(0)
    expect(page.get_by_label("Description", exact=True)).to_have_value("Zz typed and kept")


def test_a_form_sent_from_another_tab_says_not_saved(page, portal):
    _emails, made = _at_step(page, portal)
    seed.run(portal, _SET_STATUS, id=made["draft"], status="submitted")
    _type_and_leave(page, "Zz typed and kept")
    expect(page.locator("#autosave-status")).to_contain_text(
        "Not saved — this form has been sent or changed elsewhere")
    _no_page_inside_the_page(page)


def test_an_expired_csrf_token_says_not_saved(page, portal):
    _at_step(page, portal)
    page.evaluate("""() => {
        document.querySelector('meta[name="csrf-token"]').content = "expired";
        document.querySelectorAll('input[name="csrf_token"]').forEach((i) => { i.value = "expired"; });
    }""")
    _type_and_leave(page, "Zz typed and kept")
    expect(page.locator("#autosave-status")).to_contain_text("Not saved — this page has expired")
    _no_page_inside_the_page(page)


def test_a_session_that_ended_says_not_saved_with_a_way_to_sign_in(page, portal):
    emails, _made = _at_step(page, portal)
    seed.run(portal, _SIGN_OUT, email=emails["pro"])
    _type_and_leave(page, "Zz typed and kept")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("Not saved — you have been signed out.")
    expect(status.get_by_role("link", name="Sign in again (opens in a new tab)")).to_be_visible()
    _no_page_inside_the_page(page)


def test_no_network_says_you_appear_to_be_offline(page, portal):
    _at_step(page, portal)
    page.route("**/forms/*/upload", lambda route: route.abort("internetdisconnected"))
    _type_and_leave(page, "Zz typed and kept")
    expect(page.locator("#autosave-status")).to_contain_text(
        "Not saved — you appear to be offline; your answers are still on this page")
    _no_page_inside_the_page(page)
    problems = getattr(page, _PROBLEMS_KEY)  # the failed request (and htmx's log of it) is ours
    problems[:] = [p for p in problems
                   if "ERR_INTERNET_DISCONNECTED" not in p and "Failed to fetch" not in p]
