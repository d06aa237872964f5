"""Pages anyone can see: they load, wear the council's header and pass axe-core (WCAG 2.2 A/AA).

The ``page`` fixture also fails the test on any console error (a CSP violation, say), uncaught
JavaScript exception or missing stylesheet/script, so loading each page checks those too.
"""
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

COUNCIL = yaml.safe_load((Path(__file__).resolve().parents[2] / "schemas" / "councils" /
                          "stockton.yaml").read_text(encoding="utf-8"))

PUBLIC_PAGES = [
    # (path, expected status, a heading the page must have)
    ("/login", 200, None),
    ("/register", 200, None),
    ("/accessibility", 200, "Accessibility statement"),
    ("/privacy", 200, "Privacy notice"),
    ("/cookies", 200, "Cookies"),
    ("/no-such-page", 404, "Page not found"),
]


@pytest.mark.parametrize("path, status, heading", PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_public_page_loads_with_council_header_and_passes_axe(page, axe, path, status, heading):
    response = page.goto(path)
    assert response.status == status

    expect(page.get_by_role("banner")).to_contain_text(COUNCIL["name"])
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    if heading:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading, ignore_case=True)
    assert COUNCIL["name"] in page.title()
    axe(page)


def test_sign_in_page_links_to_register_and_forgotten_password(page):
    page.goto("/login")
    expect(page.get_by_label("Email Address")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Login")).to_be_visible()
    expect(page.get_by_role("link", name="Forgotten your password?")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Register")).to_be_visible()


def test_footer_links_reach_their_pages_without_javascript(page_nojs):
    page_nojs.goto("/login")
    for name, heading in (("Accessibility statement", "Accessibility statement"),
                          ("Privacy notice", "Privacy notice"), ("Cookies", "Cookies")):
        page_nojs.get_by_role("contentinfo").get_by_role("link", name=name).click()
        expect(page_nojs.get_by_role("heading", level=1)).to_contain_text(heading, ignore_case=True)
