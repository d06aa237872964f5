"""Issue 13, reflow (WCAG 1.4.10) and landmarks: no page scrolls sideways on a 320px screen.

Each role (signed out, a SENCo, a parent, an officer) walks every page reachable by a link from
Home, breadth first, with JavaScript on and off, at 320 x 640. On each page:
``document.documentElement.scrollWidth <= 320`` (the widest offender is named when it is not), and
with JavaScript on axe-core's ``region`` rule (best practice: all content inside landmarks; the
back link used to sit outside <main>). The seeded world has what made pages wide: a table of
messages, a work-profile table with its Select button, Select Person, the caseload, the review
queue, professional accounts, and a long unbreakable email address.
Downloads (files, PDFs, documents, the advice pack) are not pages and are not followed.
"""
import re
from collections import deque
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import AXE_SOURCE, js_enabled

WIDTH = 320
PHONE = {"width": WIDTH, "height": 640}
MAX_PAGES = 45  # per role; the walk covers every page type well within this
NOT_PAGES = re.compile(r"/files/|/pdf$|/documents/\d+$|/advice-pack$|^/static/|^/council\.css$")

_SEED = """
    officer = make_user(args["officer"], "Zzolive", "Zzofficer", role="officer",
                        password=args["password"], two_step="email")
    parent = make_user(args["parent"], "Zzpat", "Zzparent", role="citizen",
                       password=args["password"], two_step="email", citizen_kind="parent")
    pro = make_user(args["pro"], "Zzsally", "Zzsenco", password=args["password"],
                    two_step="email", council_verified=True, professional_role="SENCo",
                    organisation="Zz Bader Primary School with a Rather Long Name Academy Trust")
    make_user(args["pending"], "Zzpending", "Zzprofessional", password=args["password"],
              professional_role="Educational Psychologist", organisation="Zz EP Service")
    child = Person.create(forename="Zzreflow", surname="Zzlongsurnameforthephone",
                          date_of_birth=dt.date(2017, 4, 2), current_school="Zz Bader Primary",
                          address="1 Zz Street, Stockton-on-Tees", postcode="TS18 1ZZ")
    Case.create(person=child, phase="assessment", officer=officer)
    Link.create(user=pro, person=child, how="sen-team", linked_by=officer)
    Link.create(user=parent, person=child, how="parent", linked_by=officer)
    FormInstance.create(person=child, form_key="generic-file-upload", schema_version=1,
                        author=pro, work_profile=pro.work_profiles.get(), status="submitted",
                        submitted_at=utcnow(), answers={})
    result["draft"] = FormInstance.create(
        person=child, form_key="early-years-request", schema_version=1, author=pro,
        status="draft", answers={}).id
    from services.casework import messages
    for user in (pro, parent):
        messages.send_message(user, "request", "Zz please send the advice about a long subject line",
                              "Zz body", sender=officer, person=child,
                              due_date=utcnow().date() + dt.timedelta(days=10))
"""

_WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  let worst = null;
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right > limit + 0.5 && (!worst || right > worst.right)) {
      worst = {right, tag: el.tagName.toLowerCase(), id: el.id,
               cls: String(el.className), text: (el.textContent || '').trim().slice(0, 60)};
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, worst};
}"""

_REGION = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'rule', values: ['region']},
                                     resultTypes: ['violations']});
  return r.violations.flatMap(v => v.nodes.map(n => n.target.join(' ')));
}"""


def _links(page, origin):
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or NOT_PAGES.search(parts.path):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def _walk(page, portal, start="/"):
    """Breadth-first over the links of each page; returns {url: problem} for pages that fail."""
    origin = portal.base_url.rstrip("/")
    seen, queue, problems = {start}, deque([start]), {}
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        page.goto(url)
        page.wait_for_load_state("load")
        if urlsplit(page.url).path == "/login" and url != "/login" and "/login" in seen:
            continue  # signed out by the walk (should not happen: sign-out is a POST)
        measured = page.evaluate(_WIDEST)
        if measured["scrollWidth"] > WIDTH:
            problems[url] = f"scrollWidth {measured['scrollWidth']}, widest {measured['worst']}"
        if js_enabled(page):
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.evaluate(AXE_SOURCE)
            outside = page.evaluate(_REGION)
            if outside:
                problems[url] = problems.get(url, "") + f" content outside landmarks: {outside}"
        for link in _links(page, origin):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return seen, problems


def _world(portal, suffix):
    emails = {k: f"zz.reflow.{k}.{suffix}@example.org" for k in ("officer", "parent", "pending")}
    # An address with no break opportunity: it must wrap, not widen the page.
    emails["pro"] = f"zz.reflow.professional.with.averyveryverylongaddress.{suffix}@example.org"
    made = seed.run(portal, _SEED, password=seed.PASSWORD, **emails)
    return {**emails, "draft": made["draft"]}


def test_no_page_scrolls_sideways_at_320px(new_page, any_page, portal):
    js = js_enabled(any_page)
    emails = _world(portal, str(id(any_page))[-6:] + ("j" if js else "n"))
    walked = {}
    for role in (None, "pro", "parent", "officer"):
        page = new_page(js=js, viewport=PHONE)
        if role:
            seed.sign_in(page, portal, emails[role])
            expect(page.get_by_role("heading", level=1)).to_be_visible()
        seen, problems = _walk(page, portal, "/" if role else "/login")
        walked[role or "signed out"] = (len(seen), problems)
    failures = {role: problems for role, (_, problems) in walked.items() if problems}
    assert not failures, "\n".join(f"{role}: {url}: {why}" for role, problems in failures.items()
                                   for url, why in problems.items())
    # The walk really covered the pages the issue names.
    assert all(count >= 5 for count, _ in walked.values()), {r: c for r, (c, _) in walked.items()}


def test_the_stacked_table_names_each_column_and_the_select_button_is_on_screen(new_page, portal):
    page = new_page(js=True, viewport=PHONE)
    emails = _world(portal, str(id(page))[-6:] + "s")
    seed.sign_in(page, portal, emails["parent"])
    page.goto("/messages/")
    row = page.locator("main tbody tr").first
    expect(row).to_be_visible()
    label = row.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Subject"'
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

    pro = new_page(js=True, viewport=PHONE)
    seed.sign_in(pro, portal, emails["pro"])
    pro.goto(f"/forms/{emails['draft']}")
    select = pro.get_by_role("button", name=re.compile(r"^Select SENCo"))
    expect(select).to_be_visible()
    box = select.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    caption = pro.get_by_text("Your work profiles", exact=True)
    assert caption.bounding_box()["height"] < 60  # one line, not a letter a line
    assert pro.evaluate("document.documentElement.scrollWidth") <= WIDTH
