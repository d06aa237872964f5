"""Seed data for browser tests, written straight into the live test portal's database.

There is no HTTP way to create a ready professional or to link a child without going through
other journeys, so these helpers run a small Python snippet in a **subprocess** against the
server's instance folder and database (the same PORTAL_* settings the server uses: its SQLite file,
or its PostgreSQL database under PORTAL_TEST_DATABASE_URL, named in <instance>/database_url). A subprocess, not this pytest process: the http tests re-bind the global
Peewee database proxy, so binding it here could pull the rug from under them.

    from tests.browser import seed
    pro = seed.professional(portal, "zz.eyfs.js@example.org", children=[seed.CHILD])
    pro["children"][0]["id"]

Invented "Zz" names and @example.org addresses only. Other engineers may append helpers here.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Zz-otter-marble-violin-62"  # every seeded account's password

# A child for a professional's list: forename, surname, date of birth (ISO), gender, school.
CHILD = {"forename": "Zzarlo", "surname": "Zzbeetroot", "date_of_birth": "2021-03-15",
         "gender": "Male", "current_school": "Zz Little Acorns Nursery"}

_PRELUDE = """
import datetime as dt, json, sys
import models
from models import *
from portal import create_app
from services.demo import make_user
app = create_app()
args = json.loads(sys.argv[1])
result = {}
with app.app_context(), models.db.atomic():
"""
_EPILOGUE = """
with app.app_context():
    from services import mail
    mail.deliver_pending(app)  # what the snippet queued goes now, oldest first
print("SEED_RESULT " + json.dumps(result, default=str))
"""


def run(portal, code: str, **args) -> dict:
    """Run ``code`` inside the portal's app context and one transaction; return its ``result``.

    The snippet sees ``app``, ``args`` (the keyword arguments, through JSON), ``models`` and every
    model class, ``make_user`` (services.demo's) and ``dt``; it fills the dict ``result``
    (JSON-able values).
    """
    env = {**os.environ,
           "PORTAL_INSTANCE": str(portal.instance),
           "PORTAL_DATABASE_URL": (portal.instance / "database_url").read_text(),
           "PORTAL_SECRET_KEY": "browser-test-secret-key",
           "PORTAL_BASE_URL": portal.base_url,
           "PORTAL_PASSWORD_METHOD": "scrypt:1024:8:1",
           "PORTAL_RATE_LIMIT_FACTOR": "20"}
    env.pop("PORTAL_SMTP_HOST", None)
    script = _PRELUDE + textwrap.indent(textwrap.dedent(code).strip() + "\n", "    ") + _EPILOGUE
    done = subprocess.run([sys.executable, "-c", script, json.dumps(args, default=str)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    for line in done.stdout.splitlines():
        if line.startswith("SEED_RESULT "):
            return json.loads(line[len("SEED_RESULT "):])
    raise AssertionError(f"Seeding failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def professional(portal, email: str, *, children=(), forename="Zzsally", surname="Zzsenco",
                 role="SENCo", organisation="Zz Bader Primary School", messages=()) -> dict:
    """An active, council-verified professional with Email two-step verification, one work
    profile, linked by the SEN team to each of ``children`` (dicts like CHILD), and optionally
    portal messages to them: dicts with kind, subject, body, child (index into children),
    form_key, due_in_days, tab.

    Returns {"id", "email", "password", "work_profile_id", "children": [{"id", ...}],
    "messages": [ids]}.
    """
    result = run(portal, """
        officer = User.get_or_none(User.email == "zz.seed.officer@example.org") or make_user(
            "zz.seed.officer@example.org", "Zzoliver", "Zzofficer", role="officer",
            password=None, secret_answer=None, council_verified=True)
        user = make_user(args["email"], args["forename"], args["surname"],
                         password=args["password"], title="Ms", council_verified=True,
                         professional_role=args["role"], organisation=args["organisation"])
        profile = user.work_profiles.get()
        from services.casework import messages
        from services.people import links, people
        children = []
        for child in args["children"]:
            person = Person.create(
                forename=child["forename"], surname=child["surname"],
                gender=child.get("gender", ""), current_school=child.get("current_school", ""),
                date_of_birth=dt.date.fromisoformat(child["date_of_birth"]),
                address="1 Zz Street, Stockton-on-Tees", postcode="TS18 1ZZ")
            links.link(person, user, how="sen-team", linked_by=officer)
            children.append({**child, "id": person.id})
        sent = []
        for m in args["messages"]:
            due = m.get("due_in_days")
            person = Person.get_by_id(children[m["child"]]["id"]) if "child" in m else None
            sent.append(messages.send_message(
                user, m.get("kind", "request"), m["subject"], m.get("body", ""), sender=officer,
                person=person, form_key=m.get("form_key"), tab=m.get("tab"),
                due_date=utcnow().date() + dt.timedelta(days=due) if due is not None else None).id)
        result.update(id=user.id, email=user.email, password=args["password"],
                      work_profile_id=profile.id, children=children, messages=sent)
    """, email=email, password=PASSWORD, forename=forename, surname=surname, role=role,
        organisation=organisation, children=list(children), messages=list(messages))
    return result


def sign_in(page, portal, email: str, password: str = PASSWORD) -> None:
    """Sign in through the UI: Login, then the emailed Verification Code; ends on Home."""
    before = portal.emails(email)
    page.goto("/login")
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Login").click()
    page.get_by_label("Your Verification Code").wait_for()
    # Leaving a page while its scripts still load aborts them (a "request failed" at teardown).
    page.wait_for_load_state("load")
    mail = portal.last_email(email, newer_than=before[-1] if before else None)
    page.get_by_label("Your Verification Code").fill(mail.code)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", level=1, name="Welcome").wait_for()
    page.wait_for_load_state("load")


def _user_code(key):
    """Snippet: an account from args[key]; its id in result[key]."""
    return f"""
        a = args["{key}"]
        result["{key}"] = make_user(
            a["email"], a["forename"], a["surname"], password=args["password"], role=a["role"],
            two_step=a["two_step"], **a["fields"]).id
    """


def _user_args(email, role, forename, surname, two_step, fields):
    return {"email": email, "role": role, "forename": forename, "surname": surname,
            "two_step": two_step, "fields": fields}


def user(portal, email: str, *, role: str = "professional", forename: str = "Zzsam",
         surname: str = "Zztester", two_step: str = "email", **fields) -> int:
    """An active account of any role (officer, citizen...) with the seed PASSWORD and Email
    two-step verification by default; extra ``fields`` are User columns (citizen_kind="parent",
    council_verified=True...). Returns its id."""
    return run(portal, _user_code("user"), password=PASSWORD,
               user=_user_args(email, role, forename, surname, two_step, fields))["user"]


_CHILD_WITH_CASE = """
    from services.cases import events
    a = args["child"]
    facts = {name: dt.date.fromisoformat(value) if name not in ("decision_to_assess",
                                                                 "decision_to_issue") and value
             else value for name, value in a["facts"].items()}
    person = Person.create(forename=a["forename"], surname=a["surname"],
                           date_of_birth=dt.date.fromisoformat(a["date_of_birth"]))
    case = Case.create(person=person, phase=a["phase"],
                       officer=a["officer_id"] or result.get("officer"), **facts)
    events.convert_legacy(case)  # an older release's case, upgraded as `flask init-db` does
    result["child"] = person.id
"""


def child_with_case(portal, forename: str, surname: str, date_of_birth, *, phase: str = "assessment",
                    officer_id: int | None = None, **facts) -> int:
    """A child and their Case at ``phase`` with key facts as an older release stored them (dates as
    datetime.date: request_received=..., decision_to_assess="yes", ...), upgraded to case events. Nobody is linked to the
    child (link through the UI). Returns the child's id."""
    return run(portal, _CHILD_WITH_CASE, child={
        "forename": forename, "surname": surname, "date_of_birth": date_of_birth, "phase": phase,
        "officer_id": officer_id, "facts": facts})["child"]


def case_officer_and_family(portal, *, officer_email: str, parent_email: str, child: dict,
                            phase: str = "assessment", **facts) -> dict:
    """In one go (one process start): an officer, a parent's citizen account (both with Email
    two-step verification) and a child (``child``: forename, surname, date_of_birth) whose Case
    at ``phase`` with ``facts`` (as child_with_case) has that officer. The parent is NOT linked:
    that is for the journey. Returns {"officer": id, "parent": id, "child": id}."""
    code = "\n".join(textwrap.dedent(c) for c in (
        _user_code("officer"), _user_code("parent"), _CHILD_WITH_CASE))
    return run(portal, code, password=PASSWORD,
               officer=_user_args(officer_email, "officer", "Zzolive", "Zzofficer", "email", {}),
               parent=_user_args(parent_email, "citizen", "Zzpat", "Zzparent", "email",
                                 {"citizen_kind": "parent"}),
               child={**child, "phase": phase, "officer_id": None, "facts": facts})



def case_officer_and_professionals(portal, *, officer_email: str, professionals: list[dict],
                                   child: dict, phase: str = "assessment", **facts) -> dict:
    """In one go (one process start): an officer, council-verified professionals (each a dict:
    email, forename, surname, professional_role, organisation) with a work profile each, all with
    Email two-step verification, and a child (forename, surname, date_of_birth) whose Case at
    ``phase`` with ``facts`` (as child_with_case) has that officer. Nobody is linked to the child.
    Returns {"officer": id, "professionals": [ids], "child": id}."""
    keys = [f"pro{i}" for i in range(len(professionals))]
    code = "\n".join(textwrap.dedent(c) for c in (
        [_user_code("officer")] + [_user_code(k) for k in keys]
        + [_CHILD_WITH_CASE]))
    pros = {k: _user_args(p["email"], "professional", p["forename"], p["surname"], "email",
                          {"council_verified": True, "professional_role": p["professional_role"],
                           "organisation": p["organisation"]})
            for k, p in zip(keys, professionals)}
    made = run(portal, code, password=PASSWORD, **pros,
               officer=_user_args(officer_email, "officer", "Zzolive", "Zzofficer", "email", {}),
               child={**child, "phase": phase, "officer_id": None, "facts": facts})
    return {"officer": made["officer"], "professionals": [made[k] for k in keys],
            "child": made["child"]}

# --- Filling in a form through the UI (any form of the catalogue) -----------------------------
# complete_form(page, "e4-educational-psychologist") walks a started form from the step the page
# shows to "Form submitted", answering every required question that is still empty with a valid
# made-up answer read off the form's YAML (engine field types: dates in the past, the first
# option of a select, radio group or checkbox group, "Zz answer" for text). With JavaScript on,
# each step waits for the autosave that carries the last answer (and its new form version) before
# Save & Continue, so an autosave in flight never makes the Save & Continue stale (409).

TEXT_ANSWER = "Zz answer"
_TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")
_REGISTRY = []


def form_schema(form_key: str):
    """The current engine Form for ``form_key`` (the YAML, loaded once per process)."""
    if not _REGISTRY:
        from engine import load_registry
        _REGISTRY.append(load_registry(ROOT / "schemas" / "forms"))
    return _REGISTRY[0].get(form_key)


def step_key_of(page) -> str:
    """The step the page shows, from its address /forms/<id>/<step key> ("summary" included)."""
    import re
    match = re.search(r"/forms/\d+/([^/?#]+)", page.url)
    assert match, f"Not on a form step: {page.url}"
    return match.group(1)


def made_up_answer(field, *, text: str = TEXT_ANSWER):
    """A valid answer for one engine Field, as typed into the page; None if not typed.

    Dates are a {day, month, year} dict (30 days ago, or ahead if the field wants the future);
    choice fields answer None (fill_step picks their first option).
    """
    import datetime as dt
    kind = field.type
    if kind == "date":
        day = dt.date.today() + dt.timedelta(days=30 if field.future else -30)
        return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
    if kind == "number":
        return str(int(field.min) if field.min is not None else 1)
    if kind == "email":
        return "zz.answer@example.org"
    if kind == "tel":
        return "01642 000000"
    if kind == "postcode":
        return "TS18 1AA"
    if kind == "time" and not field.options:
        return "09:30"
    if kind in ("text", "textarea"):
        if field.pattern:
            raise AssertionError(f"No made-up answer for {field.name} (pattern {field.pattern}): "
                                 "pass it in answers={...}")
        minimum = int(field.min or 0)
        value = text if len(text) >= minimum else text + " z" * ((minimum - len(text)) // 2 + 1)
        return value[:int(field.max)] if field.max else value
    return None


_APPLY = """(ops) => {
  for (const [op, selector, value] of ops) {
    const el = document.querySelector(selector);
    if (!el) throw new Error('fill_step: no element ' + selector);
    if (op === 'check') { if (!el.checked) el.click(); continue; }
    el.value = value;
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  }
}"""


def _posted_pairs(body: str) -> set:
    """(name, value) pairs of a multipart or urlencoded form body."""
    import re
    from urllib.parse import parse_qsl
    if "Content-Disposition" in body:
        return set(re.findall(r'name="([^"]*)"\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)\r\n--', body, re.S))
    return set(parse_qsl(body, keep_blank_values=True))


def fill_step(page, form_key: str, *, answers: dict | None = None, text: str = TEXT_ANSWER,
              upload: bytes = _TINY_PDF) -> dict:
    """Answer every empty required question on the form step the page shows; return
    {input name: value} of what was typed or chosen.

    ``answers`` overrides by input name (``name``, ``name-<row>``; a date as {day, month, year}),
    and also fills optional questions named there. Add More steps: every row shown is filled.
    Required file questions with no file get a tiny PDF through their Upload button. Values are
    set and their change event sent in one go, so with JavaScript the helper knows which autosave
    carries the last answer, and it waits for it (and its new form version) before returning.
    """
    from playwright.sync_api import expect

    from tests.browser.conftest import js_enabled
    answers = dict(answers or {})
    step = form_schema(form_key).step(step_key_of(page))
    rows = [None]
    if step.repeat:
        first = step.value_fields[0]
        rows = [r for r in range(step.repeat.max or 50)
                if page.locator(f'[name^="{first.input_name(r)}"]').count()]
    plan = []  # (op, CSS selector, value, {(input name, value) it posts})
    for row in rows:
        for field in step.fields:
            name = field.input_name(row)
            given = answers.get(name, answers.get(field.name) if row is None else None)
            if not field.has_value or not (field.required or given is not None):
                continue
            plan.extend(_plan_field(page, field, name, given, text, upload))
    uploads = [p for p in plan if p[0] == "upload"]
    for _, (field_name, label), data, _ in uploads:
        _upload(page, field_name, label, data)
    plan = [p for p in plan if p[0] != "upload"]
    filled = {}
    if not plan:
        return filled
    pairs = {pair for p in plan for pair in p[3]}

    def carries_all(response):
        request = response.request
        posted = _posted_pairs(request.post_data or "")
        return request.method == "POST" and ("autosave", "1") in posted and pairs <= posted

    if js_enabled(page):
        # One script sets every answer and sends the change events: htmx's autosave (change,
        # delay 500ms) then fires once, after the last answer, and no earlier autosave can race it.
        with page.expect_response(carries_all) as saved:
            page.evaluate(_APPLY, [[op, selector, value] for op, selector, value, _ in plan])
        response = saved.value
        assert response.status == 200, f"Autosave answered {response.status}: {response.text()}"
        import re
        version = re.search(r'id="form-version"[^>]*value="(\d+)"', response.text())
        if version:
            expect(page.locator("#form-version")).to_have_value(version.group(1))
    else:  # as a person would, one question at a time
        for op, selector, value, _ in plan:
            locator = page.locator(selector)
            if op == "set":
                locator.fill(value)
            elif op == "select":
                locator.select_option(value)
            else:
                locator.check()
    for name, value in pairs:
        filled[name] = value
    return filled


def _plan_field(page, field, name, given, text, upload):
    """What to do for one question (nothing if it already has an answer)."""
    kind = field.type
    if kind == "date":
        day = page.locator(f'[name="{name}-day"]')
        if day.input_value() and given is None:
            return []
        value = given or made_up_answer(field, text=text)
        return [("set", f'[name="{name}-{part}"]', value[part],
                 {(f"{name}-{part}", value[part])}) for part in ("day", "month", "year")]
    if kind in ("select",) or (kind == "time" and field.options):
        select = page.locator(f'select[name="{name}"]')
        if select.input_value() and given is None:
            return []
        value = given or field.options[0].value
        return [("select", f'select[name="{name}"]', value, {(name, value)})]
    if kind in ("radios", "yesno", "checkboxes"):
        box = "checkbox" if kind == "checkboxes" else "radio"
        if page.locator(f'input[type="{box}"][name="{name}"]:checked').count() and given is None:
            return []
        first = 1 if kind != "checkboxes" else max(1, int(field.min or 1))  # "Select 2 or more"
        values = (given if isinstance(given, (list, tuple))
                  else [given] if given else [o.value for o in field.options[:first]])
        return [("check", f'input[type="{box}"][name="{name}"][value="{v}"]', v,
                 {(name, v)}) for v in values]
    if kind == "file":
        if page.locator(f'#{name}-files li').count() and given is None:
            return []
        return [("upload", (name, field.label), given or upload, set())]
    locator = page.locator(f'[name="{name}"]')
    if locator.input_value() and given is None:
        return []
    value = given if given is not None else made_up_answer(field, text=text)
    if value is None:
        return []
    return [("set", f'[name="{name}"]', value, {(name, value)})]


def _upload(page, name, label, data):
    """Choose a file and press the question's Upload file button (the page reloads)."""
    page.locator(f'input[type="file"][name="{name}"]').set_input_files(
        {"name": "zz-answer.pdf", "mimeType": "application/pdf", "buffer": data})
    with page.expect_navigation():
        page.get_by_role("button", name=f"Upload file for {label}").click()
    _assert_no_problem(page)


def _assert_no_problem(page):
    summary = page.locator(".govuk-error-summary")
    if summary.count():
        raise AssertionError(f"{page.url} shows an error summary:\n{summary.inner_text()}")


def save_and_continue(page) -> None:
    """Press Save & Continue and wait for the next step; fail on an error summary. With
    JavaScript the step is an htmx swap of #form-step (its URL pushed), without it a new page."""
    from tests.browser.conftest import js_enabled
    if js_enabled(page):
        before = page.url
        with page.expect_response(lambda r: r.request.method == "POST"
                                  and r.request.headers.get("hx-request") == "true"
                                  and "autosave" not in (r.request.post_data or "")):
            page.get_by_role("button", name="Save & Continue").click()
        page.wait_for_function(
            "(before) => location.href !== before || document.querySelector('.govuk-error-summary')",
            arg=before)
    else:
        with page.expect_navigation():
            page.get_by_role("button", name="Save & Continue").click()
    _assert_no_problem(page)


def agree_and_submit(page) -> None:
    """On the Summary: tick every declaration's "I agree", Submit, land on "Form submitted"."""
    from playwright.sync_api import expect
    assert step_key_of(page) == "summary", page.url
    for box in page.get_by_label("I agree").all():
        box.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit", exact=True).click()
    _assert_no_problem(page)
    expect(page.get_by_role("heading", name="Form submitted")).to_be_visible()


def complete_form(page, form_key: str, *, answers: dict | None = None, submit: bool = True,
                  on_step=None, text: str = TEXT_ANSWER) -> dict:
    """From the form step the page shows, answer each step (fill_step) and Save & Continue until
    the Summary, then (submit=True) agree and Submit. A work-profile step picks the first profile.
    ``on_step(page, step_key)`` runs on every page first (e.g. an axe check); it also runs on the
    Summary. Returns every {input name: value} filled."""
    filled = {}
    for _ in range(100):
        page.wait_for_load_state("load")
        key = step_key_of(page)
        if on_step:
            on_step(page, key)
        if key == "summary":
            break
        step = form_schema(form_key).step(key)
        if step.kind == "work_profile":
            with page.expect_navigation():
                page.locator("form.portal-step-form").get_by_role(
                    "button", name="Select").first.click()
            _assert_no_problem(page)
            continue
        filled.update(fill_step(page, form_key, answers=answers, text=text))
        save_and_continue(page)
    else:
        raise AssertionError(f"{form_key}: still not at the Summary after 100 pages")
    if submit:
        agree_and_submit(page)
    return filled
