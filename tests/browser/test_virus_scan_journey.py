"""Issue 15, virus scanning in real browsers (JavaScript on and off): a PDF carrying the EICAR
test string, chosen and sent with Save & Continue, is refused with the GOV.UK message at the
field and nothing is kept; a clean one is kept.

This module runs its own portal (it overrides the ``portal`` fixture; conftest's
``another_portal``, SQLite) with PORTAL_CLAMD_SOCKET pointing at a real clamd
(tests/clamav/daemon.py).
"""
import pytest
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import another_portal
from tests.browser.test_forms_files import _seed, _wait_for_autosave
from tests.clamav import daemon

INFECTED = b"%PDF-1.4\n" + daemon.EICAR + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    daemon.skip_unless_installed()
    clamd = daemon.Clamd().start()
    try:
        with another_portal(tmp_path_factory, "scanned-portal",
                            {"PORTAL_CLAMD_SOCKET": clamd.socket}) as live:
            yield live
    finally:
        clamd.close()


def _kept(portal, draft):
    return seed.run(portal, """
        result["files"] = [a.filename for a in Attachment.select()
                           .where(Attachment.instance == args["draft"])]
    """, draft=draft)["files"]


def _choose_and_continue(page, name, content):
    page.get_by_label("Type of document", exact=True).select_option("Consent form")
    _wait_for_autosave(page)
    page.get_by_label("Description", exact=True).fill("Zz scanned")
    page.get_by_label("Choose a file").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content})
    _wait_for_autosave(page)
    page.get_by_role("button", name="Save & Continue").click()


def test_an_infected_file_is_refused_at_the_field_and_a_clean_one_kept(any_page, portal, axe):
    page = any_page
    emails, made = _seed(portal, page)
    seed.sign_in(page, portal, emails["pro"])
    page.goto(f"/forms/{made['draft']}/upload")
    _choose_and_continue(page, "zz-infected.pdf", INFECTED)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The selected file contains a virus")
    expect(page.locator(".govuk-error-message")).to_contain_text(
        "The selected file contains a virus")
    axe(page, "Upload step refusing an infected file")
    assert _kept(portal, made["draft"]) == []

    _choose_and_continue(page, "zz-clean.pdf", seed._TINY_PDF)
    expect(page.get_by_role("link", name="zz-clean.pdf")).to_be_visible()
    assert _kept(portal, made["draft"]) == ["zz-clean.pdf"]
