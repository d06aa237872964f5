"""Issue 13, a session that ends mid-step loses nothing (WCAG 2.2.1 timeout warning).

JavaScript on, against a portal whose idle limit is one minute (PORTAL_SESSION_IDLE_MINUTES): the
"You will be signed out soon" dialog comes 20 seconds before the end, "Stay signed in" (an htmx
POST) extends the session; left alone, the session ends, Save & Continue says "Not saved — you
have been signed out", and after signing in again the typed answer is on the step. JavaScript
off: the page says when the session ends, and the answer sent after it did comes back too.
"""
import pytest
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import another_portal
from tests.browser.test_forms_files import _seed

TYPED = "Zz typed before the session ended"


@pytest.fixture(scope="module")
def short_portal(tmp_path_factory):
    """A second live portal whose sessions end after one idle minute."""
    with another_portal(tmp_path_factory, "portal-short-idle",
                        {"PORTAL_SESSION_IDLE_MINUTES": "1"}) as live:
        yield live


def test_warning_stay_signed_in_then_answers_kept_across_the_end(browser, short_portal):
    context = browser.new_context(base_url=short_portal.base_url, locale="en-GB",
                                  timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    emails, made = _seed(short_portal, page)
    seed.sign_in(page, short_portal, emails["pro"])
    step = f"/forms/{made['draft']}/upload"
    page.goto(step)
    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    with page.expect_response("**/session/stay") as stay:
        page.get_by_role("button", name="Stay signed in").click()
    assert stay.value.status == 204
    expect(dialog).to_be_hidden()

    page.get_by_label("Type of document", exact=True).select_option("Correspondence")
    description = page.get_by_label("Description", exact=True)
    description.fill(TYPED)
    with page.expect_response(lambda r: r.request.method == "POST" and TYPED in (r.request.post_data or "")):
        description.blur()  # the autosave: the session goes on from here
    # left alone: the warning again, then the end
    expect(dialog).to_be_visible(timeout=60_000)
    expect(page.get_by_role("main")).to_contain_text("You have been signed out", timeout=40_000)
    page.wait_for_timeout(1500)  # the server's clock passes the limit too
    page.get_by_label("Description", exact=True).fill(TYPED + " and after")
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.locator("#autosave-status")).to_contain_text("Not saved — you have been signed out.")
    expect(page.get_by_label("Description", exact=True)).to_have_value(TYPED + " and after")

    seed.sign_in(page, short_portal, emails["pro"])
    page.goto(step)
    expect(page.get_by_role("main")).to_contain_text("We kept them")
    expect(page.get_by_label("Description", exact=True)).to_have_value(TYPED + " and after")
    context.close()


def test_without_javascript_the_page_says_when_the_session_ends_and_nothing_is_lost(
        page_nojs, portal):
    page = page_nojs
    emails, made = _seed(portal, page)
    seed.sign_in(page, portal, emails["pro"])
    step = f"/forms/{made['draft']}/upload"
    page.goto(step)
    expect(page.get_by_role("main")).to_contain_text("this session ends at")
    page.get_by_label("Type of document", exact=True).select_option("Correspondence")
    page.get_by_label("Description", exact=True).fill(TYPED)
    seed.run(portal, """
        UserSession.delete().where(UserSession.user == User.get(User.email == args["email"])).execute()
    """, email=emails["pro"])
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_label("Email Address")).to_be_visible()  # asked to sign in again
    seed.sign_in(page, portal, emails["pro"])
    page.goto(step)
    expect(page.get_by_role("main")).to_contain_text("We kept them")
    expect(page.get_by_label("Description", exact=True)).to_have_value(TYPED)
