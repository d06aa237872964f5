"""The browser harness itself: axe and the page watcher really do catch problems.

Without these a broken harness would pass every page (an axe that never runs finds nothing).
"""
import pytest

from tests.browser.conftest import problems_on

BROKEN_IMAGE = """() => {
  const img = document.createElement('img');
  img.src = '/static/portal.css';   // any same-origin URL; the missing alt text is the point
  document.querySelector('main').append(img);
}"""


def test_axe_reports_a_violation_with_and_without_javascript(any_page, axe):
    any_page.goto("/accessibility")
    axe(any_page)  # clean to start with
    any_page.evaluate(BROKEN_IMAGE)  # evaluate() still changes the DOM when page scripts are off
    with pytest.raises(AssertionError, match="image-alt"):
        axe(any_page)


def test_an_inline_script_is_blocked_by_csp_and_reported(page):
    page.goto("/accessibility")
    page.evaluate("""() => {
      const s = document.createElement('script');
      s.textContent = 'window.zzInline = 1';
      document.head.append(s);
    }""")
    assert page.evaluate("window.zzInline") is None
    problems = problems_on(page)
    for _ in range(50):  # console messages arrive asynchronously
        if problems:
            break
        page.wait_for_timeout(50)
    assert any("Content Security Policy" in p for p in problems), problems
    problems.clear()  # seen and expected: do not fail the test at teardown
