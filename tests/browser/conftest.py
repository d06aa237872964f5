"""Browser tests: Playwright driving Debian's Chromium against a live portal.

Fixtures (see /work/notes/browser-report.md for a walk-through):

- ``portal`` (session): a real portal in a subprocess (tests/browser/server.py) on 127.0.0.1 with
  its own SQLite database and instance folder; ``portal.last_email(to)`` reads the dev mail it
  writes to <instance>/mail/*.eml.
- ``browser`` (session): one Chromium for the whole session (per xdist worker).
- ``page`` / ``page_nojs`` / ``any_page``: a fresh browser context per test, with JavaScript on,
  off, or both (``any_page`` is parametrised ["js", "nojs"]). Every page is watched: a console
  error (a CSP violation, say), an uncaught JavaScript exception or a failed sub-resource fails
  the test at teardown.
- ``axe``: ``axe(page)`` runs axe-core (WCAG 2.2 A/AA tags) on what the page shows now and fails
  on any violation, listing each rule, its help text and the offending elements.

Browser tests are never skipped: a missing /usr/bin/chromium is an error (run ``make chromium``).
"""
import contextlib
import email
import email.policy
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-gpu"]
AXE_SOURCE = (HERE / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ASSET_TYPES = {"stylesheet", "script", "image", "font", "media"}
TIMEOUT_MS = 10_000  # a page that takes longer than this on 127.0.0.1 is a failure, not a wait


# Under pytest-xdist every worker that gets a browser test starts its own server and Chromium
# (session fixtures are per worker). The tests are deliberately not put in one xdist_group: spread
# over both workers they finish sooner, and with pytest 9.2 + xdist 3.8 `--dist loadgroup` ignores
# xdist_group marks anyway (pytest-dev/pytest-xdist#1386: xdist still rewrites item._nodeid).


# --- the live portal ---------------------------------------------------------------------------

@dataclass
class Mail:
    """One email as written by the portal's development mail (an .eml file)."""
    name: str
    to: str
    subject: str
    text: str
    html: str

    @property
    def link(self) -> str:
        """The first web address in the text part (activation, password reset...)."""
        match = re.search(r"https?://\S+", self.text)
        assert match, f"No link in the email {self.subject!r}:\n{self.text}"
        return match.group(0)

    @property
    def code(self) -> str:
        """The 6-digit verification code in the text part."""
        match = re.search(r"\b(\d{6})\b", self.text)
        assert match, f"No 6-digit code in the email {self.subject!r}:\n{self.text}"
        return match.group(1)


class LivePortal:
    """The running test server: its address, its instance folder and its outgoing mail."""

    def __init__(self, base_url: str, instance: Path, log_path: Path):
        self.base_url = base_url
        self.instance = instance
        self.mail_dir = instance / "mail"
        self.log_path = log_path

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def emails(self, to: str | None = None) -> list[Mail]:
        """Every email sent so far (oldest first), optionally only those to one address."""
        found = []
        for path in sorted(self.mail_dir.glob("*.eml")):  # names start with the zero-padded row id
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to and msg["To"].lower() != to.lower():
                continue
            text = msg.get_body(("plain",))
            html = msg.get_body(("html",))
            found.append(Mail(name=path.name, to=msg["To"], subject=msg["Subject"],
                              text=text.get_content() if text else "",
                              html=html.get_content() if html else ""))
        return found

    def last_email(self, to: str, *, newer_than: Mail | None = None, timeout: float = 5.0) -> Mail:
        """The newest email to ``to`` (newer than ``newer_than`` if given), waiting briefly for it.

        Mail is delivered straight after the request that queued it, so it is normally there by
        the time the next page has loaded; the wait only covers a slow disk.
        """
        deadline = time.monotonic() + timeout
        while True:
            mails = [m for m in self.emails(to) if newer_than is None or m.name > newer_than.name]
            if mails:
                return mails[-1]
            if time.monotonic() > deadline:
                sent = [(m.to, m.subject) for m in self.emails()]
                raise AssertionError(f"No new email to {to}. Emails sent so far: {sent}")
            time.sleep(0.05)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def portal(tmp_path_factory):
    """A live portal in a subprocess for the whole session; it stops with us (or by itself)."""
    instance = tmp_path_factory.mktemp("portal-instance")
    log_path = instance.parent / "portal-server.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.server", "--instance", str(instance)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = process.stdout.readline()  # blocks until the server is listening (or has died)
    if not line.startswith("PORTAL_TEST_SERVER "):
        process.kill()
        log.close()
        pytest.fail(f"The test portal did not start:\n{line}{log_path.read_text(errors='replace')}")
    # The rest of its stdout (dev mail printed to the console) goes to the log too.
    _, base_url, _ = line.split()
    live = LivePortal(base_url, instance, log_path)
    _wait_until_answering(live, process)
    threading.Thread(target=_copy_lines, args=(process.stdout, log), daemon=True).start()
    yield live
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@contextlib.contextmanager
def another_portal(tmp_path_factory, name: str, env: dict):
    """A second live portal with ``env`` added to its environment (a module fixture yields from
    ``with another_portal(...) as live``). Always SQLite in its own instance folder: the worker's
    PostgreSQL database belongs to the session ``portal`` (recreating it would empty that one)."""
    instance = tmp_path_factory.mktemp(name)
    log_path = instance.parent / f"{name}.log"
    log = open(log_path, "w")
    inherited = {k: v for k, v in os.environ.items() if k != "PORTAL_TEST_DATABASE_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.server", "--instance", str(instance)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
        env={**inherited, "PYTHONUNBUFFERED": "1", **env})
    try:
        line = process.stdout.readline()
        assert line.startswith("PORTAL_TEST_SERVER "), line
        live = LivePortal(line.split()[1], instance, log_path)
        _wait_until_answering(live, process)
        threading.Thread(target=_copy_lines, args=(process.stdout, log), daemon=True).start()
        yield live
    finally:
        process.terminate()
        process.wait(timeout=5)
        log.close()


def _copy_lines(source, sink):
    for line in source:
        sink.write(line)
        sink.flush()


def _wait_until_answering(live, process, seconds=15.0):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(live.url("/accessibility"), timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"The test portal is not answering:\n{live.log_tail()}")
        time.sleep(0.1)


# --- the browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, launched once. Never downloaded: a missing binary is an error."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
                    "Run `make chromium` (apt-get install chromium); never `playwright install`.")
    from playwright.sync_api import sync_playwright
    args = CHROMIUM_ARGS + (["--no-sandbox"] if os.geteuid() == 0 else [])
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


# Which pages run JavaScript, and what went wrong on each (console errors, exceptions...).
_JS_ENABLED_KEY = "_portal_js_enabled"
_PROBLEMS_KEY = "_portal_problems"


def _watch(page, problems):
    """Collect what should never happen on a page: CSP violations, JS errors, broken assets."""
    def on_console(message):
        # The document's own 4xx (a 404 page, a 422 re-render) logs "Failed to load resource";
        # sub-resources are checked through on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error on {page.url}: {message.text}")

    def on_response(response):
        # Only assets: htmx's own requests may rightly get a 4xx (a 422 re-render is swapped in).
        if response.request.resource_type in ASSET_TYPES and response.status >= 400:
            problems.append(f"{response.status} for {response.request.resource_type} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"uncaught exception on {page.url}: {exc}"))
    page.on("response", on_response)
    def on_request_failed(request):
        # net::ERR_ABORTED is the browser cancelling a request because the test moved on (a
        # navigation, or htmx replacing a search-as-you-type request): not the portal failing.
        if "ERR_ABORTED" not in (request.failure or ""):
            problems.append(f"request failed: {request.url} ({request.failure})")

    page.on("requestfailed", on_request_failed)


@pytest.fixture
def new_page(browser, portal):
    """Factory: new_page(js=True, viewport=None) -> a page in a fresh context (own cookies) on the
    live portal (viewport={"width": 360, "height": 740} for a phone; no-JS axe replays at that size).

    Contexts keep the portal's Content-Security-Policy in force (no bypass_csp), so a CSP
    violation shows up as a console error and fails the test. axe-core still gets in: it is
    evaluated through the DevTools protocol, which CSP does not govern (see ``axe``).
    """
    contexts, pages = [], []

    def make(js: bool = True, viewport: dict | None = None):
        # viewport: e.g. {"width": 360, "height": 740} for a phone (default: Playwright's 1280x720)
        context = browser.new_context(base_url=portal.base_url, java_script_enabled=js,
                                      locale="en-GB", timezone_id="Europe/London",
                                      **({"viewport": viewport} if viewport else {}))
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        setattr(page, _JS_ENABLED_KEY, js)
        setattr(page, _PROBLEMS_KEY, [])
        _watch(page, getattr(page, _PROBLEMS_KEY))
        pages.append(page)
        return page

    yield make
    problems = [p for page in pages for p in getattr(page, _PROBLEMS_KEY)]
    for context in contexts:
        context.close()
    assert not problems, "Problems in the browser:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    """A page with JavaScript on."""
    return new_page(js=True)


@pytest.fixture
def page_nojs(new_page):
    """A page with JavaScript off (as for a user whose scripts failed to load)."""
    return new_page(js=False)


@pytest.fixture(params=["js", "nojs"])
def any_page(request, new_page):
    """The same test twice: once with JavaScript, once without."""
    return new_page(js=request.param == "js")


def js_enabled(page) -> bool:
    return getattr(page, _JS_ENABLED_KEY, True)


def problems_on(page) -> list[str]:
    """What has gone wrong on ``page`` so far (console errors, exceptions, failed assets)."""
    return getattr(page, _PROBLEMS_KEY)


# --- axe-core ----------------------------------------------------------------------------------

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations']});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""


def _axe_violations(page):
    # evaluate() goes through the DevTools protocol, which the page's CSP (script-src 'self', no
    # inline script) does not govern; add_script_tag would be an inline <script> and be blocked,
    # so this keeps CSP fully on and needs no bypass_csp.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(_RUN_AXE, WCAG_TAGS)


def _strip_scripts(html):
    return re.sub(r"<script\b[^>]*>.*?</script\s*>", "", html, flags=re.S | re.I)


@pytest.fixture(scope="session")
def _axe_replay_page(browser):
    """A JavaScript page where what a no-JS page showed is re-served for axe to check.

    axe.run is asynchronous (timers, promises) and a context with java_script_enabled=False never
    runs them, so on a no-JS page axe would wait for ever. Instead we take the no-JS page's DOM
    (exactly the server's HTML, as no script ran), drop its <script> tags so it stays the no-JS
    page, and serve it at the same URL to this page (same origin, so the same stylesheets load
    and colour contrast is measured on real styles), then run axe there.
    """
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def axe(_axe_replay_page):
    """axe(page): assert axe-core finds no WCAG 2.2 A/AA violations on the page as it is now."""
    def check(page, label: str = ""):
        # A visible heading can come before the stylesheets have loaded (a slow, loaded machine);
        # axe on unstyled HTML reports false contrast and target-size problems.
        page.wait_for_load_state("load")
        if js_enabled(page):
            violations = _axe_violations(page)
        else:
            violations = _replay_and_check(_axe_replay_page, page)
        where = f"{label or page.title()} ({page.url}, JavaScript {'on' if js_enabled(page) else 'off'})"
        assert not violations, f"axe-core: {len(violations)} violation(s) on {where}\n" + "\n".join(
            f"- {v['id']} [{v['impact']}]: {v['help']} ({v['helpUrl']})\n" + "\n".join(
                f"    at {n['target']}\n      {(n['summary'] or '').replace(chr(10), chr(10) + '      ')}"
                for n in v["nodes"])
            for v in violations)
    return check


def _replay_and_check(replay, page):
    html = _strip_scripts(page.content())
    target = page.url.split("#")[0]

    def is_target(url):
        return url.split("#")[0] == target

    def serve(route):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    replay.route(is_target, serve)
    if page.viewport_size and replay.viewport_size != page.viewport_size:
        replay.set_viewport_size(page.viewport_size)  # a phone page is checked at phone size
    try:
        replay.goto(target)
        return _axe_violations(replay)
    finally:
        replay.unroute(is_target, serve)
